// The frame of every screen: skip link, navigation, the bridge banner, notifications.
import type { ReactNode } from 'react';
import type { NotificationEvent } from '../../preload/api';
import { useI18n } from '../i18n';
import { href, type Route } from '../router';
import { useApp, type Notice } from '../stores/app';
import { useConnections } from '../stores/connections';
import { ErrorMessage } from './common';

function NoticeText({ event }: { event: NotificationEvent }) {
  const { t, instant } = useI18n();
  const connections = useConnections((s) => s.connections);
  const name = 'connection_id' in event ? (connections.find((c) => c.id === event.connection_id)?.institution_name ?? '') : '';
  switch (event.type) {
    case 'waiting_for_user':
      return <>{t('notify.waiting_for_user', { name, action: event.action ? t(`action.${event.action}`) : '' })}</>;
    case 'blocked':
      return <>{t('notify.blocked', { name })}</>;
    case 'consent_expiring':
      return <>{t('notify.consent_expiring', { name, n: event.days_left })}</>;
    case 'quota_deferred':
      return <>{t('notify.quota_deferred', { name, when: instant(event.next_attempt_at) })}</>;
    case 'auto_sync_off':
      return <>{t('notify.auto_sync_off', { name })}</>;
    case 'offline':
      return <>{t('notify.offline')}</>;
    case 'online':
      return <>{t('notify.online')}</>;
    case 'error':
      return <>{t('notify.error', { message: event.message })}</>;
  }
}

function Notices() {
  const { t } = useI18n();
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismiss);
  return (
    <div className="notices" role="region" aria-label={t('notify.region')}>
      <div aria-live="polite">
        {notices.map((n: Notice) => (
          <div key={n.id} className={`notice level-${n.level}`} data-testid="notice">
            <div className="notice-body">{n.event ? <NoticeText event={n.event} /> : n.error ? <ErrorMessage error={n.error} /> : n.text}</div>
            <button type="button" className="btn btn-small" onClick={() => dismiss(n.id)} aria-label={t('notify.dismiss')}>
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function BridgeBanner() {
  const { t } = useI18n();
  const bridge = useApp((s) => s.bridge);
  return (
    <div aria-live="polite" className="bridge-live">
      {bridge === 'closed' ? (
        <p className="banner banner-offline" data-testid="bridge-offline">
          {t('bridge.offline')}
        </p>
      ) : null}
      {bridge === 'no_token' ? (
        <p className="banner banner-offline" data-testid="bridge-offline">
          {t('bridge.noToken')}
        </p>
      ) : null}
      {bridge === 'connecting' ? <p className="banner banner-info">{t('bridge.connecting')}</p> : null}
    </div>
  );
}

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const { t } = useI18n();
  const developerMode = useApp((s) => s.developerMode);
  const link = (r: Route, label: string) => {
    const current = r.page === route.page || (r.page === 'dashboard' && route.page === 'journal');
    return (
      <li>
        <a href={href(r)} aria-current={current ? 'page' : undefined} className={current ? 'current' : ''}>
          {label}
        </a>
      </li>
    );
  };
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          {t('app.name')}
        </span>
        <nav aria-label={t('nav.main')}>
          <ul>
            {link({ page: 'dashboard' }, t('nav.dashboard'))}
            {developerMode ? link({ page: 'connections' }, t('nav.connections')) : null}
            {link({ page: 'settings' }, t('nav.settings'))}
          </ul>
        </nav>
      </header>
      <BridgeBanner />
      <Notices />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
