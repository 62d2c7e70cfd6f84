import type { ConnectionState, StateAction } from '../../preload/api';
import type { ProviderError } from '../providers/errors';

export interface Outcome {
  /** The connection's next state; null keeps the current one. */
  state: ConnectionState | null;
  action: StateAction | null;
  level: 'info' | 'warning' | 'error';
  /** What the chatter says, as a sentence with the next step. */
  text: string;
  /** False when nothing failed (not ready yet): the run still counts as a success. */
  failed: boolean;
}

/** What a provider error means for the connection and what the user is told. */
export function outcomeOf(e: ProviderError): Outcome {
  switch (e.code) {
    case 'login_required':
      return { state: 'waiting_for_user', action: 'update_credentials', level: 'error', failed: true,
        text: 'The bank no longer accepts the saved login. Use Update Credentials to sign in again.' };
    case 'user_action_required':
      return { state: 'waiting_for_user', action: 'mfa', level: 'warning', failed: true,
        text: 'The bank asks for a security code or another confirmation. Use Fetch Transactions while you are at your computer to give it.' };
    case 'consent_expired':
      return { state: 'waiting_for_user', action: 'reconnect', level: 'error', failed: true,
        text: 'Your consent to share this bank data has expired or was withdrawn. Use Reconnect to renew it; your journals and history are kept.' };
    case 'locked':
      return { state: 'blocked', action: 'reactivate', level: 'error', failed: true,
        text: 'Synchronization is blocked because of suspicious activity. Re-activate the connection with your registered phone number.' };
    case 'rate_limited':
      return { state: null, action: null, level: 'warning', failed: true,
        text: e.retryAt
          ? `The bank allows only a few requests a day. The next attempt is possible after ${e.retryAt}.`
          : 'The bank allows only a few requests a day. Please try again later.' };
    case 'automatic_sync_refused':
      return { state: 'error', action: null, level: 'error', failed: true,
        text: 'This bank does not allow automatic synchronization. Switch off automatic synchronization for this connection and use Fetch Transactions to synchronize manually.' };
    case 'not_ready':
      return { state: null, action: null, level: 'info', failed: false,
        text: 'The bank is still preparing your data: nothing new yet. It will come with a later synchronization.' };
    case 'institution_down':
      return { state: 'error', action: null, level: 'error', failed: true,
        text: 'The bank is not responding at the moment. Nothing was lost; the next synchronization will carry on.' };
    case 'network':
      return { state: 'error', action: null, level: 'error', failed: true,
        text: 'The bank could not be reached (network problem or time-out). Nothing was lost; the next synchronization will carry on.' };
    case 'invalid_response':
      return { state: 'error', action: null, level: 'error', failed: true,
        text: 'The bank sent data that could not be read. Nothing from it was saved; the next synchronization will try again. If it persists, send the reference to support.' };
    case 'other':
      return { state: 'error', action: null, level: 'error', failed: true,
        text: 'The synchronization failed. Nothing was lost. If it happens again, send the reference to support.' };
  }
}
