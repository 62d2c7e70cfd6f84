// The way back for a connection that needs the user: Update Credentials, Reconnect or
// Reactivate start the consent flow for it. Shown wherever the app says what to do (the
// dashboard's cards, Settings), not only in developer mode.
import type { ConnectionView } from '../../preload/api';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { useConnect } from '../stores/connect';

export type ConsentKind = 'reconnect' | 'update' | 'reactivate';

/** Starts the consent flow for the connection on the Add a Bank Account screen. */
export function openConsent(connection: ConnectionView, kind: ConsentKind): void {
  useConnect.getState().forConnection(kind, connection);
  navigate({ page: 'connect' });
}

export function ConsentButton({ connection, kind, primary = false }: { connection: ConnectionView; kind: ConsentKind; primary?: boolean }) {
  const { t } = useI18n();
  const label = kind === 'reconnect' ? t('conn.reconnect') : kind === 'update' ? t('conn.updateCredentials') : t('conn.reactivate');
  return (
    <button
      type="button"
      className={`btn btn-small${primary ? ' btn-primary' : ''}`}
      // Several cards show the same button: the bank's name tells them apart for screen readers.
      aria-label={`${label}: ${connection.institution_name}`}
      data-testid={`consent-${kind}`}
      onClick={() => openConsent(connection, kind)}
    >
      {label}
    </button>
  );
}

/** What the connection's state asks for, if it is something a consent solves. */
export function consentFor(c: ConnectionView): ConsentKind | null {
  if (c.state_action === 'update_credentials') return 'update';
  if (c.state_action === 'reconnect') return 'reconnect';
  if (c.state_action === 'reactivate' || c.state === 'blocked') return 'reactivate';
  // Consent ending within 15 days: one click renews it before synchronization stops.
  if (c.consent_days_left !== null && c.consent_days_left <= 15 && c.state !== 'disconnected') return 'reconnect';
  return null;
}
