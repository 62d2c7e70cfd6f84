// Yodlee's documented errors mapped into the common taxonomy. Every API error has the body
// `{errorCode: "YNNN", errorMessage, referenceCode}`; the referenceCode is what Yodlee support
// traces, so it is kept as the request id. Refresh outcomes are not HTTP errors: they are a
// provider account's `status` with `dataset[].additionalStatus`, mapped by `datasetError`.
import { ProviderError, type ProviderErrorCode } from '../errors';
import { text, type Json } from '../http';

const NAME = 'Yodlee';

/**
 * API error codes (API 1.1, "API Error Codes"):
 * - Y001/Y002/Y003/Y005/Y301/Y303: the app's own keys or admin login are missing, wrong, locked
 *   or suspended: a set-up problem, not the user's bank login → other.
 * - Y006 unregistered user: the user behind the connection is gone → consent_expired.
 * - Y007 authorization header missing, Y009 session tokens missing, Y010/Y011 → other.
 * - Y008 invalid/expired token: the client gets a new token and retries once; a second Y008 → other.
 * - Y800..Y806 invalid value/length/not allowed/required/range/multiple/invalid input → other.
 * - Y807 resource not found: on a provider account, the connection was deleted → consent_expired.
 * - Y868 no action allowed while data migrates to the Open Banking provider → not_ready.
 * - Y901 service not supported → other. Y902 "Oops some issue at our end" → institution_down.
 * - HTTP 429 (too many requests) → rate_limited, `Retry-After` as retryAt.
 * - any other 5xx → institution_down; other 4xx → other.
 */
export const API_ERROR_CODES: Readonly<Record<string, ProviderErrorCode>> = {
  Y001: 'other', Y002: 'other', Y003: 'other', Y005: 'other', Y006: 'consent_expired', Y007: 'other', Y008: 'other',
  Y009: 'other', Y010: 'other', Y011: 'other', Y301: 'other', Y303: 'other',
  Y800: 'other', Y801: 'other', Y802: 'other', Y803: 'other', Y804: 'other', Y805: 'other', Y806: 'other',
  Y807: 'consent_expired', Y868: 'not_ready', Y901: 'other', Y902: 'institution_down',
};

/** Provider account `dataset[].additionalStatus` values (refresh outcomes) and what they mean. */
export const ADDITIONAL_STATUS: Readonly<Record<string, ProviderErrorCode>> = {
  INCORRECT_CREDENTIALS: 'login_required',
  CREDENTIALS_UPDATE_NEEDED: 'login_required',
  INVALID_ADDL_INFO_PROVIDED: 'user_action_required',
  ACCOUNT_LOCKED: 'locked',
  ADDL_AUTHENTICATION_REQUIRED: 'user_action_required',
  USER_ACTION_NEEDED_AT_SITE: 'user_action_required',
  REQUEST_TIME_OUT: 'user_action_required',
  CONSENT_EXPIRED: 'consent_expired',
  CONSENT_REVOKED: 'consent_expired',
  CONSENT_REQUIRED: 'consent_expired',
  NEW_AUTHENTICATION_REQUIRED: 'consent_expired',
  SITE_UNAVAILABLE: 'institution_down',
  SITE_BLOCKING_ERROR: 'institution_down',
  TECH_ERROR: 'institution_down',
  UNEXPECTED_SITE_ERROR: 'institution_down',
  SITE_SESSION_INVALIDATED: 'institution_down',
  SITE_NOT_SUPPORTED: 'other',
  DATA_NOT_AVAILABLE: 'not_ready',
  IN_PROGRESS: 'not_ready',
  LOGIN_IN_PROGRESS: 'not_ready',
  DATA_RETRIEVAL_IN_PROGRESS: 'not_ready',
  ACCT_SUMMARY_RECEIVED: 'not_ready',
};

const ADVICE: Partial<Record<ProviderErrorCode, string>> = {
  login_required: 'The bank no longer accepts the login saved at Yodlee.',
  user_action_required: 'The bank asks for a security code or another confirmation.',
  consent_expired: 'The consent to share this bank data has expired or was withdrawn.',
  locked: 'The bank locked the online account.',
  institution_down: 'The bank site is not available right now.',
  not_ready: 'Yodlee is still collecting the data from the bank.',
};

/** The ProviderError for a Yodlee HTTP error answer. */
export function apiError(status: number, body: Json, headers: Headers, now: Date, during?: string): ProviderError {
  const providerCode = text(body, 'errorCode');
  const message = text(body, 'errorMessage') ?? `HTTP ${status}`;
  const requestId = text(body, 'referenceCode') ?? headers.get('x-request-id') ?? undefined;
  let code: ProviderErrorCode;
  let retryAt: string | undefined;
  if (status === 429) {
    code = 'rate_limited';
    retryAt = retryAfter(headers, now);
  } else if (providerCode !== undefined && API_ERROR_CODES[providerCode] !== undefined) {
    code = API_ERROR_CODES[providerCode];
  } else if (status >= 500) {
    code = 'institution_down';
  } else {
    code = 'other';
  }
  return new ProviderError(code, `${NAME}: HTTP ${status}${providerCode ? ` ${providerCode}` : ''}${during ? ` (${during})` : ''}: ${message}`, {
    description: message,
    providerCode: providerCode ?? `HTTP_${status}`,
    ...(requestId ? { requestId } : {}),
    ...(retryAt ? { retryAt } : {}),
  });
}

/** `Retry-After` (seconds or an HTTP date) as an ISO instant. */
export function retryAfter(headers: Headers, now: Date): string | undefined {
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return new Date(now.getTime() + Number(v.trim()) * 1000).toISOString();
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/** The ProviderError for a provider account whose last refresh did not succeed. */
export function datasetError(o: { status: string; additionalStatus?: string; statusMessage?: string; requestId?: string; providerName?: string }): ProviderError {
  const mapped: ProviderErrorCode = o.additionalStatus !== undefined ? ADDITIONAL_STATUS[o.additionalStatus] ?? 'other' : o.status === 'USER_INPUT_REQUIRED' ? 'user_action_required' : 'other';
  const site = o.providerName ? ` (${o.providerName})` : '';
  const description = o.statusMessage ?? `${ADVICE[mapped] ?? 'Yodlee could not update this connection.'}${site}`;
  return new ProviderError(mapped, `${NAME}: provider account ${o.status}${o.additionalStatus ? `/${o.additionalStatus}` : ''}: ${description}`, {
    description,
    providerCode: o.additionalStatus ?? o.status,
    ...(o.requestId ? { requestId: o.requestId } : {}),
  });
}
