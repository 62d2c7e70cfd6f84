// Enable Banking's error answers ({message, code, error, detail}) mapped into the common
// taxonomy. `error` is Enable Banking's own code (EXPIRED_SESSION...), `code` the HTTP status.
import { ProviderError, type ProviderErrorCode } from '../errors';
import { text, type HttpResponse } from '../http';

export const DISPLAY_NAME = 'Enable Banking';

/** The session (consent) is gone: only a new authorization at the bank helps. */
const SESSION_GONE = new Set(['EXPIRED_SESSION', 'REVOKED_SESSION', 'CLOSED_SESSION', 'SESSION_DOES_NOT_EXIST', 'EXPIRED_AUTHORIZATION']);
/** The bank or Enable Banking's connection to it failed: transient. */
const BANK_DOWN = new Set(['ASPSP_ERROR', 'ASPSP_TIMEOUT', 'ASPSP_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR']);
/** Our application's JWT or registration was refused: a configuration problem, never the user's bank login. */
const APP_REFUSED = new Set(['UNAUTHORIZED_ACCESS', 'UNAUTHORIZED', 'INVALID_JWT', 'EXPIRED_JWT', 'APPLICATION_NOT_ACTIVE', 'WRONG_APPLICATION']);

export function requestIdOf(res: { headers: Headers }): string | undefined {
  return res.headers.get('x-request-id') ?? res.headers.get('request-id') ?? undefined;
}

/** When a rate-limited request may be tried again: Retry-After (seconds or HTTP date), else 24 h later. */
export function retryAtOf(res: { headers: Headers }, now: Date): string {
  const h = res.headers.get('retry-after');
  if (h !== null && h.trim() !== '') {
    if (/^\d+$/.test(h.trim())) return new Date(now.getTime() + Number.parseInt(h.trim(), 10) * 1000).toISOString();
    const at = Date.parse(h);
    if (!Number.isNaN(at)) return new Date(at).toISOString();
  }
  // PSD2 banks count unattended requests over a rolling 24 h: a day later is always allowed.
  return new Date(now.getTime() + 86_400_000).toISOString();
}

function describe(res: HttpResponse): { error: string | undefined; message: string } {
  const body = res.body;
  const error = text(body, 'error');
  const message = text(body, 'message');
  const detailRaw = body !== null && typeof body === 'object' && !Array.isArray(body) ? body['detail'] : undefined;
  const detail = typeof detailRaw === 'string' ? detailRaw : undefined;
  const parts = [message, detail].filter((x): x is string => x !== undefined && x !== '');
  return { error: error ?? undefined, message: parts.length ? parts.join(': ') : `HTTP ${res.status}` };
}

/** The ProviderError for an Enable Banking error answer. */
export function enableBankingError(res: HttpResponse, now: Date): ProviderError {
  const { error, message } = describe(res);
  const requestId = requestIdOf(res);
  const providerCode = error ?? `HTTP_${res.status}`;
  const base = { providerCode, ...(requestId ? { requestId } : {}) };
  const make = (code: ProviderErrorCode, description: string, extra: { retryAt?: string } = {}) =>
    new ProviderError(code, `${DISPLAY_NAME}: ${providerCode} (HTTP ${res.status}): ${message}`, { description, ...base, ...extra });

  if (error !== undefined && SESSION_GONE.has(error)) {
    return make('consent_expired', `Your consent at the bank has ended (${message}). Use Reconnect to give it again.`);
  }
  if (error === 'ASPSP_PSU_ACTION_REQUIRED') {
    return make('user_action_required', `The bank asks you to act before it shares data again (${message}). Synchronize while you are at your computer, or Reconnect.`);
  }
  if (error === 'ASPSP_RATE_LIMIT_EXCEEDED' || res.status === 429) {
    return make('rate_limited', `The bank allows only a few unattended requests a day (${message}).`, { retryAt: retryAtOf(res, now) });
  }
  if ((error !== undefined && BANK_DOWN.has(error)) || res.status >= 500 || res.status === 408) {
    return make('institution_down', `The bank is not answering through Enable Banking right now (${message}).`);
  }
  if ((error !== undefined && APP_REFUSED.has(error)) || res.status === 401 || res.status === 403) {
    return make('other', `Enable Banking refused Ledgerlink's application credentials (${message}). This is a configuration problem, not your bank login: check ENABLEBANKING_APP_ID and ENABLEBANKING_PRIVATE_KEY (the application id and its registered private key) in Settings.`);
  }
  return make('other', `Enable Banking refused the request (${message}).`);
}
