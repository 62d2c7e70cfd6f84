// Salt Edge's documented error classes ({error: {class, message}}) mapped into the common
// taxonomy, keeping Salt Edge's message, its class and the request id.
import { ProviderError, type ProviderErrorCode } from '../errors';
import { obj, statusError, text, type HttpResponse } from '../http';

export const SALTEDGE = 'Salt Edge';

/** Error class → our code. Everything not listed is `other` (or by HTTP status). */
export const ERROR_CLASSES: Record<string, ProviderErrorCode> = {
  // The bank refused the saved login.
  InvalidCredentials: 'login_required',
  // Consent lapsed, withdrawn, or the connection was disabled / removed: Reconnect.
  ConnectionDisabled: 'consent_expired',
  AispConsentExpired: 'consent_expired',
  AispConsentRevoked: 'consent_expired',
  ConnectionNotFound: 'consent_expired',
  // Limits.
  ConnectionCannotBeRefreshed: 'rate_limited',
  BackgroundFetchLimitExceeded: 'rate_limited',
  RateLimitExceeded: 'rate_limited',
  // The bank is down.
  ProviderUnavailable: 'institution_down',
  ProviderError: 'institution_down',
  ProviderInactive: 'institution_down',
  // The bank asked for an SMS / token code that did not come in time.
  InteractiveTimeout: 'user_action_required',
  InteractiveAdapterTimeout: 'user_action_required',
};

/** Classes about Ledgerlink's own app keys or signature: a setup problem, not the bank login. */
export const APP_AUTH_CLASSES = new Set([
  'ClientNotFound', 'ClientDisabled', 'ClientPending', 'InvalidSignature', 'ExpiredSignature', 'MissingSignature', 'MissingExpiresAt',
  'WrongClientSecret', 'SecretMismatch', 'PublicKeyNotProvided',
]);

export function requestIdOf(res: HttpResponse): string | undefined {
  const h = res.headers.get('x-request-id') ?? undefined;
  if (h) return h;
  return text(obj(res.body, 'error'), 'request_id') ?? text(res.body, 'request_id') ?? text(obj(res.body, 'meta'), 'request_id');
}

function addSeconds(now: Date, s: number): string {
  return new Date(now.getTime() + s * 1000).toISOString();
}

/** The Retry-After header (seconds or an HTTP date) as an ISO instant. */
export function retryAfter(res: HttpResponse, now: Date): string | undefined {
  const h = res.headers.get('retry-after');
  if (!h) return undefined;
  if (/^\d+$/.test(h.trim())) return addSeconds(now, Number.parseInt(h.trim(), 10));
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The ProviderError for a Salt Edge error answer. */
export function saltEdgeError(res: HttpResponse, now: Date, extra: { retryAt?: string } = {}): ProviderError {
  const requestId = requestIdOf(res);
  const err = obj(res.body, 'error');
  const cls = text(err, 'class');
  const message = text(err, 'message');
  if (!cls) {
    return statusError(SALTEDGE, res.status, message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`), requestId);
  }
  const init = {
    providerCode: cls,
    ...(requestId ? { requestId } : {}),
  };
  if (APP_AUTH_CLASSES.has(cls)) {
    return new ProviderError('other', `${SALTEDGE}: ${cls}: ${message ?? ''}`, {
      ...init,
      description: `Salt Edge refused Ledgerlink's app keys (${cls}${message ? `: ${message}` : ''}). Check the Salt Edge App-id, Secret and private key in Settings.`,
    });
  }
  const code: ProviderErrorCode = ERROR_CLASSES[cls] ?? (res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'institution_down' : 'other');
  const retryAt = extra.retryAt ?? (code === 'rate_limited' ? retryAfter(res, now) : undefined);
  return new ProviderError(code, `${SALTEDGE}: ${cls}: ${message ?? ''}`, {
    ...init,
    description: message ?? cls,
    ...(retryAt ? { retryAt } : {}),
  });
}
