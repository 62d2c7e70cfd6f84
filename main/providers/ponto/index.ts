// Ponto Connect (Ibanity): European PSD2 accounts through a JSON:API with an mTLS client
// certificate on every call and OAuth2 authorization code + PKCE (S256) for the user's consent.
// Refresh tokens rotate on every use: the new one is stored before anything else is done with
// the answer. Transactions are read newest first and followed back (links.next) until the sync
// window's first day; pending ones are a separate list with no link to the posted ones (the
// engine matches them by amount and date). The connection's providerRef is Ponto's user id.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { systemClock } from '../../common/clock';
import type { ProviderConfig } from '../config';
import { ProviderError, type ProviderErrorCode } from '../errors';
import { arr, obj, text, type HttpResponse, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderId,
  ProviderTransaction, TransactionPage,
} from '../types';
import { REQUEST_ID_HEADER, httpsJson } from './https';

export const PONTO_DEFAULT_BASE_URL = 'https://api.ibanity.com/ponto-connect';
export const PONTO_DEFAULT_AUTH_URL = 'https://authorization.myponto.com/oauth2/auth';
export const PONTO_SANDBOX_AUTH_URL = 'https://sandbox-authorization.myponto.com/oauth2/auth';
export const PONTO_SCOPE = 'ai pi name offline_access';
export const REFRESH_TOKEN_SECRET = 'refresh_token';
export const ACCESS_TOKEN_SECRET = 'access_token';
export const ACCESS_TOKEN_EXPIRES_SECRET = 'access_token_expires_at';
/** An access token this close to its end is renewed first. */
const TOKEN_MARGIN_MS = 60_000;
const DAY_MS = 86_400_000;
/** Answers to a `page[after]` that no longer names a transaction of the account. */
const CURSOR_REFUSED = new Set(['invalidCursor', 'resourceNotFound', 'validationError', 'HTTP_400', 'HTTP_404']);

export interface PontoProviderOptions {
  /** Keys: client_id, client_secret, cert, key, ca (optional), base_url, auth_url. */
  config: ProviderConfig;
  /** Per-request time-out (default 30 s). */
  timeoutMs?: number;
  /** `page[limit]` of transaction lists (Ponto allows up to 100). */
  pageLimit?: number;
  /** Polling of a synchronization asked by requestRefresh. */
  syncPollMs?: number;
  syncPollAttempts?: number;
  /** Marks the client as a sandbox one (no real money). */
  sandbox?: boolean;
  /** The app's clock (a rate limit's "retry at" outside a connection is read on it). */
  now?: () => Date;
}

interface Cursor {
  v: 1;
  /** `page[after]`: the last transaction id read; older ones come next. */
  after: string;
  /**
   * The first day of the run that left this cursor. Pages come newest first, so the lines
   * already stored are the newest: a resumed run must go on down to its own first day, not to
   * the window the engine derives from those newest lines.
   */
  since: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (c.v === 1 && typeof c.after === 'string' && c.after !== '' && typeof c.since === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(c.since)) return c;
  } catch {
    /* fall through */
  }
  throw new ProviderError('other', `Ponto: invalid synchronization position ${s}`, {
    description: 'The synchronization position saved for this Ponto account is not valid. Synchronize again from the start.',
    providerCode: 'INVALID_CURSOR',
  });
}

/** PEM text given directly, or the path of a PEM file. */
function pem(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

function base64url(b: Buffer): string {
  return b.toString('base64url');
}

/** Retry-After as seconds or an HTTP date; or an instant in the error's meta. */
function retryAtOf(res: HttpResponse, meta: { [k: string]: Json } | undefined, now: Date): string | undefined {
  const h = res.headers.get('retry-after');
  if (h) {
    if (/^\d+$/.test(h.trim())) return new Date(now.getTime() + Number(h.trim()) * 1000).toISOString();
    const t = Date.parse(h);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  for (const k of ['retryAt', 'resetAt', 'nextSynchronizationAllowedAt']) {
    const v = text(meta, k);
    if (v && !Number.isNaN(Date.parse(v))) return new Date(Date.parse(v)).toISOString();
  }
  const s = text(meta, 'retryAfter');
  if (s && /^\d+$/.test(s)) return new Date(now.getTime() + Number(s) * 1000).toISOString();
  return undefined;
}

/** Maps a Ponto error answer (JSON:API `errors[]` or OAuth `error`) into the common taxonomy. */
export function pontoError(res: HttpResponse, now: Date, what: string): ProviderError {
  const requestId = res.headers.get(REQUEST_ID_HEADER) ?? undefined;
  const first = arr(res.body, 'errors')?.[0];
  const meta = obj(first, 'meta');
  const providerCode = text(first, 'code') ?? text(res.body, 'error') ?? `HTTP_${res.status}`;
  const detail = text(first, 'detail') ?? text(res.body, 'error_description') ?? text(res.body, 'error') ?? `HTTP ${res.status}`;
  let code: ProviderErrorCode;
  let description = detail;
  let retryAt: string | undefined;
  switch (providerCode) {
    case 'authorizationExpired':
    case 'accountAuthorizationExpired':
      code = 'consent_expired';
      description = `Your consent to share this account through Ponto has expired (${detail}). Use Reconnect to renew it.`;
      break;
    case 'invalidAccessToken':
    case 'invalid_grant':
    case 'invalid_token':
    case 'unauthorized':
      code = 'login_required';
      description = `Ponto no longer accepts this connection's authorization (${detail}). Sign in again with Update Credentials.`;
      break;
    case 'invalid_client':
    case 'unauthorized_client':
      code = 'other';
      description = `Ponto refused this app's client id or secret (${detail}). Check the Ponto settings.`;
      break;
    case 'tooManyRequests':
    case 'accountRecentlySynchronized':
      code = 'rate_limited';
      retryAt = retryAtOf(res, meta, now);
      description = providerCode === 'accountRecentlySynchronized'
        ? `Ponto synchronized this account a short while ago (${detail}): fetching what it already has.`
        : `Ponto received too many requests (${detail}).${retryAt ? ` Try again after ${retryAt}.` : ''}`;
      break;
    default:
      if (res.status === 429) {
        code = 'rate_limited';
        retryAt = retryAtOf(res, meta, now);
      } else if (res.status >= 500) {
        code = 'institution_down';
        description = `Ponto is not responding properly (HTTP ${res.status}: ${detail}). Nothing was lost; the next synchronization will carry on.`;
      } else if (res.status === 401) {
        code = 'login_required';
      } else {
        code = 'other';
      }
  }
  return new ProviderError(code, `Ponto: ${what}: HTTP ${res.status} ${providerCode}: ${detail}`, {
    description, providerCode, ...(requestId ? { requestId } : {}), ...(retryAt ? { retryAt } : {}),
  });
}

function invalid(what: string, res?: HttpResponse): ProviderError {
  const requestId = res?.headers.get(REQUEST_ID_HEADER) ?? undefined;
  return new ProviderError('invalid_response', `Ponto: ${what}`, {
    description: `Ponto sent an answer that could not be read (${what}). Nothing from it was saved.`,
    ...(requestId ? { requestId } : {}),
  });
}

/** YYYY-MM-DD of a Ponto date-time (the bank's calendar date, sent at midnight UTC). */
function calendarDate(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(v);
  return m ? m[1] : undefined;
}

interface PendingConsent {
  verifier: string;
  redirectUri: string;
  institutionId: string;
  createdAt: number;
}

interface PendingReauthorization {
  ctx: ConnectionContext;
  institutionId: string;
  createdAt: number;
}

export class PontoProvider implements Provider {
  readonly name = 'ponto' as const;
  readonly displayName = 'Ponto';
  readonly sandbox: boolean;
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number | undefined;
  private readonly pageLimit: number;
  private readonly syncPollMs: number;
  private readonly syncPollAttempts: number;
  private readonly clock: () => Date;
  private agentPromise: Promise<Agent> | undefined;
  /** PKCE verifiers between startConsent and completeConsent, by state. */
  private readonly consents = new Map<string, PendingConsent>();
  /** Reconnects through a reauthorization request, by state. */
  private readonly reauthorizations = new Map<string, PendingReauthorization>();
  /** One token renewal at a time per connection: a refresh token works only once. */
  private readonly renewals = new Map<number, Promise<string>>();

  constructor(opts: PontoProviderOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs;
    this.pageLimit = opts.pageLimit ?? 100;
    this.syncPollMs = opts.syncPollMs ?? 2_000;
    this.syncPollAttempts = opts.syncPollAttempts ?? 15;
    this.sandbox = opts.sandbox ?? false;
    this.clock = opts.now ?? systemClock;
  }

  // ---------------------------------------------------------------- plumbing

  private agent(): Promise<Agent> {
    this.agentPromise ??= (async () => {
      const cert = pem(await this.config.require('cert'));
      const key = pem(await this.config.require('key'));
      const ca = await this.config.get('ca');
      return new Agent({ cert, key, ...(ca ? { ca: pem(ca) } : {}), keepAlive: false });
    })();
    this.agentPromise.catch(() => { this.agentPromise = undefined; });
    return this.agentPromise;
  }

  private async baseUrl(): Promise<string> {
    return ((await this.config.get('base_url')) ?? PONTO_DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  private async url(pathOrUrl: string): Promise<string> {
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    return `${await this.baseUrl()}${pathOrUrl}`;
  }

  private async send(o: { method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; json?: unknown; form?: Record<string, string>; signal?: AbortSignal }): Promise<HttpResponse> {
    return httpsJson({
      ...o,
      agent: await this.agent(),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
    }, 'Ponto');
  }

  private async basicAuth(): Promise<string> {
    const id = await this.config.require('client_id');
    const secret = await this.config.require('client_secret');
    return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  }

  /** POST /oauth2/token; returns the tokens, or throws the mapped error. */
  private async token(form: Record<string, string>, now: Date, signal?: AbortSignal): Promise<{ access: string; refresh: string; expiresAt: string }> {
    const res = await this.send({
      method: 'POST', url: await this.url('/oauth2/token'), headers: { authorization: await this.basicAuth(), accept: 'application/json' }, form,
      ...(signal ? { signal } : {}),
    });
    if (res.status !== 200) throw pontoError(res, now, 'token request');
    const access = text(res.body, 'access_token');
    const refresh = text(res.body, 'refresh_token');
    const expiresIn = text(res.body, 'expires_in');
    if (!access || !refresh) throw invalid('the token answer has no access or refresh token', res);
    const seconds = expiresIn && /^\d+$/.test(expiresIn) ? Number(expiresIn) : 1800;
    return { access, refresh, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString() };
  }

  /** Renews the access token with the refresh token; the new refresh token is stored first. */
  private renew(ctx: ConnectionContext): Promise<string> {
    const running = this.renewals.get(ctx.connectionId);
    if (running) return running;
    const p = (async () => {
      const refresh = await ctx.getSecret(REFRESH_TOKEN_SECRET);
      if (!refresh) {
        throw new ProviderError('login_required', 'Ponto: no refresh token for this connection', {
          description: 'This Ponto connection has no saved authorization. Sign in again with Update Credentials.',
          providerCode: 'NO_REFRESH_TOKEN',
        });
      }
      const t = await this.token({ grant_type: 'refresh_token', refresh_token: refresh }, ctx.now(), ctx.signal);
      // The old refresh token is dead from now on: keep the new one before anything else.
      await ctx.setSecret(REFRESH_TOKEN_SECRET, t.refresh);
      await ctx.setSecret(ACCESS_TOKEN_SECRET, t.access);
      await ctx.setSecret(ACCESS_TOKEN_EXPIRES_SECRET, t.expiresAt);
      return t.access;
    })();
    this.renewals.set(ctx.connectionId, p);
    const clear = (): void => { if (this.renewals.get(ctx.connectionId) === p) this.renewals.delete(ctx.connectionId); };
    p.then(clear, clear);
    return p;
  }

  private async accessToken(ctx: ConnectionContext): Promise<string> {
    const token = await ctx.getSecret(ACCESS_TOKEN_SECRET);
    const expires = await ctx.getSecret(ACCESS_TOKEN_EXPIRES_SECRET);
    if (token && expires && Date.parse(expires) - TOKEN_MARGIN_MS > ctx.now().getTime()) return token;
    return this.renew(ctx);
  }

  /** An API call with the connection's access token; on an invalid token, one renewal then one retry. */
  private async api(ctx: ConnectionContext, method: 'GET' | 'POST' | 'DELETE', path: string, what: string, json?: unknown): Promise<HttpResponse> {
    ctx.signal?.throwIfAborted();
    const url = await this.url(path);
    let token = await this.accessToken(ctx);
    for (let attempt = 0; ; attempt++) {
      const res = await this.send({
        method, url, headers: { authorization: `Bearer ${token}` }, ...(json !== undefined ? { json } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      if (res.status === 401 && attempt === 0) {
        const code = text(arr(res.body, 'errors')?.[0], 'code');
        if (code === undefined || code === 'invalidAccessToken' || code === 'unauthorized') {
          token = await this.renew(ctx);
          continue;
        }
      }
      if (res.status >= 200 && res.status < 300) return res;
      throw pontoError(res, ctx.now(), what);
    }
  }

  // ---------------------------------------------------------------- institutions

  async listInstitutions(): Promise<Institution[]> {
    const out: Institution[] = [];
    let next: string | undefined = await this.url('/financial-institutions?page[limit]=100');
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next)) throw invalid('the institution list loops on itself');
      seen.add(next);
      const res = await this.send({ method: 'GET', url: next });
      if (res.status !== 200) throw pontoError(res, this.clock(), 'financial institutions');
      const data = arr(res.body, 'data');
      if (!data) throw invalid('the institution list has no data', res);
      for (const d of data) {
        const id = text(d, 'id');
        const a = obj(d, 'attributes');
        const name = text(a, 'name');
        if (!id || !name) throw invalid('an institution has no id or name', res);
        const status = text(a, 'status') ?? 'stable';
        const bic = text(a, 'bic');
        const logo = text(a, 'logoUrl');
        out.push({
          id, name, country: (text(a, 'country') ?? '').toUpperCase(), beta: status !== 'stable',
          historyDays: 365, automaticSync: true, unattendedPerDay: 4,
          ...(bic ? { bic } : {}), ...(logo ? { logo } : {}),
        });
      }
      const link = text(obj(res.body, 'links'), 'next');
      next = link ? await this.url(link) : undefined;
    }
    return out;
  }

  // ---------------------------------------------------------------- consent

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    if (req.state === '') throw new ProviderError('other', 'Ponto: no state', { description: 'The consent request has no state value to protect it.', providerCode: 'MISSING_STATE' });
    this.prune();
    // Reconnect while Ponto still accepts the connection: renew the bank's authorization only.
    if (req.mode === 'reconnect' && req.connection) {
      const url = await this.reauthorizationUrl(req).catch(() => undefined);
      if (url) return { url };
    }
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    this.consents.set(req.state, { verifier, redirectUri: req.redirectUri, institutionId: req.institutionId, createdAt: performance.now() });
    const auth = new URL((await this.config.get('auth_url')) ?? PONTO_DEFAULT_AUTH_URL);
    auth.searchParams.set('client_id', await this.config.require('client_id'));
    auth.searchParams.set('redirect_uri', req.redirectUri);
    auth.searchParams.set('response_type', 'code');
    auth.searchParams.set('scope', PONTO_SCOPE);
    auth.searchParams.set('state', req.state);
    auth.searchParams.set('code_challenge', challenge);
    auth.searchParams.set('code_challenge_method', 'S256');
    return { url: auth.toString() };
  }

  /** POST /accounts/{id}/reauthorization-requests for the connection's first account. */
  private async reauthorizationUrl(req: ConsentStart): Promise<string | undefined> {
    const ctx = req.connection!;
    const accounts = await this.listAccounts(ctx);
    const first = accounts[0];
    if (!first) return undefined;
    const back = new URL(req.redirectUri);
    back.searchParams.set('state', req.state);
    const res = await this.api(ctx, 'POST', `/accounts/${encodeURIComponent(first.id)}/reauthorization-requests`, 'reauthorization request', {
      data: { type: 'reauthorizationRequest', attributes: { redirectUri: back.toString() } },
    });
    const redirect = text(obj(obj(res.body, 'data'), 'links'), 'redirect');
    if (!redirect) throw invalid('the reauthorization request has no redirect link', res);
    this.reauthorizations.set(req.state, { ctx, institutionId: req.institutionId, createdAt: performance.now() });
    return redirect;
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const { params } = req;
    const state = params['state'] ?? '';
    if (params['error'] !== undefined) {
      this.consents.delete(state);
      this.reauthorizations.delete(state);
      const cancelled = params['error'] === 'access_denied';
      throw new ProviderError(cancelled ? 'user_action_required' : 'other', `Ponto: consent refused: ${params['error']}`, {
        description: cancelled
          ? 'The consent was cancelled at Ponto, so nothing was connected. Start again when you want to connect.'
          : `Ponto did not give the consent (${params['error_description'] ?? params['error']}).`,
        providerCode: params['error'],
      });
    }
    const reauth = this.reauthorizations.get(state);
    if (reauth && params['code'] === undefined) {
      this.reauthorizations.delete(state);
      // Same Ponto authorization, renewed at the bank: the tokens go on (renewed to hand them over).
      const access = await this.renew(reauth.ctx);
      const refresh = (await reauth.ctx.getSecret(REFRESH_TOKEN_SECRET))!;
      const expiresAt = (await reauth.ctx.getSecret(ACCESS_TOKEN_EXPIRES_SECRET))!;
      return this.finish({ access, refresh, expiresAt }, req.now, reauth.ctx.providerRef);
    }
    const pending = this.consents.get(state);
    if (!pending) {
      throw new ProviderError('other', 'Ponto: unknown consent state', {
        description: 'The consent answer does not belong to a consent started here (state unknown). Start the connection again.',
        providerCode: 'STATE_MISMATCH',
      });
    }
    this.consents.delete(state);
    const code = params['code'];
    if (!code) throw new ProviderError('other', 'Ponto: no authorization code', { description: 'Ponto sent no authorization code back. Start the connection again.', providerCode: 'MISSING_CODE' });
    const tokens = await this.token({ grant_type: 'authorization_code', code, code_verifier: pending.verifier, redirect_uri: pending.redirectUri }, req.now);
    return this.finish(tokens, req.now);
  }

  /** The user id (providerRef) and the consent's end, read with the new tokens. */
  private async finish(t: { access: string; refresh: string; expiresAt: string }, now: Date, knownRef?: string): Promise<ConsentResult> {
    const secrets: Record<string, string> = { [REFRESH_TOKEN_SECRET]: t.refresh, [ACCESS_TOKEN_SECRET]: t.access, [ACCESS_TOKEN_EXPIRES_SECRET]: t.expiresAt };
    const store = new Map(Object.entries(secrets));
    const ctx: ConnectionContext = {
      connectionId: -1, institutionId: '', providerRef: knownRef ?? '', interactive: true, now: () => now,
      getSecret: async (n) => store.get(n), setSecret: async (n, v) => { store.set(n, v); secrets[n] = v; },
    };
    let providerRef = knownRef;
    if (!providerRef) {
      const res = await this.api(ctx, 'GET', '/userinfo', 'user info');
      providerRef = text(res.body, 'sub');
      if (!providerRef) throw invalid('the user info has no sub', res);
    }
    const accounts = await this.rawAccounts(ctx);
    const ends = accounts.map((a) => a.expiresAt).filter((x): x is string => x !== undefined).sort();
    return { providerRef, secrets, ...(ends[0] ? { consentExpiresAt: ends[0] } : {}) };
  }

  // ---------------------------------------------------------------- accounts

  private async rawAccounts(ctx: ConnectionContext): Promise<(ProviderAccount & { expiresAt?: string })[]> {
    const out: (ProviderAccount & { expiresAt?: string })[] = [];
    let path: string | undefined = '/accounts?page[limit]=100';
    const seen = new Set<string>();
    while (path) {
      if (seen.has(path)) throw invalid('the account list loops on itself');
      seen.add(path);
      const res = await this.api(ctx, 'GET', path, 'accounts');
      const data = arr(res.body, 'data');
      if (!data) throw invalid('the account list has no data', res);
      for (const d of data) {
        const id = text(d, 'id');
        const a = obj(d, 'attributes');
        const currency = text(a, 'currency');
        const balance = text(a, 'currentBalance');
        if (!id || !currency || balance === undefined) throw invalid(`account ${id ?? '?'} has no id, currency or current balance`, res);
        const iban = text(a, 'reference');
        const at = text(a, 'currentBalanceReferenceDate') ?? text(a, 'synchronizedAt');
        const exp = text(a, 'authorizationExpirationExpectedAt');
        out.push({
          id, name: text(a, 'description') || text(a, 'product') || iban || id, currency, balance,
          ...(iban ? { accountNumber: iban } : {}),
          ...(at && !Number.isNaN(Date.parse(at)) ? { balanceAt: new Date(Date.parse(at)).toISOString() } : {}),
          ...(exp && !Number.isNaN(Date.parse(exp)) ? { expiresAt: new Date(Date.parse(exp)).toISOString() } : {}),
        });
      }
      path = text(obj(res.body, 'links'), 'next');
    }
    return out;
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    return (await this.rawAccounts(ctx)).map(({ expiresAt: _e, ...a }) => a);
  }

  // ---------------------------------------------------------------- refresh

  /** Asks Ponto to synchronize each account's transactions with the bank, and waits for it. */
  async requestRefresh(ctx: ConnectionContext): Promise<void> {
    const accounts = await this.rawAccounts(ctx);
    // An account synchronized a moment ago does not stop the others from being refreshed.
    let refused: ProviderError | undefined;
    for (const acc of accounts) {
      let res: HttpResponse;
      try {
        res = await this.api(ctx, 'POST', '/synchronizations', 'synchronization', {
          data: { type: 'synchronization', attributes: { resourceType: 'account', resourceId: acc.id, subtype: 'accountTransactions' } },
        });
      } catch (e) {
        if (e instanceof ProviderError && e.providerCode === 'accountRecentlySynchronized') {
          refused ??= e;
          continue;
        }
        throw e;
      }
      const id = text(obj(res.body, 'data'), 'id');
      if (!id) throw invalid('the synchronization has no id', res);
      await this.waitForSync(ctx, id);
    }
    if (refused) throw refused;
  }

  private async waitForSync(ctx: ConnectionContext, id: string): Promise<void> {
    for (let i = 0; i < this.syncPollAttempts; i++) {
      const res = await this.api(ctx, 'GET', `/synchronizations/${encodeURIComponent(id)}`, 'synchronization status');
      const a = obj(obj(res.body, 'data'), 'attributes');
      const status = text(a, 'status');
      if (status === 'success') return;
      if (status === 'error') {
        const e = arr(a, 'errors')?.[0];
        const code = text(e, 'code') ?? 'synchronizationError';
        const detail = text(e, 'detail') ?? 'the bank could not be synchronized';
        const requestId = res.headers.get(REQUEST_ID_HEADER) ?? undefined;
        const mapped: ProviderErrorCode = code === 'authorizationExpired' || code === 'accountAuthorizationExpired' ? 'consent_expired'
          : code === 'authorizationInvalid' ? 'login_required' : 'institution_down';
        throw new ProviderError(mapped, `Ponto: synchronization ${id} failed: ${code}: ${detail}`, {
          description: mapped === 'consent_expired' ? `Your consent at the bank has expired (${detail}). Use Reconnect to renew it.` : `The bank could not be synchronized through Ponto (${detail}).`,
          providerCode: code, ...(requestId ? { requestId } : {}),
        });
      }
      if (status !== 'pending' && status !== 'running') throw invalid(`synchronization ${id} has an unknown status ${status ?? '(none)'}`, res);
      await new Promise((r) => setTimeout(r, this.syncPollMs));
    }
    throw new ProviderError('not_ready', `Ponto: synchronization ${id} still running`, {
      description: 'The bank is still sending its data to Ponto: fetching what it already has.', providerCode: 'synchronizationRunning',
    });
  }

  // ---------------------------------------------------------------- transactions

  private toTransaction(d: Json, currencyFallback: string | undefined, res: HttpResponse): ProviderTransaction & { day: string } {
    const id = text(d, 'id');
    const a = obj(d, 'attributes');
    if (!id || !a) throw invalid('a transaction has no id or attributes', res);
    const amount = text(a, 'amount');
    const currency = text(a, 'currency') ?? currencyFallback;
    const day = calendarDate(text(a, 'executionDate')) ?? calendarDate(text(a, 'valueDate'));
    if (amount === undefined || !/^-?\d+(\.\d+)?$/.test(amount)) throw invalid(`transaction ${id} has no readable amount`, res);
    if (!currency) throw invalid(`transaction ${id} has no currency`, res);
    if (!day) throw invalid(`transaction ${id} has no date`, res);
    const otherIds: ProviderId[] = [];
    const internal = text(a, 'internalReference');
    if (internal) otherIds.push({ kind: 'internal', id: internal });
    const remittance = text(a, 'remittanceInformation');
    const description = text(a, 'description');
    const partner = text(a, 'counterpartName');
    const counterpart = text(a, 'counterpartReference');
    return {
      id, day, date: day, amount, currency,
      paymentRef: remittance || description || partner || '',
      ...(partner ? { partnerName: partner } : {}),
      ...(counterpart ? { accountNumber: counterpart } : {}),
      ...(otherIds.length ? { otherIds } : {}),
      raw: d,
    };
  }

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const account = encodeURIComponent(req.accountId);
    const cursor = req.cursor === null ? null : decodeCursor(req.cursor);
    const since = cursor ? cursor.since : req.since;
    const q = new URLSearchParams({ 'page[limit]': String(this.pageLimit) });
    if (cursor) q.set('page[after]', cursor.after);
    let res: HttpResponse;
    try {
      res = await this.api(ctx, 'GET', `/accounts/${account}/transactions?${q.toString()}`, 'transactions');
    } catch (e) {
      // The transaction the cursor points at is gone (ids re-issued by the bank): read the list
      // again from its newest end down to the same first day; ids already stored are skipped.
      if (!cursor || !(e instanceof ProviderError) || e.code !== 'other' || !CURSOR_REFUSED.has(e.providerCode ?? '')) throw e;
      q.delete('page[after]');
      res = await this.api(ctx, 'GET', `/accounts/${account}/transactions?${q.toString()}`, 'transactions');
    }
    const data = arr(res.body, 'data');
    if (!data) throw invalid('the transaction list has no data', res);
    const all = data.map((d) => this.toTransaction(d, undefined, res));
    const posted = all.filter((t) => t.day >= since).map(({ day: _d, ...t }) => t);
    const last = data.length ? text(data[data.length - 1]!, 'id') : undefined;
    const oldest = all.length ? all[all.length - 1]!.day : undefined;
    const next = text(obj(res.body, 'links'), 'next');
    const hasMore = next !== undefined && last !== undefined && oldest !== undefined && oldest >= since;

    // The pending list is read whole with the first page: it is the complete picture of now.
    let pending: ProviderTransaction[] = [];
    if (cursor === null) pending = await this.pendingTransactions(ctx, account);

    return {
      posted, pending, ...(cursor === null ? { pendingIsSnapshot: true } : {}),
      hasMore, nextCursor: hasMore ? encodeCursor({ v: 1, after: last, since }) : null,
    };
  }

  private async pendingTransactions(ctx: ConnectionContext, account: string): Promise<ProviderTransaction[]> {
    const out: ProviderTransaction[] = [];
    let path: string | undefined = `/accounts/${account}/pending-transactions?page[limit]=${this.pageLimit}`;
    const seen = new Set<string>();
    while (path) {
      if (seen.has(path)) throw invalid('the pending transaction list loops on itself');
      seen.add(path);
      const res = await this.api(ctx, 'GET', path, 'pending transactions');
      const data = arr(res.body, 'data');
      if (!data) throw invalid('the pending transaction list has no data', res);
      for (const d of data) {
        const { day: _d, ...t } = this.toTransaction(d, undefined, res);
        out.push(t);
      }
      path = data.length ? text(obj(res.body, 'links'), 'next') : undefined;
    }
    return out;
  }

  // ---------------------------------------------------------------- revoke

  /** Revokes the refresh token at Ponto (POST /oauth2/revoke); an unknown token is revoked already. */
  async revoke(ctx: ConnectionContext): Promise<void> {
    const refresh = await ctx.getSecret(REFRESH_TOKEN_SECRET);
    if (!refresh) return;
    const res = await this.send({
      method: 'POST', url: await this.url('/oauth2/revoke'), headers: { authorization: await this.basicAuth(), accept: 'application/json' },
      form: { token: refresh }, ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (res.status !== 200 && res.status !== 204) throw pontoError(res, ctx.now(), 'revoke');
  }

  async close(): Promise<void> {
    const a = await this.agentPromise?.catch(() => undefined);
    a?.destroy();
    this.consents.clear();
    this.reauthorizations.clear();
  }

  private prune(): void {
    // Elapsed time in this process (monotonic), not a date: a simulated clock must not expire them.
    const limit = performance.now() - DAY_MS;
    for (const [k, v] of this.consents) if (v.createdAt < limit) this.consents.delete(k);
    for (const [k, v] of this.reauthorizations) if (v.createdAt < limit) this.reauthorizations.delete(k);
  }
}
