// Ponto Connect needs the app's mTLS client certificate on every call, which the global fetch
// cannot carry without undici: this is httpJson over node:https with an Agent holding the
// certificate. Same behaviour: a timeout on every call, numbers kept as exact decimal text,
// network failures and time-outs as ProviderError('network'), a non-JSON body as
// ProviderError('invalid_response'); HTTP error statuses are returned for the client to map.
import { request, type Agent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { ProviderError } from '../errors';
import { DEFAULT_TIMEOUT_MS, parseJsonExact, type HttpResponse, type Json } from '../http';

export interface HttpsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  agent: Agent;
  headers?: Record<string, string>;
  /** Sent as JSON unless `form` is given. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The request id header Ibanity answers with. */
export const REQUEST_ID_HEADER = 'ibanity-request-id';

function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
  }
  return out;
}

export async function httpsJson(req: HttpsRequest, provider: string): Promise<HttpResponse> {
  req.signal?.throwIfAborted();
  const headers: Record<string, string> = { accept: 'application/vnd.api+json, application/json', ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['content-type'] ??= 'application/vnd.api+json';
    body = JSON.stringify(req.json);
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const { status, resHeaders, text } = await new Promise<{ status: number; resHeaders: Headers; text: string }>((resolve, reject) => {
    let settled = false;
    let stage: 'connect' | 'body' = 'connect';
    let timedOut = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (req.signal?.aborted) return reject(req.signal.reason);
      const message = (e as Error)?.message ?? String(e);
      if (stage === 'body' && !timedOut) {
        return reject(new ProviderError('network', `${provider}: the answer was cut off (${message})`, {
          description: `The answer from ${provider} was cut off.`, cause: e,
        }));
      }
      reject(new ProviderError('network', `${provider}: ${timedOut ? 'no answer in time' : 'could not be reached'} (${message})`, {
        description: timedOut ? `${provider} did not answer in time.` : `${provider} could not be reached.`, cause: e,
      }));
    };
    const r = request(req.url, { method: req.method, headers, agent: req.agent }, (res) => {
      stage = 'body';
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('connection closed before the end of the answer')));
      res.on('end', () => {
        if (!res.complete) return fail(new Error('connection closed before the end of the answer'));
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, resHeaders: toHeaders(res.headers), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('close', () => {
        if (!settled && !res.complete) fail(new Error('connection closed before the end of the answer'));
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      r.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = (): void => {
      r.destroy(new Error('aborted'));
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', fail);
    if (body !== undefined) r.write(body);
    r.end();
  });

  let parsed: Json = null;
  if (text.trim() !== '') {
    try {
      parsed = parseJsonExact(text);
    } catch (e) {
      const requestId = resHeaders.get(REQUEST_ID_HEADER);
      throw new ProviderError('invalid_response', `${provider}: answer is not JSON (HTTP ${status}): ${(e as Error).message}`, {
        description: `${provider} sent an answer that could not be read (HTTP ${status}).`,
        cause: e,
        ...(requestId ? { requestId } : {}),
      });
    }
  }
  return { status, headers: resHeaders, body: parsed, text };
}
