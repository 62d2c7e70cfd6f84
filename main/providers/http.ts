// The one way provider clients talk HTTP: a timeout on every call, JSON read without ever
// turning an amount into a float (every JSON number stays its decimal text), and failures
// mapped into the common taxonomy with the provider's request id kept as the reference.
import { parse as parseLossless } from 'lossless-json';
import { ProviderError, type ProviderErrorCode } from './errors';

export const DEFAULT_TIMEOUT_MS = 30_000;

/** JSON as a provider sent it, except that every number is its decimal text. */
export type Json = string | boolean | null | Json[] | { [key: string]: Json };

/** Parses JSON keeping numbers as their exact decimal text ("12.30" stays "12.30"). */
export function parseJsonExact(text: string): Json {
  return parseLossless(text, undefined, (value: string) => value) as Json;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON unless `form` is given. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Node's fetch dispatcher (e.g. an undici Agent carrying an mTLS client certificate). */
  dispatcher?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body parsed with parseJsonExact, or null when empty. */
  body: Json;
  text: string;
}

/**
 * Sends one request. Network failures and time-outs become ProviderError('network');
 * a body that is not JSON becomes ProviderError('invalid_response'). HTTP error statuses are
 * returned, not thrown: each client maps its own documented error bodies.
 */
export async function httpJson(req: HttpRequest, provider: string): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(req.json);
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, ...(body !== undefined ? { body } : {}), signal, ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}) } as RequestInit);
  } catch (e) {
    if (req.signal?.aborted) throw e;
    const timedOut = timeout.aborted;
    throw new ProviderError('network', `${provider}: ${timedOut ? 'no answer in time' : 'could not be reached'} (${(e as Error).message})`, {
      description: timedOut ? `${provider} did not answer in time.` : `${provider} could not be reached.`,
      cause: e,
    });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new ProviderError('network', `${provider}: the answer was cut off (${(e as Error).message})`, {
      description: `The answer from ${provider} was cut off.`,
      cause: e,
    });
  }
  let parsed: Json = null;
  if (text.trim() !== '') {
    try {
      parsed = parseJsonExact(text);
    } catch (e) {
      throw new ProviderError('invalid_response', `${provider}: answer is not JSON (HTTP ${res.status}): ${(e as Error).message}`, {
        description: `${provider} sent an answer that could not be read (HTTP ${res.status}).`,
        cause: e,
        ...(res.headers.get('x-request-id') ? { requestId: res.headers.get('x-request-id')! } : {}),
      });
    }
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The ProviderError for an HTTP status that a client's documented errors did not cover. */
export function statusError(provider: string, status: number, message: string, requestId?: string): ProviderError {
  const code: ProviderErrorCode = status === 429 ? 'rate_limited' : status >= 500 ? 'institution_down' : status === 401 || status === 403 ? 'login_required' : 'other';
  return new ProviderError(code, `${provider}: HTTP ${status}: ${message}`, { description: message, providerCode: `HTTP_${status}`, ...(requestId ? { requestId } : {}) });
}

/** Reads a field of a JSON object as text (numbers are already text), or undefined. */
export function text(o: Json | undefined, key: string): string | undefined {
  if (o === null || o === undefined || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : undefined;
}

/** A JSON object's field as an object, or undefined. */
export function obj(o: Json | undefined, key: string): { [key: string]: Json } | undefined {
  if (o === null || o === undefined || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const v = o[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** A JSON object's field as an array, or undefined. */
export function arr(o: Json | undefined, key: string): Json[] | undefined {
  if (o === null || o === undefined || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const v = o[key];
  return Array.isArray(v) ? v : undefined;
}
