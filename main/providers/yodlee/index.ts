// Yodlee (Envestnet) API 1.1 with client-credential authentication.
//
// - Keys: YODLEE_CLIENT_ID, YODLEE_SECRET, YODLEE_LOGIN_NAME (the admin login name, for the
//   provider list and user registration), YODLEE_BASE_URL (default the sandbox),
//   YODLEE_FASTLINK_URL (the FastLink 4 page). Every call carries `Api-Version: 1.1`.
// - Tokens: `POST /auth/token` (form clientId + secret, header loginName) → a bearer token of
//   about 30 minutes for that login name, cached per login name until a minute before it
//   lapses. A `Y008` (invalid or expired token) drops the cached token, gets a new one and
//   retries the call once.
// - A connection is one Yodlee user (login name `ledgerlink-<random>`, registered by us at the
//   first consent) and one provider account: providerRef = `${loginName}:${providerAccountId}`.
//   No secret is kept: the user token is derived from the app keys on each call.
// - Consent: FastLink 4. The real FastLink page is opened with the user token and reports its
//   result by postMessage / callback; for a desktop app we use its redirect variant: when the
//   user is done, the page sends the browser to our loopback `redirectUri` with the query
//   `?providerAccountId=<id>&status=SUCCESS|FAILED|ACTION_ABANDONED[&additionalStatus=...]&state=<our state>`.
//   (The simulator's FastLink page models exactly that shape.)
// - Transactions: a date window read with skip/top (top ≤ 500) until a page has fewer than
//   `top`; only POSTED ones reach the ledger, PENDING ones are a snapshot kept apart (Yodlee
//   gives a posted transaction a new id and no link to its pending one), SCHEDULED are ignored.
//   Amounts are unsigned: baseType DEBIT is money out. A credit card's or loan's balance is
//   what is owed, so it is inverted.
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../common/clock';
import { negateDecimal } from '../../ledger/money';
import type { ProviderConfig } from '../config';
import { ProviderError } from '../errors';
import { arr, httpJson, obj, text, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderTransaction, TransactionPage,
} from '../types';
import { apiError, datasetError } from './errors';

export const DEFAULT_BASE_URL = 'https://sandbox.api.yodlee.com/ysl';
export const DEFAULT_FASTLINK_URL = 'https://fl4.sandbox.yodlee.com/authenticate/restserver/fastlink';
export const MAX_TOP = 500;
/** Days of history Yodlee aggregates by default for a new provider account. */
export const DEFAULT_HISTORY_DAYS = 90;
const TOKEN_MARGIN_MS = 60_000;
const API_VERSION = '1.1';
const NAME = 'Yodlee';

export interface YodleeOptions {
  config: ProviderConfig;
  /** Time-out of each HTTP call (default 30 s). */
  timeoutMs?: number;
  /** `top` of the transaction pages (1..500, default 500). */
  pageSize?: number;
  /** Clock for the token cache and consent (default: the real one). */
  now?: () => Date;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

interface Cursor {
  from: string;
  to: string;
  skip: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UNSIGNED_RE = /^\d+(\.\d+)?$/;

function bad(detail: string, requestId?: string): ProviderError {
  return new ProviderError('invalid_response', `${NAME}: unreadable answer: ${detail}`, {
    description: `Yodlee sent data that could not be read (${detail}). Nothing from it was saved.`,
    ...(requestId ? { requestId } : {}),
  });
}

/** Splits a providerRef `${loginName}:${providerAccountId}`. */
export function parseRef(ref: string): { loginName: string; providerAccountId: string } {
  const i = ref.lastIndexOf(':');
  if (i <= 0 || i === ref.length - 1) {
    throw new ProviderError('other', `${NAME}: malformed connection reference "${ref}"`, {
      description: 'This Yodlee connection has no valid reference. Reconnect it.', providerCode: 'BAD_REF',
    });
  }
  return { loginName: ref.slice(0, i), providerAccountId: ref.slice(i + 1) };
}

function encodeCursor(c: Cursor): string {
  return JSON.stringify(c);
}

function decodeCursor(s: string): Cursor | null {
  try {
    const c = JSON.parse(s) as Partial<Cursor>;
    if (typeof c.from === 'string' && DATE_RE.test(c.from) && typeof c.to === 'string' && DATE_RE.test(c.to)
      && typeof c.skip === 'number' && Number.isSafeInteger(c.skip) && c.skip >= 0) return { from: c.from, to: c.to, skip: c.skip };
  } catch {
    // fall through
  }
  return null;
}

export class YodleeProvider implements Provider {
  readonly name = 'yodlee' as const;
  readonly displayName = 'Yodlee';
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number | undefined;
  private readonly top: number;
  private readonly clock: () => Date;
  private readonly tokens = new Map<string, CachedToken>();
  /** Consents under way: our state → the Yodlee user they are for. */
  private readonly flows = new Map<string, { loginName: string; institutionId: string }>();

  constructor(opts: YodleeOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs;
    this.top = opts.pageSize ?? MAX_TOP;
    if (!Number.isSafeInteger(this.top) || this.top < 1 || this.top > MAX_TOP) throw new RangeError(`pageSize must be 1..${MAX_TOP}, not ${this.top}`);
    this.clock = opts.now ?? systemClock;
  }

  // ---- HTTP ----------------------------------------------------------------------------

  private async baseUrl(): Promise<string> {
    return ((await this.config.get('base_url')) ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  private async token(loginName: string, now: Date, signal?: AbortSignal): Promise<string> {
    const cached = this.tokens.get(loginName);
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > now.getTime()) return cached.token;
    const clientId = await this.config.require('client_id');
    const secret = await this.config.require('secret');
    const res = await httpJson({
      method: 'POST', url: `${await this.baseUrl()}/auth/token`,
      headers: { 'Api-Version': API_VERSION, loginName },
      form: { clientId, secret },
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      ...(signal ? { signal } : {}),
    }, NAME);
    if (res.status < 200 || res.status >= 300) throw apiError(res.status, res.body, res.headers, now, 'token');
    const t = obj(res.body, 'token');
    const accessToken = text(t, 'accessToken');
    const expiresIn = text(t, 'expiresIn');
    if (!accessToken) throw bad('the token answer has no accessToken');
    const seconds = expiresIn !== undefined && /^\d+$/.test(expiresIn) ? Number(expiresIn) : 1800;
    this.tokens.set(loginName, { token: accessToken, expiresAt: now.getTime() + seconds * 1000 });
    return accessToken;
  }

  /** One API call as `loginName`, with one retry on Y008; returns the body of a 2xx answer. */
  private async call(
    loginName: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    o: { query?: Record<string, string>; json?: unknown; now?: Date; signal?: AbortSignal; during?: string } = {},
  ): Promise<{ body: Json; requestId?: string }> {
    const now = o.now ?? this.clock();
    const qs = o.query ? `?${new URLSearchParams(o.query).toString()}` : '';
    const url = `${await this.baseUrl()}${path}${qs}`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(loginName, now, o.signal);
      const res = await httpJson({
        method, url,
        headers: { 'Api-Version': API_VERSION, authorization: `Bearer ${token}` },
        ...(o.json !== undefined ? { json: o.json } : {}),
        ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      }, NAME);
      if (res.status >= 200 && res.status < 300) {
        const requestId = res.headers.get('x-request-id') ?? undefined;
        return { body: res.body, ...(requestId ? { requestId } : {}) };
      }
      if (attempt === 0 && res.status === 401 && text(res.body, 'errorCode') === 'Y008') {
        this.tokens.delete(loginName);
        continue;
      }
      throw apiError(res.status, res.body, res.headers, now, o.during);
    }
  }

  // ---- Institutions ----------------------------------------------------------------------

  async listInstitutions(): Promise<Institution[]> {
    const admin = await this.config.require('login_name');
    const out: Institution[] = [];
    for (let skip = 0; ; skip += MAX_TOP) {
      const { body } = await this.call(admin, 'GET', '/providers', { query: { skip: String(skip), top: String(MAX_TOP) }, during: 'providers' });
      const list = arr(body, 'provider') ?? [];
      for (const p of list) {
        const id = text(p, 'id');
        const name = text(p, 'name');
        if (!id || !name) throw bad('a provider without id or name');
        const status = text(p, 'status') ?? 'Supported';
        if (status === 'Unsupported') continue;
        const logo = text(p, 'logo') ?? text(p, 'favicon');
        out.push({
          id, name,
          country: (text(p, 'countryISOCode') ?? '').toUpperCase(),
          beta: status === 'Beta',
          historyDays: DEFAULT_HISTORY_DAYS,
          automaticSync: text(p, 'isAutoRefreshEnabled') !== 'false',
          mfa: /MFA/.test(text(p, 'authType') ?? ''),
          ...(logo ? { logo } : {}),
        });
      }
      if (list.length < MAX_TOP) break;
    }
    return out;
  }

  // ---- Consent ---------------------------------------------------------------------------

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    if (req.state === '') throw new ProviderError('other', `${NAME}: consent without state`, { description: 'The consent request has no state value to protect it.' });
    let loginName: string;
    let providerAccountId: string | undefined;
    if (req.mode === 'new') {
      loginName = `ledgerlink-${randomBytes(8).toString('hex')}`;
      const admin = await this.config.require('login_name');
      await this.call(admin, 'POST', '/user/register', { json: { user: { loginName, preferences: { currency: 'USD', locale: 'en_US' } } }, during: 'register user' });
    } else {
      if (!req.connection) {
        throw new ProviderError('other', `${NAME}: ${req.mode} without a connection`, { description: 'Give the Yodlee connection to reconnect or update.' });
      }
      ({ loginName, providerAccountId } = parseRef(req.connection.providerRef));
    }
    const userToken = await this.token(loginName, this.clock());
    const fastlink = (await this.config.get('fastlink_url')) ?? DEFAULT_FASTLINK_URL;
    const url = new URL(fastlink);
    url.searchParams.set('accessToken', `Bearer ${userToken}`);
    url.searchParams.set('redirect', req.redirectUri);
    url.searchParams.set('state', req.state);
    if (providerAccountId !== undefined) {
      url.searchParams.set('flow', req.mode === 'update' ? 'edit' : 'refresh');
      url.searchParams.set('providerAccountId', providerAccountId);
    } else {
      url.searchParams.set('flow', 'add');
      url.searchParams.set('providerId', req.institutionId);
    }
    this.flows.set(req.state, { loginName, institutionId: req.institutionId });
    return { url: url.toString() };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const p = req.params;
    const state = p['state'];
    const flow = state !== undefined ? this.flows.get(state) : undefined;
    if (!flow) {
      throw new ProviderError('other', `${NAME}: unknown consent state`, {
        description: 'This Yodlee consent answer does not belong to a consent started here. Start the connection again.', providerCode: 'STATE_MISMATCH',
      });
    }
    this.flows.delete(state!);
    const status = p['status'] ?? '';
    if (status !== 'SUCCESS' && status !== 'PARTIAL_SUCCESS') {
      if (status === 'ACTION_ABANDONED') {
        throw new ProviderError('user_action_required', `${NAME}: FastLink abandoned`, {
          description: 'The connection was cancelled in Yodlee FastLink, so nothing was connected.', providerCode: 'ACTION_ABANDONED',
        });
      }
      throw datasetError({ status: status || 'FAILED', ...(p['additionalStatus'] ? { additionalStatus: p['additionalStatus'] } : {}), ...(p['requestId'] ? { requestId: p['requestId'] } : {}) });
    }
    const providerAccountId = p['providerAccountId'];
    if (!providerAccountId || !/^\d+$/.test(providerAccountId)) throw bad('the FastLink answer has no providerAccountId');
    // The provider account must exist for this user (and not be in error).
    const { body } = await this.call(flow.loginName, 'GET', `/providerAccounts/${providerAccountId}`, { now: req.now, during: 'provider account' });
    const pa = (arr(body, 'providerAccount') ?? [])[0];
    const providerId = text(pa, 'providerId');
    if (providerId !== undefined && providerId !== req.institutionId) {
      throw new ProviderError('other', `${NAME}: provider account ${providerAccountId} is at provider ${providerId}, not ${req.institutionId}`, {
        description: `This consent was given at another institution (${providerId}), not at ${req.institutionId}.`, providerCode: 'INSTITUTION_MISMATCH',
      });
    }
    const consentExpiresAt = text(pa, 'consentExpiryDate');
    return {
      providerRef: `${flow.loginName}:${providerAccountId}`,
      secrets: {},
      ...(consentExpiresAt && !Number.isNaN(Date.parse(consentExpiresAt)) ? { consentExpiresAt: new Date(consentExpiresAt).toISOString() } : {}),
    };
  }

  // ---- Provider account ------------------------------------------------------------------

  /** The provider account's state; throws the mapped error when its data cannot be used. */
  private async providerAccount(ctx: ConnectionContext): Promise<{ status: string; updateEligibility?: string; refreshing: boolean }> {
    const { loginName, providerAccountId } = parseRef(ctx.providerRef);
    const { body } = await this.call(loginName, 'GET', `/providerAccounts/${providerAccountId}`, { now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}), during: 'provider account' });
    const pa = (arr(body, 'providerAccount') ?? [])[0];
    if (pa === undefined) throw bad('no providerAccount in the answer');
    const status = text(pa, 'status');
    if (!status) throw bad('a provider account without status');
    const requestId = text(pa, 'requestId');
    const dataset = arr(pa, 'dataset') ?? [];
    const updateEligibility = text(dataset[0], 'updateEligibility');
    const hasData = dataset.some((d) => text(d, 'lastUpdated') !== undefined);
    const failing = dataset.map((d) => ({ s: text(d, 'additionalStatus'), m: text(d, 'statusMessage') })).find((d) => d.s !== undefined && d.s !== 'AVAILABLE_DATA_RETRIEVED' && d.s !== 'PARTIAL_DATA_RETRIEVED' && d.s !== 'PARTIAL_DATA_RETRIEVED_REM_SCHED');
    switch (status) {
      case 'SUCCESS':
      case 'PARTIAL_SUCCESS':
        return { status, ...(updateEligibility ? { updateEligibility } : {}), refreshing: false };
      case 'LOGIN_IN_PROGRESS':
      case 'IN_PROGRESS':
        // A refresh under way still leaves the data of the last one readable.
        if (hasData) return { status, ...(updateEligibility ? { updateEligibility } : {}), refreshing: true };
        throw datasetError({ status, additionalStatus: failing?.s ?? 'IN_PROGRESS', ...(requestId ? { requestId } : {}) });
      default:
        // USER_INPUT_REQUIRED, FAILED and anything new.
        throw datasetError({ status, ...(failing?.s ? { additionalStatus: failing.s } : {}), ...(failing?.m ? { statusMessage: failing.m } : {}), ...(requestId ? { requestId } : {}) });
    }
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    await this.providerAccount(ctx);
    const { loginName, providerAccountId } = parseRef(ctx.providerRef);
    const { body } = await this.call(loginName, 'GET', '/accounts', { query: { providerAccountId }, now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}), during: 'accounts' });
    return (arr(body, 'account') ?? []).map((a) => {
      const id = text(a, 'id');
      if (!id) throw bad('an account without id');
      const container = text(a, 'CONTAINER') ?? 'bank';
      // A bank account's `balance` may be its available balance (pending holds deducted): the
      // booked one is `currentBalance`, which is what posted lines add up to.
      const bal = container === 'bank'
        ? obj(a, 'currentBalance') ?? obj(a, 'balance') ?? obj(a, 'availableBalance')
        : obj(a, 'balance') ?? obj(a, 'currentBalance');
      const amount = text(bal, 'amount');
      const currency = text(bal, 'currency');
      if (amount === undefined || !/^-?\d+(\.\d+)?$/.test(amount) || !currency) throw bad(`account ${id} has no readable balance`);
      // Credit cards and loans report what is owed: in the ledger that is money out.
      const owed = container === 'creditCard' || container === 'loan';
      const number = text(a, 'accountNumber');
      const at = text(a, 'lastUpdated');
      return {
        id,
        name: text(a, 'accountName') ?? text(a, 'nickname') ?? container,
        ...(number ? { accountNumber: number } : {}),
        currency,
        balance: owed ? negateDecimal(amount) : amount,
        ...(at && !Number.isNaN(Date.parse(at)) ? { balanceAt: new Date(at).toISOString() } : {}),
      };
    });
  }

  async requestRefresh(ctx: ConnectionContext): Promise<void> {
    const pa = await this.providerAccount(ctx);
    if (pa.refreshing) {
      throw new ProviderError('not_ready', `${NAME}: a refresh is already under way`, { description: 'Yodlee is already refreshing this connection.', providerCode: pa.status });
    }
    if (pa.updateEligibility === 'DISALLOW_UPDATE') {
      throw new ProviderError('not_ready', `${NAME}: refresh not allowed now (DISALLOW_UPDATE)`, {
        description: 'Yodlee does not allow a refresh of this connection right now.', providerCode: 'DISALLOW_UPDATE',
      });
    }
    const { loginName, providerAccountId } = parseRef(ctx.providerRef);
    try {
      await this.call(loginName, 'PUT', '/providerAccounts', { query: { providerAccountIds: providerAccountId }, now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}), during: 'refresh' });
    } catch (e) {
      // A refused refresh (too soon, already running...) still lets the sync read what Yodlee has.
      if (e instanceof ProviderError && e.code === 'other' && e.providerCode?.startsWith('Y8')) {
        throw new ProviderError('not_ready', e.message, { description: e.description, ...(e.providerCode ? { providerCode: e.providerCode } : {}), ...(e.requestId ? { requestId: e.requestId } : {}) });
      }
      throw e;
    }
  }

  // ---- Transactions ----------------------------------------------------------------------

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const { loginName } = parseRef(ctx.providerRef);
    let cursor: Cursor;
    if (req.cursor === null) {
      cursor = { from: req.since, to: req.until, skip: 0 };
    } else {
      const c = decodeCursor(req.cursor);
      if (!c) {
        throw new ProviderError('other', `${NAME}: invalid cursor`, { description: 'The saved Yodlee synchronization position is not valid. Synchronize again.', providerCode: 'BAD_CURSOR' });
      }
      cursor = c;
    }
    const { body, requestId } = await this.call(loginName, 'GET', '/transactions', {
      query: { accountId: req.accountId, fromDate: cursor.from, toDate: cursor.to, skip: String(cursor.skip), top: String(this.top) },
      now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}), during: 'transactions',
    });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('the transactions answer is not an object', requestId);
    // Yodlee answers `{}` when there is nothing in the window.
    const list = body['transaction'] === undefined ? [] : arr(body, 'transaction');
    if (list === undefined) throw bad('transaction is not a list', requestId);
    const posted: ProviderTransaction[] = [];
    const pending: ProviderTransaction[] = [];
    for (const t of list) {
      const status = text(t, 'status') ?? 'POSTED';
      if (status !== 'POSTED' && status !== 'PENDING') continue;
      const tx = toTransaction(t, requestId);
      if (text(t, 'accountId') !== undefined && text(t, 'accountId') !== req.accountId) throw bad(`transaction ${tx.id} belongs to another account`, requestId);
      (status === 'POSTED' ? posted : pending).push(tx);
    }
    const hasMore = list.length >= this.top;
    return {
      posted,
      pending,
      // Every page of the window together is the whole pending list of the account.
      pendingIsSnapshot: true,
      nextCursor: hasMore ? encodeCursor({ ...cursor, skip: cursor.skip + list.length }) : null,
      hasMore,
    };
  }

  // ---- Revoke ----------------------------------------------------------------------------

  async revoke(ctx: ConnectionContext): Promise<void> {
    const { loginName, providerAccountId } = parseRef(ctx.providerRef);
    try {
      await this.call(loginName, 'DELETE', `/providerAccounts/${providerAccountId}`, { now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}), during: 'delete provider account' });
    } catch (e) {
      // Already gone at Yodlee: nothing left to revoke.
      if (e instanceof ProviderError && e.providerCode === 'Y807') return;
      throw e;
    }
  }
}

/** One Yodlee transaction in our form: signed amount, booking date, every id and text. */
export function toTransaction(t: Json, requestId?: string): ProviderTransaction {
  const id = text(t, 'id');
  if (!id) throw bad('a transaction without id', requestId);
  const amt = obj(t, 'amount');
  const amount = text(amt, 'amount');
  const currency = text(amt, 'currency');
  if (amount === undefined || !UNSIGNED_RE.test(amount)) throw bad(`transaction ${id} has no unsigned amount`, requestId);
  if (!currency) throw bad(`transaction ${id} has no currency`, requestId);
  const baseType = text(t, 'baseType');
  if (baseType !== 'CREDIT' && baseType !== 'DEBIT') throw bad(`transaction ${id} has baseType ${baseType ?? 'none'}`, requestId);
  // `date` is the postDate where there is one, else the transaction date.
  const date = text(t, 'date') ?? text(t, 'postDate') ?? text(t, 'transactionDate');
  if (!date || !DATE_RE.test(date.slice(0, 10))) throw bad(`transaction ${id} has no date`, requestId);
  const desc = obj(t, 'description');
  const merchant = text(obj(t, 'merchant'), 'name');
  const paymentRef = text(desc, 'original') ?? text(desc, 'simple') ?? text(desc, 'consumer') ?? merchant ?? '';
  return {
    id,
    date: date.slice(0, 10),
    amount: baseType === 'DEBIT' ? negateDecimal(amount) : amount,
    currency,
    paymentRef,
    ...(merchant ? { partnerName: merchant } : {}),
    raw: t,
  };
}
