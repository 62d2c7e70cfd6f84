import type { ConnectionState, StateAction } from '../../preload/api';
import type { ProviderError } from '../providers/errors';

/** Consecutive failed logins after which we block the connection ourselves. */
export const FAILED_LOGINS_TO_BLOCK = 3;

/** What the chatter says when automatic synchronization is switched off because the bank refuses it. */
export const AUTO_SYNC_REFUSED_TEXT =
  'This bank does not allow automatic synchronization, so Ledgerlink has switched it off for this connection. Use Fetch Transactions to synchronize manually while you are at your computer.';

export type BlockedReason = 'provider_locked' | 'repeated_failed_logins';

/**
 * How the schedule goes on after the outcome:
 * - 'backoff': a transient failure, tried again after an exponential, jittered delay;
 * - 'rate_limit': not before the provider's `retryAt` (or a default);
 * - 'user': not until the user acts (MFA, login, consent, re-activation): never retried by itself;
 * - 'none': nothing to plan (automatic synchronization was switched off).
 */
export type RetryPlan = 'backoff' | 'rate_limit' | 'user' | 'none';

export interface Outcome {
  /** The connection's next state; null keeps the current one. */
  state: ConnectionState | null;
  action: StateAction | null;
  level: 'info' | 'warning' | 'error';
  /** What the chatter says, as a sentence with the next step. */
  text: string;
  /** False when nothing failed (not ready yet): the run still counts as a success. */
  failed: boolean;
  retry: RetryPlan;
  /** Set with state 'blocked': why. */
  blockedReason?: BlockedReason;
  /** Switch automatic synchronization off for the connection. */
  autoSyncOff?: boolean;
  /** Counts as a failed login (consecutive ones block the connection). */
  failedLogin?: boolean;
}

export interface OutcomeContext {
  /** Consecutive failed logins before this error. */
  failedLogins?: number;
}

/**
 * What a provider error means for the connection and what the user is told.
 *
 * Only `login_required` counts as a failed login: the bank refused the saved login. An MFA
 * prompt (`user_action_required`) is the bank's ordinary behaviour, not a refusal, and the
 * scheduler never retries it by itself, so it cannot pile up.
 */
export function outcomeOf(e: ProviderError, ctx: OutcomeContext = {}): Outcome {
  switch (e.code) {
    case 'login_required': {
      const failedLogins = (ctx.failedLogins ?? 0) + 1;
      if (failedLogins >= FAILED_LOGINS_TO_BLOCK) {
        return { state: 'blocked', action: 'reactivate', level: 'error', failed: true, retry: 'user', failedLogin: true,
          blockedReason: 'repeated_failed_logins',
          text: `The bank refused the login ${failedLogins} times in a row. To keep your bank from locking your access, Ledgerlink has stopped every request of this connection. Re-activate it with your registered phone number, then use Update Credentials.` };
      }
      return { state: 'waiting_for_user', action: 'update_credentials', level: 'error', failed: true, retry: 'user', failedLogin: true,
        text: 'The bank no longer accepts the saved login. Use Update Credentials to sign in again.' };
    }
    case 'user_action_required':
      return { state: 'waiting_for_user', action: 'mfa', level: 'warning', failed: true, retry: 'user',
        text: 'The bank asks for a security code or another confirmation. Use Fetch Transactions while you are at your computer to give it.' };
    case 'consent_expired':
      return { state: 'waiting_for_user', action: 'reconnect', level: 'error', failed: true, retry: 'user',
        text: 'Your consent to share this bank data has expired or was withdrawn. Use Reconnect to renew it; your journals and history are kept.' };
    case 'locked':
      return { state: 'blocked', action: 'reactivate', level: 'error', failed: true, retry: 'user', blockedReason: 'provider_locked',
        text: 'Synchronization is blocked because of suspicious activity. Re-activate the connection with your registered phone number.' };
    case 'rate_limited':
      return { state: null, action: null, level: 'warning', failed: true, retry: 'rate_limit',
        text: e.retryAt
          ? `The bank allows only a few requests a day. The next attempt is possible after ${e.retryAt}.`
          : 'The bank allows only a few requests a day. Please try again later.' };
    case 'automatic_sync_refused':
      // The connection itself is fine for manual use: its state is kept.
      return { state: null, action: null, level: 'warning', failed: true, retry: 'none', autoSyncOff: true, text: AUTO_SYNC_REFUSED_TEXT };
    case 'not_ready':
      return { state: null, action: null, level: 'info', failed: false, retry: 'backoff',
        text: 'The bank is still preparing your data: nothing new yet. It will come with a later synchronization.' };
    case 'institution_down':
      return { state: 'error', action: null, level: 'error', failed: true, retry: 'backoff',
        text: 'The bank is not responding at the moment. Nothing was lost; the next synchronization will carry on.' };
    case 'network':
      return { state: 'error', action: null, level: 'error', failed: true, retry: 'backoff',
        text: 'The bank could not be reached (network problem or time-out). Nothing was lost; the next synchronization will carry on.' };
    case 'invalid_response':
      return { state: 'error', action: null, level: 'error', failed: true, retry: 'backoff',
        text: 'The bank sent data that could not be read. Nothing from it was saved; the next synchronization will try again. If it persists, send the reference to support.' };
    case 'other':
      return { state: 'error', action: null, level: 'error', failed: true, retry: 'backoff',
        text: 'The synchronization failed. Nothing was lost. If it happens again, send the reference to support.' };
  }
}

/**
 * The disk holding the data folder is full (`text` says which): the bank and the connection
 * are fine, so the state is kept; tried again after a back-off, like a transient failure.
 */
export function diskFullOutcome(text: string): Outcome {
  return { state: null, action: null, level: 'error', failed: true, retry: 'backoff', text };
}

/**
 * The OS keychain holding the connection's tokens cannot be opened (locked, missing): the
 * computer's problem, not the bank's, so the state is kept and `reason` (which says what to
 * unlock or install) is the message; tried again after a back-off, like a transient failure.
 */
export function keychainOutcome(reason: string): Outcome {
  return { state: null, action: null, level: 'error', failed: true, retry: 'backoff',
    text: `${reason.replace(/\s*$/, '')} Nothing was lost: the synchronization carries on once the keychain answers.` };
}
