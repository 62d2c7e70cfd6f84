// The common error taxonomy. Every provider maps its documented errors into one of these
// codes, keeping the provider's own message and request id, so that the sync engine can
// pick the connection's next state and the user gets a reference to copy.

export type ProviderErrorCode =
  /** The bank login is no longer valid: Update Credentials. */
  | 'login_required'
  /** The user must act (MFA code, security question) while present. */
  | 'user_action_required'
  /** The consent lapsed or was revoked: Reconnect. */
  | 'consent_expired'
  /** Too many requests: try again at `retryAt`. */
  | 'rate_limited'
  /** The institution refuses unattended synchronization. */
  | 'automatic_sync_refused'
  /** The bank or the provider is down or not responding. */
  | 'institution_down'
  /** Data is still being prepared: not an error, nothing yet. */
  | 'not_ready'
  /** Suspicious activity: every request is stopped until the user re-activates. */
  | 'locked'
  /** The provider answered something we cannot read (malformed JSON, bad amount...). */
  | 'invalid_response'
  /** The network could not be reached or the request timed out. */
  | 'network'
  | 'other';

export interface ProviderErrorInit {
  /** The provider's own description, shown to the user. */
  description?: string;
  /** The provider's error code (e.g. ITEM_LOGIN_REQUIRED). */
  providerCode?: string;
  /** The provider's request id, which support can trace. */
  requestId?: string;
  /** For rate limits: when the next call is allowed (ISO instant). */
  retryAt?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly description: string;
  readonly providerCode?: string;
  readonly requestId?: string;
  readonly retryAt?: string;

  constructor(code: ProviderErrorCode, message: string, init: ProviderErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.description = init.description ?? message;
    if (init.providerCode !== undefined) this.providerCode = init.providerCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAt !== undefined) this.retryAt = init.retryAt;
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}

/** Any thrown value as a ProviderError (unknown failures become `other`). */
export function toProviderError(e: unknown): ProviderError {
  if (e instanceof ProviderError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ProviderError('other', message, { cause: e });
}
