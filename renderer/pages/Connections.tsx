// Online Synchronizations (developer mode): every connection, its state and its actions.
import { useEffect, useState } from 'react';
import type { ApiError, ConnectionView, SyncSummary } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';
import { Chatter } from '../components/Chatter';
import { openConsent, type ConsentKind } from '../components/ConsentButton';
import { ErrorMessage, StateBadge } from '../components/common';
import { useI18n } from '../i18n';
import { providerName } from '../providers';
import { navigate } from '../router';
import { useApp } from '../stores/app';
import { useConnect } from '../stores/connect';
import { useConnections } from '../stores/connections';
import { useJournals } from '../stores/journals';

function ConnectionCard({ c }: { c: ConnectionView }) {
  const { t, instant, num } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const { load, setAutoSync, disconnect } = useConnections();
  const run = async (name: string, f: () => Promise<ApiError | null | void>) => {
    setBusy(name);
    setError(null);
    setInfo(null);
    try {
      const e = await f();
      if (e) setError(e);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(null);
      void load();
    }
  };
  const fetchTransactions = () =>
    run('sync', async () => {
      const r = await useJournals.getState().synchronize([c.id]);
      if (!Array.isArray(r)) return r;
      const s: SyncSummary | undefined = r[0];
      if (s && !s.ok && s.error) return s.error;
      const stored = r.reduce((n, x) => n + x.stored, 0);
      setInfo(stored > 0 ? t('dash.syncDone', { stored: num(stored) }) : t('dash.syncNothing'));
      return null;
    });
  const fetchAccounts = () =>
    run('accounts', async () => {
      const accounts = await unwrap(getApi().fetchAccounts({ connection_id: c.id }));
      const unlinked = accounts.filter((a) => a.journal_id === null);
      if (unlinked.length > 0) {
        useConnect.getState().reset();
        await useConnect.getState().showAccounts(c, accounts);
        navigate({ page: 'connect' });
      } else setInfo(t('conn.newAccounts', { n: 0 }));
      return null;
    });
  const consent = (kind: ConsentKind) => openConsent(c, kind);
  const titleId = `conn-${c.id}-h`;
  return (
    <article className="card connection" aria-labelledby={titleId} data-testid="connection-card" data-connection-id={c.id} data-state={c.state}>
      <header className="card-head">
        <div>
          <h2 id={titleId} className="card-title">
            {c.institution_name}
          </h2>
          <p className="muted">
            {providerName(c.provider)} · {t('conn.accounts', { n: num(c.account_count) })}
          </p>
        </div>
        <StateBadge state={c.state} />
      </header>
      <ul className="facts">
        <li>{t('conn.lastRefresh', { when: instant(c.last_refresh) })}</li>
        <li>{t('conn.nextRefresh', { when: instant(c.next_refresh) })}</li>
        {c.consent_days_left !== null ? <li>{c.consent_days_left > 0 ? t('dash.consentDays', { n: c.consent_days_left }) : t('dash.consentEnded')}</li> : null}
        {c.retry_at ? <li>{t('conn.retryAt', { when: instant(c.retry_at) })}</li> : null}
        {c.state_action ? <li className="warning">{t(`action.${c.state_action}`)}</li> : null}
        {c.blocked_reason ? <li className="warning">{t('conn.blockedReason', { reason: c.blocked_reason })}</li> : null}
      </ul>
      <label className="switch">
        <input type="checkbox" checked={c.auto_sync} onChange={(e) => void run('auto', () => setAutoSync(c.id, e.target.checked))} disabled={busy !== null} />
        {t('conn.autoSync')}
      </label>
      <div className="actions wrap">
        <button type="button" className="btn" onClick={() => void fetchTransactions()} disabled={busy !== null || c.state === 'disconnected' || c.state === 'blocked'} aria-busy={busy === 'sync'}>
          {t('conn.fetchTransactions')}
        </button>
        <button type="button" className="btn" onClick={() => void fetchAccounts()} disabled={busy !== null || c.state === 'disconnected' || c.state === 'blocked'} aria-busy={busy === 'accounts'}>
          {t('conn.fetchAccounts')}
        </button>
        <button type="button" className="btn" onClick={() => consent('reconnect')} disabled={busy !== null}>
          {t('conn.reconnect')}
        </button>
        <button type="button" className="btn" onClick={() => consent('update')} disabled={busy !== null || c.state === 'disconnected'}>
          {t('conn.updateCredentials')}
        </button>
        {c.state === 'blocked' ? (
          <button type="button" className="btn btn-primary" onClick={() => consent('reactivate')} disabled={busy !== null}>
            {t('conn.reactivate')}
          </button>
        ) : null}
        {c.state !== 'disconnected' ? (
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              if (window.confirm(t('conn.disconnectConfirm', { name: c.institution_name }))) void run('disconnect', () => disconnect(c.id));
            }}
            disabled={busy !== null}
          >
            {t('conn.disconnect')}
          </button>
        ) : null}
      </div>
      <div aria-live="polite">{info ? <p className="success">{info}</p> : null}</div>
      {error ? <ErrorMessage error={error} /> : null}
      <details className="chatter-details">
        <summary>{t('chatter.title')}</summary>
        <Chatter chatterKey={`c${c.id}`} heading={false} />
      </details>
    </article>
  );
}

export function Connections() {
  const { t } = useI18n();
  const developerMode = useApp((s) => s.developerMode);
  const { connections, loaded, error, load } = useConnections();
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby="page-title" data-testid="connections-page">
      <div className="page-head">
        <h1 id="page-title">{t('conn.title')}</h1>
      </div>
      {!developerMode ? <p className="info">{t('conn.devOnly')}</p> : null}
      {error ? <ErrorMessage error={error} onRetry={() => void load()} /> : null}
      {loaded && connections.length === 0 ? <p className="muted">{t('conn.empty')}</p> : null}
      <div className="cards">
        {connections.map((c) => (
          <ConnectionCard key={c.id} c={c} />
        ))}
      </div>
    </section>
  );
}
