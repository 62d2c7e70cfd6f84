// Enable Banking (Nordics, Europe): PSD2 account information through one API. Every call
// carries a JWT signed RS256 with the application's private key (kid = application id),
// cached until near its expiry. The consent is a "session": its id is the connection's
// providerRef (not a secret; nothing goes to the vault). Without the PSU headers (user not
// present) the bank's 4-requests-a-day limit applies.
import { createHash, createPrivateKey } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { SignJWT, importPKCS8 } from 'jose';
import { systemClock } from '../../common/clock';
import type { ProviderConfig } from '../config';
import { ProviderError } from '../errors';
import { arr, httpJson, obj, text, type HttpResponse, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderId,
  ProviderTransaction, TransactionPage,
} from '../types';
import { DISPLAY_NAME, enableBankingError, requestIdOf } from './errors';

export { enableBankingError } from './errors';

export const DEFAULT_BASE_URL = 'https://api.enablebanking.com';
/** Lifetime of our JWTs (Enable Banking accepts at most 24 h). */
export const JWT_TTL_SECONDS = 3600;
/** A cached JWT is renewed this long before it expires. */
const JWT_RENEW_MARGIN_MS = 5 * 60_000;
const DEFAULT_CONSENT_SECONDS = 90 * 86_400;
const MAX_CONSENT_SECONDS = 180 * 86_400;
/** Unattended requests a PSD2 bank allows per account per 24 h. */
export const UNATTENDED_PER_DAY = 4;
const DEFAULT_HISTORY_DAYS = 730;
/** What PSD2 banks always give: the window asked again when a bank refuses a longer one. */
export const FALLBACK_HISTORY_DAYS = 90;

export interface EnableBankingOptions {
  /** Keys `app_id`, `private_key`, `base_url` (env ENABLEBANKING_APP_ID, ENABLEBANKING_PRIVATE_KEY, ENABLEBANKING_BASE_URL). */
  config: ProviderConfig;
  timeoutMs?: number;
  /** Clock of the JWTs (iat / exp). */
  now?: () => Date;
  /** The user's IP address sent as Psu-Ip-Address when the user is present. */
  psuIpAddress?: () => string;
  psuUserAgent?: string;
  /** Countries listed by listInstitutions (default: every country Enable Banking serves). */
  countries?: string[];
}

interface Cursor {
  a: string;
  f: string;
  t: string;
  k: string;
}

function bad(detail: string, requestId?: string): ProviderError {
  return new ProviderError('invalid_response', `${DISPLAY_NAME}: ${detail}`, {
    description: `Enable Banking sent data that could not be read (${detail}). Nothing from it was saved.`,
    ...(requestId ? { requestId } : {}),
  });
}

function defaultIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  }
  return '127.0.0.1';
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** An IBAN or account number with only its country/check digits and last four shown. */
export function maskAccountNumber(n: string): string {
  const s = n.replace(/\s+/g, '');
  if (s.length <= 8) return s.length > 4 ? `****${s.slice(-4)}` : s;
  return `${s.slice(0, 4)} **** ${s.slice(-4)}`;
}

/** Splits `${country}:${name}`. */
export function parseInstitutionId(id: string): { country: string; name: string } {
  const i = id.indexOf(':');
  if (i !== 2) {
    throw new ProviderError('other', `Enable Banking institution id must be COUNTRY:NAME, not ${id}`, {
      description: `The bank "${id}" is not a known Enable Banking bank id. Choose the bank again from the list.`,
      providerCode: 'INVALID_INSTITUTION',
    });
  }
  return { country: id.slice(0, 2), name: id.slice(3) };
}

export class EnableBankingProvider implements Provider {
  readonly name = 'enablebanking' as const;
  readonly displayName = DISPLAY_NAME;
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number | undefined;
  private readonly clock: () => Date;
  private readonly psuIp: () => string;
  private readonly psuUserAgent: string;
  private readonly countries: string[] | undefined;
  private jwt: { token: string; expiresAt: number; appId: string } | null = null;
  /** Per session (providerRef): our account id (identification_hash) → the session's account uid. */
  private readonly uids = new Map<string, Map<string, string>>();

  constructor(opts: EnableBankingOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs;
    this.clock = opts.now ?? systemClock;
    this.psuIp = opts.psuIpAddress ?? defaultIp;
    this.psuUserAgent = opts.psuUserAgent ?? 'Ledgerlink (desktop)';
    this.countries = opts.countries;
  }

  // ---- transport ---------------------------------------------------------------------------

  private async token(): Promise<string> {
    const appId = await this.config.require('app_id');
    const now = this.clock().getTime();
    if (this.jwt && this.jwt.appId === appId && this.jwt.expiresAt - JWT_RENEW_MARGIN_MS > now) return this.jwt.token;
    const pem = (await this.config.require('private_key')).replace(/\\n/g, '\n');
    let key: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      // PKCS#1 ("BEGIN RSA PRIVATE KEY") keys are accepted too: converted to PKCS#8 first.
      const pkcs8 = createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }).toString();
      key = await importPKCS8(pkcs8, 'RS256');
    } catch (e) {
      throw new ProviderError('other', `Enable Banking private key cannot be read: ${(e as Error).message}`, {
        description: 'The Enable Banking private key in Settings (ENABLEBANKING_PRIVATE_KEY) is not a readable RSA private key in PEM form. This is a configuration problem.',
        providerCode: 'INVALID_PRIVATE_KEY',
        cause: e,
      });
    }
    const iat = Math.floor(now / 1000);
    const exp = iat + JWT_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: appId })
      .setIssuer('enablebanking.com')
      .setAudience('api.enablebanking.com')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
    this.jwt = { token, expiresAt: exp * 1000, appId };
    return token;
  }

  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    o: { query?: Record<string, string | undefined>; json?: unknown; ctx?: ConnectionContext; now?: Date; accountId?: string } = {},
  ): Promise<HttpResponse> {
    const base = ((await this.config.get('base_url')) || DEFAULT_BASE_URL).replace(/\/+$/, '');
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    if (o.ctx?.interactive) {
      headers['psu-ip-address'] = this.psuIp();
      headers['psu-user-agent'] = this.psuUserAgent;
    }
    const res = await httpJson({
      method, url: url.toString(), headers,
      ...(o.json !== undefined ? { json: o.json } : {}),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      ...(o.ctx?.signal ? { signal: o.ctx.signal } : {}),
    }, DISPLAY_NAME);
    if (res.status >= 200 && res.status < 300) return res;
    const err = enableBankingError(res, o.ctx?.now() ?? o.now ?? this.clock());
    if (err.code === 'rate_limited' && o.ctx) {
      o.ctx.reportQuota?.({
        ...(o.accountId ? { accountId: o.accountId } : {}),
        limit: UNATTENDED_PER_DAY, remaining: 0, ...(err.retryAt ? { resetAt: err.retryAt } : {}),
      });
    }
    throw err;
  }

  // ---- institutions and consent -----------------------------------------------------------

  private async aspsps(country?: string): Promise<Institution[]> {
    const res = await this.call('GET', '/aspsps', { query: { country, psu_type: 'business' } });
    const list = arr(res.body, 'aspsps');
    if (!list) throw bad('the bank list has no "aspsps"', requestIdOf(res));
    return list.map((a) => {
      const name = text(a, 'name');
      const ctry = text(a, 'country');
      if (!name || !ctry) throw bad('a bank without name or country', requestIdOf(res));
      const days = text(a, 'transaction_total_days');
      const bic = text(a, 'bic');
      const logo = text(a, 'logo');
      const inst: Institution = {
        id: `${ctry}:${name}`, name, country: ctry, beta: text(a, 'beta') === 'true',
        historyDays: days && /^\d+$/.test(days) ? Number.parseInt(days, 10) : DEFAULT_HISTORY_DAYS,
        automaticSync: true, unattendedPerDay: UNATTENDED_PER_DAY,
        ...(bic ? { bic } : {}), ...(logo ? { logo } : {}),
      };
      return inst;
    });
  }

  async listInstitutions(): Promise<Institution[]> {
    if (!this.countries) return this.aspsps();
    const all: Institution[] = [];
    for (const c of this.countries) all.push(...(await this.aspsps(c)));
    return all;
  }

  private async maxConsentSeconds(country: string, name: string): Promise<number> {
    const res = await this.call('GET', '/aspsps', { query: { country } });
    const found = (arr(res.body, 'aspsps') ?? []).find((a) => text(a, 'name') === name && text(a, 'country') === country);
    if (!found) {
      throw new ProviderError('other', `Enable Banking does not list ${name} (${country})`, {
        description: `Enable Banking does not list the bank ${name} (${country}) any more. Choose the bank again from the list.`,
        providerCode: 'ASPSP_NOT_FOUND', ...(requestIdOf(res) ? { requestId: requestIdOf(res)! } : {}),
      });
    }
    const max = text(found, 'maximum_consent_validity');
    const secs = max && /^\d+$/.test(max) ? Number.parseInt(max, 10) : DEFAULT_CONSENT_SECONDS;
    return Math.min(secs, MAX_CONSENT_SECONDS);
  }

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    const { country, name } = parseInstitutionId(req.institutionId);
    const now = this.clock();
    const secs = await this.maxConsentSeconds(country, name);
    const res = await this.call('POST', '/auth', {
      now,
      json: {
        access: { valid_until: new Date(now.getTime() + secs * 1000).toISOString() },
        aspsp: { name, country },
        state: req.state,
        redirect_url: req.redirectUri,
        psu_type: 'business',
      },
    });
    const url = text(res.body, 'url');
    if (!url) throw bad('the authorization answer has no url', requestIdOf(res));
    return { url };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const { params } = req;
    if (params['error'] !== undefined) {
      const why = params['error_description'] ?? params['error'];
      throw new ProviderError('user_action_required', `Enable Banking consent not given: ${why}`, {
        description: params['error'] === 'access_denied'
          ? 'The consent was cancelled at the bank, so nothing was connected. Start again when you want to connect.'
          : `The bank did not give the consent (${why}). Start the connection again.`,
        providerCode: params['error'].toUpperCase(),
      });
    }
    const code = params['code'];
    if (!code) {
      throw new ProviderError('other', 'Enable Banking redirect without code', {
        description: 'The bank sent you back without an authorization code. Start the connection again.', providerCode: 'MISSING_CODE',
      });
    }
    const res = await this.call('POST', '/sessions', { json: { code }, now: req.now });
    const sessionId = text(res.body, 'session_id');
    if (!sessionId) throw bad('the session answer has no session_id', requestIdOf(res));
    const validUntil = text(obj(res.body, 'access'), 'valid_until');
    const expires = validUntil && !Number.isNaN(Date.parse(validUntil)) ? new Date(Date.parse(validUntil)).toISOString() : undefined;
    return { providerRef: sessionId, ...(expires ? { consentExpiresAt: expires } : {}), secrets: {} };
  }

  // ---- accounts --------------------------------------------------------------------------------

  private async session(ctx: ConnectionContext): Promise<Json> {
    if (!ctx.providerRef) {
      throw new ProviderError('consent_expired', 'Enable Banking connection without a session', {
        description: 'This connection has no Enable Banking session. Use Reconnect.', providerCode: 'SESSION_DOES_NOT_EXIST',
      });
    }
    const res = await this.call('GET', `/sessions/${encodeURIComponent(ctx.providerRef)}`, { ctx });
    const status = text(res.body, 'status');
    if (status !== 'AUTHORIZED') {
      const rid = requestIdOf(res);
      throw new ProviderError('consent_expired', `Enable Banking session is ${status ?? 'unknown'}`, {
        description: status === 'REVOKED'
          ? 'The consent was withdrawn at the bank. Use Reconnect to give it again; your journals and history are kept.'
          : `The consent at the bank is no longer valid (session ${status ?? 'unknown'}). Use Reconnect to renew it; your journals and history are kept.`,
        providerCode: `SESSION_${status ?? 'UNKNOWN'}`, ...(rid ? { requestId: rid } : {}),
      });
    }
    return res.body;
  }

  /**
   * The session's accounts: our id is Enable Banking's identification_hash (the same account in
   * every session, so journals survive a Reconnect), the uid is what this session's calls take.
   */
  private async sessionAccounts(ctx: ConnectionContext): Promise<Map<string, string>> {
    const s = await this.session(ctx);
    const map = new Map<string, string>();
    const data = arr(s, 'accounts_data');
    if (data) {
      for (const a of data) {
        const uid = text(a, 'uid');
        if (uid) map.set(text(a, 'identification_hash') || uid, uid);
      }
    } else {
      for (const a of arr(s, 'accounts') ?? []) {
        const uid = typeof a === 'string' ? a : text(a, 'uid');
        if (uid) map.set(uid, uid);
      }
    }
    this.uids.set(ctx.providerRef, map);
    return map;
  }

  private async uidOf(ctx: ConnectionContext, accountId: string): Promise<string> {
    const known = this.uids.get(ctx.providerRef)?.get(accountId);
    if (known) return known;
    const uid = (await this.sessionAccounts(ctx)).get(accountId);
    if (uid) return uid;
    throw new ProviderError('other', `Enable Banking session ${ctx.providerRef} does not include account ${accountId}`, {
      description: 'This account is not part of the consent given at the bank. Use Fetch Accounts, or Reconnect and select it.',
      providerCode: 'ACCOUNT_NOT_IN_SESSION',
    });
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const accounts = await this.sessionAccounts(ctx);
    const out: ProviderAccount[] = [];
    for (const [id, uid] of accounts) {
      const path = `/accounts/${encodeURIComponent(uid)}`;
      const details = await this.call('GET', `${path}/details`, { ctx, accountId: id });
      const balances = await this.call('GET', `${path}/balances`, { ctx, accountId: id });
      const list = arr(balances.body, 'balances');
      if (!list) throw bad(`no balances for account ${uid}`, requestIdOf(balances));
      const picked = pickBalance(list);
      const amount = picked ? obj(picked, 'balance_amount') : undefined;
      const value = text(amount, 'amount');
      const currency = text(details.body, 'currency') ?? text(amount, 'currency');
      if (!currency) throw bad(`account ${uid} has no currency`, requestIdOf(details));
      if (value === undefined || !DECIMAL.test(value.trim())) throw bad(`account ${uid} has no readable balance`, requestIdOf(balances));
      const ident = obj(details.body, 'account_id');
      const number = text(ident, 'iban') ?? text(obj(ident, 'other'), 'identification');
      const at = text(picked, 'last_change_date_time') ?? text(picked, 'reference_date');
      out.push({
        id,
        name: text(details.body, 'name') ?? text(details.body, 'product') ?? text(details.body, 'details') ?? 'Account',
        currency,
        balance: value.trim(),
        ...(number ? { accountNumber: maskAccountNumber(number) } : {}),
        ...(at && !Number.isNaN(Date.parse(at)) ? { balanceAt: new Date(Date.parse(at)).toISOString() } : {}),
      });
    }
    return out;
  }

  // ---- transactions ------------------------------------------------------------------------------

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    let cur: { f: string; t: string; k: string | undefined };
    if (req.cursor !== null) {
      const c = decodeCursor(req.cursor);
      if (!c || c.a !== req.accountId) throw bad('the saved synchronization position is not valid for this account');
      cur = c;
    } else {
      cur = { f: req.since, t: req.until, k: undefined };
    }
    const uid = await this.uidOf(ctx, req.accountId);
    const ask = () => this.call('GET', `/accounts/${encodeURIComponent(uid)}/transactions`, {
      ctx, accountId: req.accountId, query: { date_from: cur.f, date_to: cur.t, continuation_key: cur.k },
    });
    let res: HttpResponse;
    try {
      res = await ask();
    } catch (e) {
      // A bank giving less history than asked ("as far back as possible"): ask its last 90 days.
      const shorter = addDays(cur.t, -(FALLBACK_HISTORY_DAYS - 1));
      if (!(e instanceof ProviderError) || e.providerCode !== 'WRONG_TRANSACTIONS_PERIOD' || cur.k !== undefined || cur.f >= shorter) throw e;
      cur = { ...cur, f: shorter };
      res = await ask();
    }
    const rid = requestIdOf(res);
    const list = arr(res.body, 'transactions');
    if (!list) throw bad('the transaction page has no "transactions" list', rid);
    const next = text(res.body, 'continuation_key');
    if (next !== undefined && next !== '' && next === cur.k) throw bad('the continuation key does not advance', rid);

    const posted: ProviderTransaction[] = [];
    const pending: ProviderTransaction[] = [];
    const seen = new Map<string, number>();
    for (const raw of list) {
      const status = text(raw, 'status') ?? 'BOOK';
      if (status !== 'BOOK' && status !== 'PDNG' && status !== 'HOLD') continue; // cancelled, rejected, scheduled, info
      const t = toTransaction(raw, seen, rid);
      (status === 'BOOK' ? posted : pending).push(t);
    }
    const hasMore = next !== undefined && next !== '';
    return {
      posted, pending, pendingIsSnapshot: true, hasMore,
      nextCursor: hasMore ? encodeCursor({ a: req.accountId, f: cur.f, t: cur.t, k: next }) : null,
    };
  }

  async revoke(ctx: ConnectionContext): Promise<void> {
    if (!ctx.providerRef) return;
    try {
      await this.call('DELETE', `/sessions/${encodeURIComponent(ctx.providerRef)}`, { ctx });
    } catch (e) {
      // Already ended at the bank: nothing left to revoke.
      if (e instanceof ProviderError && e.code === 'consent_expired') return;
      throw e;
    }
  }
}

const BALANCE_ORDER = ['CLBD', 'ITBD', 'ITAV', 'XPCD', 'CLAV', 'OPBD', 'PRCD', 'OTHR'];

/** The booked balance first (CLBD), then the other types in order of closeness to it. */
function pickBalance(list: Json[]): Json | undefined {
  for (const type of BALANCE_ORDER) {
    const b = list.find((x) => text(x, 'balance_type') === type);
    if (b) return b;
  }
  return list[0];
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function encodeCursor(c: Cursor): string {
  return JSON.stringify(c);
}

function decodeCursor(s: string): Cursor | null {
  try {
    const c = JSON.parse(s) as Partial<Cursor>;
    if (typeof c.a === 'string' && typeof c.f === 'string' && typeof c.t === 'string' && typeof c.k === 'string') return c as Cursor;
  } catch {
    /* fall through */
  }
  return null;
}

function unsigned(v: string | undefined, what: string, rid: string | undefined): { neg: boolean; abs: string } {
  if (v === undefined || !DECIMAL.test(v.trim())) throw bad(`${what} is not a decimal amount`, rid);
  const s = v.trim();
  return s.startsWith('-') ? { neg: true, abs: s.slice(1) } : { neg: false, abs: s };
}

/** One Enable Banking transaction in our shape: sign from credit_debit_indicator, every id kept. */
export function toTransaction(raw: Json, seen: Map<string, number>, rid: string | undefined): ProviderTransaction {
  const entryRef = text(raw, 'entry_reference') || undefined;
  const txId = text(raw, 'transaction_id') || undefined;
  const amountObj = obj(raw, 'transaction_amount');
  const currency = text(amountObj, 'currency');
  const indicator = text(raw, 'credit_debit_indicator');
  const { neg, abs } = unsigned(text(amountObj, 'amount'), `transaction ${entryRef ?? txId ?? '?'} amount`, rid);
  if (indicator !== undefined && indicator !== 'CRDT' && indicator !== 'DBIT') throw bad(`transaction ${entryRef ?? txId ?? '?'} has credit_debit_indicator ${indicator}`, rid);
  const debit = indicator === undefined ? neg : indicator === 'DBIT';
  const isZero = /^0*(\.0*)?$/.test(abs);
  const amount = debit && !isZero ? `-${abs}` : abs;

  const remittance = arr(raw, 'remittance_information');
  const remittanceText = (remittance ?? []).filter((x): x is string => typeof x === 'string').join(' ').trim()
    || text(raw, 'remittance_information') || '';
  const partyKey = debit ? 'creditor' : 'debtor';
  const partnerName = text(obj(raw, partyKey), 'name');
  const partyAccount = obj(raw, `${partyKey}_account`);
  const partnerAccount = text(partyAccount, 'iban') ?? text(obj(partyAccount, 'other'), 'identification');
  const date = text(raw, 'booking_date') ?? text(raw, 'value_date') ?? text(raw, 'transaction_date');

  // No id at all (some banks): a digest of what identifies the booking, numbered within the page.
  let id = entryRef ?? txId;
  if (id === undefined) {
    const digest = createHash('sha256').update(JSON.stringify([date, amount, currency, remittanceText, partnerName ?? ''])).digest('hex').slice(0, 24);
    const n = (seen.get(digest) ?? 0) + 1;
    seen.set(digest, n);
    id = `eb-${digest}-${n}`;
  }
  const otherIds: ProviderId[] = [];
  if (entryRef !== undefined && txId !== undefined && txId !== entryRef) otherIds.push({ kind: 'internal', id: txId });

  const t: ProviderTransaction = {
    id,
    amount,
    currency: currency ?? '',
    paymentRef: remittanceText || text(raw, 'note') || partnerName || '/',
    raw,
    ...(otherIds.length ? { otherIds } : {}),
    ...(date ? { date } : {}),
    ...(partnerName ? { partnerName } : {}),
    ...(partnerAccount ? { accountNumber: partnerAccount } : {}),
  };
  const fx = obj(raw, 'exchange_rate');
  const instructed = obj(fx, 'instructed_amount');
  const origCurrency = text(instructed, 'currency');
  const origAmount = text(instructed, 'amount');
  if (origCurrency && origAmount !== undefined && origCurrency !== currency) {
    const o = unsigned(origAmount, `transaction ${id} instructed amount`, rid);
    t.originalAmount = debit && !/^0*(\.0*)?$/.test(o.abs) ? `-${o.abs}` : o.abs;
    t.originalCurrency = origCurrency;
    const rate = text(fx, 'exchange_rate');
    if (rate && /^\d+(\.\d+)?$/.test(rate)) t.exchangeRate = rate;
  }
  return t;
}
