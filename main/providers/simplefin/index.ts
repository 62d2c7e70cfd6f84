// SimpleFIN Bridge (https://www.simplefin.org/protocol.html). No OAuth and no app keys: the
// user pastes a Setup Token (base64 of a claim URL) into a small local page; completeConsent
// POSTs to the claim URL once and gets the Access URL (`https://user:pass@host/simplefin`),
// the connection's only secret. Data comes from `GET {access}/accounts` with Basic auth,
// at most 90 days a request, so a synchronization walks its window in 90-day chunks.
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../common/clock';
import type { ProviderConfig } from '../config';
import { ProviderError, type ProviderErrorCode } from '../errors';
import { DEFAULT_TIMEOUT_MS, arr, obj, parseJsonExact, text, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderTransaction, TransactionPage,
} from '../types';
import { SetupTokenServer, decodeSetupToken, isLoopbackHost } from './consent-server';

export const SIMPLEFIN_INSTITUTION_ID = 'simplefin';
/** The Bridge serves at most this many days per request. */
export const CHUNK_SECONDS = 90 * 86_400;
const DAY = 86_400;

export interface SimpleFinOptions {
  config: ProviderConfig;
  /** Per-request time-out (ms). */
  timeoutMs?: number;
  now?: () => Date;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  requestId?: string;
}

/** The Access URL split into a credential-free base and its Basic authorization header. */
interface Access {
  base: string;
  authorization: string;
}

const DISPLAY = 'SimpleFIN Bridge';

function parseAccessUrl(value: string): Access | undefined {
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) return undefined;
  if (u.username === '' || u.password === '') return undefined;
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return { base: u.toString().replace(/\/+$/, ''), authorization: `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}` };
}

/** Unix seconds (as the JSON's decimal text) → ISO instant, or undefined when it is not one. */
function unixToIso(v: string | undefined): string | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  if (n <= 0) return undefined;
  return new Date(n * 1000).toISOString();
}

function dayStart(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);
}

interface Cursor {
  a: string;
  /** Next chunk start and the window end (unix seconds, end exclusive). */
  s: number;
  e: number;
}

function encodeCursor(c: Cursor): string {
  return `sfin1.${Buffer.from(JSON.stringify(c), 'utf8').toString('base64url')}`;
}

function decodeCursor(s: string): Cursor | undefined {
  if (!s.startsWith('sfin1.')) return undefined;
  try {
    const c = JSON.parse(Buffer.from(s.slice(6), 'base64url').toString('utf8')) as Cursor;
    if (typeof c.a !== 'string' || !Number.isInteger(c.s) || !Number.isInteger(c.e)) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

/** One message of `errors[]` / `errlist[]`, with the account it names when it names one. */
interface BridgeError {
  message: string;
  code?: string;
  accountId?: string;
}

function bridgeErrors(body: Json): BridgeError[] {
  const out: BridgeError[] = [];
  for (const e of arr(body, 'errors') ?? []) if (typeof e === 'string' && e.trim() !== '') out.push({ message: e.trim() });
  for (const e of arr(body, 'errlist') ?? []) {
    const message = text(e, 'msg') ?? text(e, 'message') ?? '';
    const code = text(e, 'code');
    if (message === '' && !code) continue;
    // The same problem often comes in both lists: keep it once.
    if (out.some((x) => x.message === message)) continue;
    out.push({ message: message || (code ?? ''), ...(code ? { code } : {}), ...(text(e, 'account_id') ? { accountId: text(e, 'account_id')! } : {}) });
  }
  return out;
}

/** What an error message of the Bridge asks for; null: nothing we act on (partial data). */
export function classifyBridgeError(e: BridgeError): ProviderErrorCode | null {
  const t = `${e.code ?? ''} ${e.message}`;
  if (/rate.?limit|too many requests|request limit|quota/i.test(t)) return 'rate_limited';
  if (/subscription|payment|billing/i.test(t)) return 'other';
  if (/credential|password|log ?in|sign ?in|authenticat|unauthori[sz]ed|\bauth\b/i.test(t)) return 'login_required';
  if (/attention|mfa|multi.?factor|two.?factor|2fa|verif|security (code|question)|one.?time|action (is )?required|reconnect/i.test(t)) return 'user_action_required';
  return null;
}

function nextUtcMidnight(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
}

function retryAtOf(headers: Headers, now: Date): string {
  const ra = headers.get('retry-after');
  if (ra !== null) {
    if (/^\d+$/.test(ra.trim())) return new Date(now.getTime() + Number(ra.trim()) * 1000).toISOString();
    const t = Date.parse(ra);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return nextUtcMidnight(now);
}

export class SimpleFinProvider implements Provider {
  readonly name = 'simplefin' as const;
  readonly displayName = DISPLAY;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly consent: SetupTokenServer;

  constructor(opts: SimpleFinOptions) {
    // No keys: everything the client needs comes from the user's Setup Token. The config is
    // kept for symmetry with the other providers (SIMPLEFIN_BASE_URL is not needed).
    void opts.config;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = opts.now ?? systemClock;
    this.consent = new SetupTokenServer(this.now);
  }

  async listInstitutions(): Promise<Institution[]> {
    return [{
      id: SIMPLEFIN_INSTITUTION_ID, name: DISPLAY, country: 'US', beta: false, historyDays: 90, automaticSync: true,
      // The Bridge refreshes from the banks about once a day.
      refreshesPerDay: 1,
    }];
  }

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    const url = await this.consent.createSession({ redirectUri: req.redirectUri, state: req.state });
    return { url };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const p = req.params;
    if (p.error) {
      throw new ProviderError('other', `SimpleFIN consent not given: ${p.error}`, {
        description: p.error_description ?? 'The connection was cancelled.', providerCode: p.error,
      });
    }
    const token = (p.setup_token ?? '').replace(/\s+/g, '');
    const claimUrl = decodeSetupToken(token);
    if (!claimUrl) {
      throw new ProviderError('other', 'SimpleFIN: the setup token is not valid', {
        description: 'This is not a SimpleFIN setup token. Make a new one on the SimpleFIN Bridge and paste it again.', providerCode: 'BAD_SETUP_TOKEN',
      });
    }
    const res = await this.send('POST', claimUrl.toString(), { 'content-length': '0' });
    if (res.status === 403) {
      throw new ProviderError('consent_expired', 'SimpleFIN: the setup token was refused (already claimed or not valid)', {
        description: 'The SimpleFIN Bridge refused this setup token: it was already used (a token works only once) or is not valid. Make a new setup token on the Bridge and paste it.',
        providerCode: 'HTTP_403', ...(res.requestId ? { requestId: res.requestId } : {}),
      });
    }
    if (res.status < 200 || res.status > 299) throw this.statusError(res);
    const access = parseAccessUrl(res.text);
    if (!access) {
      // Never echo the body: it may hold credentials.
      throw new ProviderError('invalid_response', 'SimpleFIN: the claim did not return a usable access URL', {
        description: 'The SimpleFIN Bridge did not answer the claim with an access URL. Make a new setup token and try again.',
        ...(res.requestId ? { requestId: res.requestId } : {}),
      });
    }
    return { providerRef: `sfin-${randomBytes(9).toString('hex')}`, secrets: { access_url: res.text.trim() } };
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const { body, errors, requestId } = await this.accounts(ctx, new URLSearchParams({ 'balances-only': '1' }));
    const list = arr(body, 'accounts') ?? [];
    const rate = errors.find((e) => classifyBridgeError(e) === 'rate_limited');
    if (rate) throw this.errorFromBridge(rate, 'rate_limited', ctx, requestId);
    if (list.length === 0 && errors.length > 0) {
      const e = errors[0]!;
      throw this.errorFromBridge(e, classifyBridgeError(e) ?? 'institution_down', ctx, requestId);
    }
    return list.map((a) => {
      const id = text(a, 'id');
      const balance = text(a, 'balance');
      if (!id || balance === undefined) {
        throw new ProviderError('invalid_response', 'SimpleFIN: an account without id or balance', {
          description: 'The SimpleFIN Bridge listed an account without its id or balance. Nothing was saved.', ...(requestId ? { requestId } : {}),
        });
      }
      const balanceAt = unixToIso(text(a, 'balance-date'));
      const org = text(obj(a, 'org'), 'name');
      const name = text(a, 'name') ?? id;
      return {
        id, name: org && !name.includes(org) ? `${name} (${org})` : name, currency: (text(a, 'currency') ?? '').trim(), balance,
        ...(balanceAt ? { balanceAt } : {}),
      };
    });
  }

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    let cur: Cursor;
    if (req.cursor !== null) {
      const c = decodeCursor(req.cursor);
      if (!c || c.a !== req.accountId) {
        throw new ProviderError('other', 'SimpleFIN: the saved position is not valid for this account', { providerCode: 'BAD_CURSOR' });
      }
      cur = c;
    } else {
      // A day of margin either side: the Bridge dates in instants, the journal in local days.
      const nowSec = Math.floor(ctx.now().getTime() / 1000);
      cur = { a: req.accountId, s: dayStart(req.since) - DAY, e: Math.max(dayStart(req.until) + 2 * DAY, nowSec + DAY) };
    }
    const chunkEnd = Math.min(cur.s + CHUNK_SECONDS, cur.e);
    const q = new URLSearchParams({ 'start-date': String(cur.s), 'end-date': String(chunkEnd), pending: '1', account: req.accountId });
    const { body, errors, requestId } = await this.accounts(ctx, q);

    const mine = errors.filter((e) => e.accountId === undefined || e.accountId === req.accountId);
    for (const e of mine) {
      const code = classifyBridgeError(e);
      if (code !== null) throw this.errorFromBridge(e, code, ctx, requestId);
    }
    const account = (arr(body, 'accounts') ?? []).find((a) => text(a, 'id') === req.accountId);
    if (!account) {
      if (mine.length > 0) throw this.errorFromBridge(mine[0]!, 'institution_down', ctx, requestId);
      throw new ProviderError('invalid_response', `SimpleFIN: account ${req.accountId} missing from the answer`, {
        description: 'The SimpleFIN Bridge answered without this account. Nothing was saved; use Fetch Accounts to check the connection.',
        ...(requestId ? { requestId } : {}),
      });
    }
    const currency = (text(account, 'currency') ?? '').trim();
    if (!/^[A-Z]{3}$/.test(currency)) {
      throw new ProviderError('invalid_response', `SimpleFIN: account ${req.accountId} has a currency that is not an ISO code`, {
        description: `The account ${text(account, 'name') ?? req.accountId} is kept in a custom currency (${currency.slice(0, 60) || 'none'}) that Ledgerlink cannot record.`,
        providerCode: 'CUSTOM_CURRENCY', ...(requestId ? { requestId } : {}),
      });
    }
    const posted: ProviderTransaction[] = [];
    const pending: ProviderTransaction[] = [];
    const txs = arr(account, 'transactions');
    if (txs === undefined && (account as { [k: string]: Json }).transactions !== undefined) {
      throw new ProviderError('invalid_response', 'SimpleFIN: transactions is not a list', { ...(requestId ? { requestId } : {}) });
    }
    for (const t of txs ?? []) {
      const id = text(t, 'id');
      const amount = text(t, 'amount');
      if (!id || amount === undefined) {
        throw new ProviderError('invalid_response', `SimpleFIN: a transaction of ${req.accountId} without id or amount`, {
          description: 'The SimpleFIN Bridge sent a transaction without its id or amount. Nothing from that answer was saved.',
          ...(requestId ? { requestId } : {}),
        });
      }
      const postedAt = unixToIso(text(t, 'posted'));
      const isPending = text(t, 'pending') === 'true' || postedAt === undefined;
      const description = text(t, 'description')?.trim();
      const payee = text(t, 'payee')?.trim();
      const memo = text(t, 'memo')?.trim();
      const datetime = isPending ? (unixToIso(text(t, 'transacted_at')) ?? ctx.now().toISOString()) : postedAt!;
      const tx: ProviderTransaction = {
        id, datetime, amount, currency,
        paymentRef: description || memo || payee || '/',
        ...(payee ? { partnerName: payee } : {}),
        raw: t,
      };
      (isPending ? pending : posted).push(tx);
    }
    const hasMore = chunkEnd < cur.e;
    return {
      posted, pending, hasMore,
      nextCursor: hasMore ? encodeCursor({ ...cur, s: chunkEnd }) : null,
      // Every chunk up to today is read in one synchronization: its pending list is complete.
      pendingIsSnapshot: true,
    };
  }

  async close(): Promise<void> {
    await this.consent.close();
  }

  /** GET {access}/accounts with the connection's credentials; HTTP failures are thrown mapped. */
  private async accounts(ctx: ConnectionContext, q: URLSearchParams): Promise<{ body: Json; errors: BridgeError[]; requestId?: string }> {
    const secret = await ctx.getSecret('access_url');
    const access = secret ? parseAccessUrl(secret) : undefined;
    if (!access) {
      throw new ProviderError('consent_expired', 'SimpleFIN: no usable access URL for this connection', {
        description: 'Ledgerlink has no SimpleFIN access for this connection. Use Reconnect and paste a new setup token.', providerCode: 'NO_ACCESS_URL',
      });
    }
    const res = await this.send('GET', `${access.base}/accounts?${q.toString()}`, { authorization: access.authorization }, ctx.signal);
    if (res.status < 200 || res.status > 299) throw this.statusError(res, ctx.now());
    let body: Json;
    try {
      body = parseJsonExact(res.text);
    } catch (e) {
      throw new ProviderError('invalid_response', `SimpleFIN: answer is not JSON (HTTP ${res.status}): ${(e as Error).message}`, {
        description: 'The SimpleFIN Bridge sent an answer that could not be read. Nothing from it was saved.', cause: e,
        ...(res.requestId ? { requestId: res.requestId } : {}),
      });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(body.accounts)) {
      throw new ProviderError('invalid_response', 'SimpleFIN: the answer has no accounts list', {
        description: 'The SimpleFIN Bridge sent an incomplete answer. Nothing from it was saved.', ...(res.requestId ? { requestId: res.requestId } : {}),
      });
    }
    return { body, errors: bridgeErrors(body), ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  private errorFromBridge(e: BridgeError, code: ProviderErrorCode, ctx: ConnectionContext, requestId?: string): ProviderError {
    const advice: Partial<Record<ProviderErrorCode, string>> = {
      login_required: ' Sign in to the SimpleFIN Bridge and fix the bank connection there.',
      user_action_required: ' Open the SimpleFIN Bridge and complete what the bank asks.',
    };
    return new ProviderError(code, `SimpleFIN: ${e.message}`, {
      description: `${e.message}${advice[code] ?? ''}`,
      providerCode: e.code ?? 'BRIDGE_ERROR',
      ...(requestId ? { requestId } : {}),
      ...(code === 'rate_limited' ? { retryAt: nextUtcMidnight(ctx.now()) } : {}),
    });
  }

  private statusError(res: Answer, now: Date = this.now()): ProviderError {
    const detail = res.text.trim().slice(0, 300);
    const init = { providerCode: `HTTP_${res.status}`, ...(res.requestId ? { requestId: res.requestId } : {}) };
    if (res.status === 401 || res.status === 403) {
      return new ProviderError('consent_expired', `SimpleFIN: HTTP ${res.status}: access refused`, {
        ...init, description: `The SimpleFIN Bridge refused the access (it was revoked or its credentials are wrong${detail ? `: ${detail}` : ''}). Use Reconnect and paste a new setup token.`,
      });
    }
    if (res.status === 402) {
      return new ProviderError('other', 'SimpleFIN: HTTP 402: subscription needed', {
        ...init, description: `The SimpleFIN Bridge needs an active subscription${detail ? ` (${detail})` : ''}. Renew it on the Bridge, then synchronize again.`,
      });
    }
    if (res.status === 429) {
      return new ProviderError('rate_limited', 'SimpleFIN: HTTP 429: too many requests', {
        ...init, retryAt: retryAtOf(res.headers, now), description: detail || 'The SimpleFIN Bridge received too many requests today.',
      });
    }
    if (res.status >= 500) {
      return new ProviderError('institution_down', `SimpleFIN: HTTP ${res.status}`, {
        ...init, description: `The SimpleFIN Bridge is not responding properly (HTTP ${res.status}).`,
      });
    }
    return new ProviderError('other', `SimpleFIN: HTTP ${res.status}`, { ...init, description: detail || `The SimpleFIN Bridge answered HTTP ${res.status}.` });
  }

  /**
   * One HTTP exchange. Like httpJson (same time-out and network mapping) but the body is kept
   * as text: the claim answers a bare URL and the Bridge's errors are plain text; JSON is
   * parsed afterwards with parseJsonExact, so amounts stay decimal text.
   */
  private async send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: { accept: 'application/json, text/plain', ...headers }, signal: s, ...(method === 'POST' ? { body: '' } : {}) });
    } catch (e) {
      if (signal?.aborted) throw e;
      const timedOut = timeout.aborted;
      // The message names no URL: a claim URL or access base must not reach a log.
      throw new ProviderError('network', `SimpleFIN: ${timedOut ? 'no answer in time' : 'could not be reached'}`, {
        description: timedOut ? 'The SimpleFIN Bridge did not answer in time.' : 'The SimpleFIN Bridge could not be reached.', cause: e,
      });
    }
    const requestId = res.headers.get('x-request-id') ?? undefined;
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      throw new ProviderError('network', 'SimpleFIN: the answer was cut off', {
        description: 'The answer from the SimpleFIN Bridge was cut off. Nothing from it was saved.', cause: e, ...(requestId ? { requestId } : {}),
      });
    }
    return { status: res.status, headers: res.headers, text: body, ...(requestId ? { requestId } : {}) };
  }
}
