// Plaid's documented errors ({error_type, error_code, error_code_reason, error_message,
// display_message, request_id}) mapped into the common taxonomy, plus transport failures of
// the SDK's axios calls (time-out, cut-off answer, unreadable JSON).
import { ProviderError, type ProviderErrorCode } from '../errors';
import { statusError, text, type Json } from '../http';

/** Plaid's rate limits are per minute: without a Retry-After header, try again a minute later. */
export const DEFAULT_RETRY_MS = 60_000;

/** error_code (or error_type for the whole family) → our code. */
const BY_CODE: Record<string, ProviderErrorCode> = {
  ITEM_LOGIN_REQUIRED: 'login_required',
  INVALID_ACCESS_TOKEN: 'login_required',
  INVALID_CREDENTIALS: 'login_required',
  ITEM_NOT_FOUND: 'login_required',
  ITEM_LOCKED: 'locked',
  USER_SETUP_REQUIRED: 'user_action_required',
  INVALID_MFA: 'user_action_required',
  INSUFFICIENT_CREDENTIALS: 'user_action_required',
  USER_INPUT_TIMEOUT: 'user_action_required',
  USER_PERMISSION_REVOKED: 'consent_expired',
  ACCESS_NOT_GRANTED: 'consent_expired',
  RATE_LIMIT_EXCEEDED: 'rate_limited',
  INSTITUTION_DOWN: 'institution_down',
  INSTITUTION_NOT_RESPONDING: 'institution_down',
  INSTITUTION_NOT_AVAILABLE: 'institution_down',
  INTERNAL_SERVER_ERROR: 'institution_down',
  PLANNED_MAINTENANCE: 'institution_down',
  PRODUCT_NOT_READY: 'not_ready',
};

/** ITEM_LOGIN_REQUIRED reasons meaning the OAuth consent lapsed or was withdrawn. */
const CONSENT_REASONS = new Set(['OAUTH_CONSENT_EXPIRED', 'OAUTH_INVALID_TOKEN', 'OAUTH_USER_REVOKED']);

export function plaidCode(body: Json): ProviderErrorCode {
  const type = text(body, 'error_type') ?? '';
  const code = text(body, 'error_code') ?? '';
  const reason = text(body, 'error_code_reason') ?? '';
  if (code === 'ITEM_LOGIN_REQUIRED' && CONSENT_REASONS.has(reason)) return 'consent_expired';
  return BY_CODE[code] ?? (type === 'RATE_LIMIT_EXCEEDED' ? 'rate_limited' : 'other');
}

/** A Plaid error body as a ProviderError. */
export function fromPlaidBody(status: number, body: Json, o: { retryAfter?: string | null; now: Date; endpoint: string }): ProviderError {
  const code = plaidCode(body);
  const errorCode = text(body, 'error_code') ?? `HTTP_${status}`;
  const message = text(body, 'error_message') ?? `HTTP ${status}`;
  const display = text(body, 'display_message');
  const requestId = text(body, 'request_id');
  let retryAt: string | undefined;
  if (code === 'rate_limited') {
    const secs = o.retryAfter && /^\d+$/.test(o.retryAfter.trim()) ? Number(o.retryAfter.trim()) : undefined;
    const date = o.retryAfter && secs === undefined ? Date.parse(o.retryAfter) : Number.NaN;
    retryAt = new Date(secs !== undefined ? o.now.getTime() + secs * 1000 : !Number.isNaN(date) ? date : o.now.getTime() + DEFAULT_RETRY_MS).toISOString();
  }
  const reason = text(body, 'error_code_reason');
  return new ProviderError(code, `plaid ${o.endpoint}: ${errorCode}${reason ? ` (${reason})` : ''}: ${message}`, {
    description: display ?? message,
    providerCode: errorCode,
    ...(requestId ? { requestId } : {}),
    ...(retryAt ? { retryAt } : {}),
  });
}

interface AxiosLike {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status: number; data: unknown; headers?: Record<string, unknown> & { get?: (k: string) => unknown } };
}

/** Socket-level codes Node gives a response stream that ended before its last byte. */
const CUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

/**
 * Whether axios failed because the body stopped short: its http adapter reports a stream
 * aborted mid-body as ERR_BAD_RESPONSE "stream has been aborted" (with the response already
 * attached), or passes the socket's own error code through.
 */
function isCutOff(ax: AxiosLike): boolean {
  if (CUT_CODES.has(ax.code ?? '')) return true;
  return ax.code === 'ERR_BAD_RESPONSE' && /aborted|terminated|premature/i.test(ax.message ?? '');
}

/** Any failure of an SDK call as a ProviderError. */
export function mapSdkError(e: unknown, o: { now: Date; endpoint: string; timeoutMs: number }): ProviderError {
  if (e instanceof ProviderError) return e;
  // Our exact JSON reader (the axios transformResponse) refused the body.
  if (e instanceof SyntaxError || (e instanceof Error && e.name === 'SyntaxError')) {
    return new ProviderError('invalid_response', `plaid ${o.endpoint}: answer is not JSON: ${e.message}`, {
      description: 'Plaid sent an answer that could not be read.',
      cause: e,
    });
  }
  const ax = (e ?? {}) as AxiosLike;
  // A connection cut in the middle of the body: axios still carries the status line it had
  // read (HTTP 200) but no answer. That is the network failing, to be retried like one, not
  // Plaid answering something unreadable.
  if (isCutOff(ax)) {
    return new ProviderError('network', `plaid ${o.endpoint}: the answer was cut off (${ax.message ?? ax.code})`, {
      description: 'Plaid could not be reached, or its answer was cut off.',
      cause: e,
    });
  }
  if (ax.response) {
    const { status, data } = ax.response;
    const header = (k: string): string | null => {
      const h = ax.response?.headers;
      const v = typeof h?.get === 'function' ? h.get(k) : h?.[k];
      return typeof v === 'string' ? v : null;
    };
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && typeof (data as Record<string, unknown>).error_code === 'string') {
      return fromPlaidBody(status, data as Json, { retryAfter: header('retry-after'), now: o.now, endpoint: o.endpoint });
    }
    const err = statusError('Plaid', status, `Plaid answered HTTP ${status} on ${o.endpoint}`, undefined);
    if (err.code === 'rate_limited') {
      return new ProviderError('rate_limited', err.message, {
        description: err.description, providerCode: err.providerCode ?? `HTTP_${status}`,
        retryAt: new Date(o.now.getTime() + DEFAULT_RETRY_MS).toISOString(),
      });
    }
    return err;
  }
  const code = ax.code ?? '';
  const msg = ax.message ?? String(e);
  const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(msg);
  return new ProviderError('network', `plaid ${o.endpoint}: ${timedOut ? `no answer in ${o.timeoutMs} ms` : `could not be reached or the answer was cut off (${code || msg})`}`, {
    description: timedOut ? 'Plaid did not answer in time.' : 'Plaid could not be reached, or its answer was cut off.',
    cause: e,
  });
}
