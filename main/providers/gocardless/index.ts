// GoCardless Bank Account Data (ex-Nordigen): PSD2 account information through end-user
// agreements and requisitions.
//
// - App tokens (`POST /token/new/`, `POST /token/refresh/`) belong to the app's keys, not to a
//   connection: they are cached in memory only, never in SQLite or the vault.
// - A connection is one requisition: its id is the connection's providerRef; the accounts are
//   the requisition's `accounts[]`. No per-connection secret exists.
// - Transactions are one date-window call per account (no paging): `nextCursor` is always null
//   and the pending list is a complete snapshot.
// - Transaction ids: transactionId, internalTransactionId and entryReference may each be
//   missing. The first present is the main id, the others go to `otherIds`. With none at all a
//   stable id is derived from booking date, amount, currency and remittance text
//   (`gcl-derived-...`). KNOWN LIMIT: two identical id-less payments on the same day get the
//   same derived id and are counted as one.

import { createHash } from 'node:crypto';
import { systemClock } from '../../common/clock';
import { ProviderError, type ProviderErrorCode } from '../errors';
import type { ProviderConfig } from '../config';
import { arr, httpJson, obj, text, type HttpResponse, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderId,
  ProviderIdKind, ProviderTransaction, TransactionPage,
} from '../types';

export const GOCARDLESS_DEFAULT_BASE_URL = 'https://bankaccountdata.gocardless.com/api/v2';
export const DERIVED_ID_PREFIX = 'gcl-derived-';
/** PSD2 allows access for at most 180 days. */
export const MAX_ACCESS_DAYS = 180;
const DAY_MS = 86_400_000;
const NAME = 'GoCardless';

export interface GoCardlessOptions {
  /** Keys `secret_id`, `secret_key` and optionally `base_url` (env GOCARDLESS_SECRET_ID, ...). */
  config: ProviderConfig;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Days of access asked in the agreement (capped at 180 and at the institution's maximum). */
  accessValidForDays?: number;
  /** Language of the bank pages (ISO 639-1), default EN. */
  userLanguage?: string;
  /** Countries listed by listInstitutions (ISO 3166-1 alpha-2); default: every country. */
  countries?: string[];
  /** Clock for the token cache (default: the system clock). */
  now?: () => Date;
}

interface AppTokens {
  access: string;
  accessExpiresAt: number;
  refresh: string;
  refreshExpiresAt: number;
}

interface PendingConsent {
  requisitionId: string;
  agreementId: string;
  institutionId: string;
  accessValidForDays: number;
}

type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** The provider's request id, from whichever header carries it. */
function requestIdOf(res: HttpResponse): string | undefined {
  for (const h of ['x-request-id', 'request-id', 'x-correlation-id', 'x-amzn-requestid']) {
    const v = res.headers.get(h);
    if (v) return v;
  }
  return undefined;
}

/** `{summary, detail, status_code}`, or a field-keyed validation body `{field: {summary, detail}}`. */
function errorTexts(body: Json): { summary?: string; detail?: string } {
  if (!isObject(body)) return {};
  let summary = text(body, 'summary');
  let detail = text(body, 'detail');
  if (summary === undefined && detail === undefined) {
    for (const [k, v] of Object.entries(body)) {
      if (isObject(v) && (text(v, 'summary') || text(v, 'detail'))) {
        summary = `${k}: ${text(v, 'summary') ?? ''}`.trim();
        detail = text(v, 'detail');
        break;
      }
      if (Array.isArray(v) && typeof v[0] === 'string') {
        summary = `${k}: ${v[0]}`;
        break;
      }
    }
  }
  return { ...(summary !== undefined ? { summary } : {}), ...(detail !== undefined ? { detail } : {}) };
}

const EUA_EXPIRED = /(end user agreement|\bEUA\b).*(expired|revoked)|(expired|revoked).*(end user agreement|\bEUA\b)/i;
const INVALID_TOKEN = /token/i;

/**
 * Maps a GoCardless error answer into the common taxonomy. `where` says which call failed
 * (`token` for the app's own keys).
 */
export function gocardlessError(res: HttpResponse, now: Date, where: 'token' | 'api' = 'api'): ProviderError {
  const { summary, detail } = errorTexts(res.body);
  const requestId = requestIdOf(res);
  const message = [summary, detail].filter(Boolean).join(': ') || `HTTP ${res.status}`;
  const base = { providerCode: `HTTP_${res.status}`, ...(requestId ? { requestId } : {}) };
  const make = (code: ProviderErrorCode, description: string, extra: { retryAt?: string } = {}) =>
    new ProviderError(code, `${NAME}: HTTP ${res.status}: ${message}`, { ...base, ...extra, description });

  if (where === 'token' && (res.status === 401 || res.status === 403 || res.status === 400)) {
    return make('other', `${NAME} refused the app's keys (${message}). Check the GoCardless secret id and secret key in Settings (GOCARDLESS_SECRET_ID / GOCARDLESS_SECRET_KEY).`);
  }
  if (res.status === 429) {
    const retryAt = retryAtOf(res, detail ?? summary, now);
    return make('rate_limited', message, retryAt ? { retryAt } : {});
  }
  if ((res.status === 400 || res.status === 401 || res.status === 403) && EUA_EXPIRED.test(message)) {
    return make('consent_expired', message);
  }
  if (res.status === 401 && INVALID_TOKEN.test(message)) {
    return make('other', `${NAME} refused the app's access token (${message}). Check the GoCardless secret id and secret key in Settings.`);
  }
  if (res.status === 403 || res.status === 404) {
    // Access to the account withdrawn, or the requisition / account deleted: a new consent is needed.
    return make('consent_expired', message);
  }
  if (res.status === 409 && /process/i.test(message)) return make('not_ready', message);
  if (res.status >= 500) return make('institution_down', message);
  return make('other', message);
}

/** When a rate limit says to come back: "Please try again in N seconds", else the reset header. */
function retryAtOf(res: HttpResponse, detail: string | undefined, now: Date): string | undefined {
  const m = /try again in (\d+) seconds?/i.exec(detail ?? '');
  const seconds = m ? Number(m[1]) : headerInt(res.headers, 'RESET');
  return seconds === undefined ? undefined : new Date(now.getTime() + seconds * 1000).toISOString();
}

function headerInt(h: Headers, what: 'REMAINING' | 'RESET' | 'LIMIT'): number | undefined {
  const v = h.get(`HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_${what}`) ?? h.get(`X-RateLimit-Account-Success-${what.charAt(0)}${what.slice(1).toLowerCase()}`);
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

function maskIban(iban: string | undefined): string | undefined {
  if (!iban) return undefined;
  const compact = iban.replace(/\s+/g, '');
  if (compact.length <= 8) return compact;
  return `${compact.slice(0, 4)} **** ${compact.slice(-4)}`;
}

const SIGNED_DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function cleanAmount(a: string | undefined, what: string): string {
  if (a === undefined || !SIGNED_DECIMAL.test(a.trim())) {
    throw new ProviderError('invalid_response', `${NAME}: ${what} is not a decimal amount (${String(a)})`, {
      description: `${NAME} sent an amount that could not be read (${what}). Nothing from it was saved.`,
    });
  }
  const t = a.trim();
  return t.startsWith('+') ? t.slice(1) : t;
}

function negate(a: string): string {
  return a.startsWith('-') ? a.slice(1) : `-${a}`;
}

/** The remittance text of a GoCardless transaction. */
function remittanceOf(t: JsonObject): string {
  const u = text(t, 'remittanceInformationUnstructured');
  if (u) return u;
  const ua = arr(t, 'remittanceInformationUnstructuredArray')?.filter((x): x is string => typeof x === 'string');
  if (ua && ua.length) return ua.join(' ');
  const s = text(t, 'remittanceInformationStructured');
  if (s) return s;
  const sa = arr(t, 'remittanceInformationStructuredArray')?.filter((x): x is string => typeof x === 'string');
  if (sa && sa.length) return sa.join(' ');
  return text(t, 'additionalInformation') ?? '';
}

/** The stable id of a transaction that carries no id at all (see the known limit above). */
export function derivedId(o: { status: 'booked' | 'pending'; date: string; amount: string; currency: string; remittance: string }): string {
  const h = createHash('sha256').update([o.status, o.date, o.amount, o.currency, o.remittance].join('\u0000')).digest('hex');
  return `${DERIVED_ID_PREFIX}${h.slice(0, 32)}`;
}

/** One GoCardless transaction as a ProviderTransaction. */
export function mapTransaction(t: Json, status: 'booked' | 'pending', accountCurrency: string): ProviderTransaction {
  if (!isObject(t)) {
    throw new ProviderError('invalid_response', `${NAME}: a transaction is not an object`, { description: `${NAME} sent a transaction that could not be read.` });
  }
  const money = obj(t, 'transactionAmount');
  const amount = cleanAmount(text(money, 'amount'), 'transactionAmount.amount');
  const currency = text(money, 'currency') ?? accountCurrency;
  const date = text(t, 'bookingDate') ?? text(t, 'valueDate');
  const datetime = text(t, 'bookingDateTime') ?? text(t, 'valueDateTime');
  const remittance = remittanceOf(t);

  const candidates: [ProviderIdKind, string | undefined][] = [
    ['transaction', text(t, 'transactionId')],
    ['internal', text(t, 'internalTransactionId')],
    ['entry_reference', text(t, 'entryReference')],
  ];
  const present = candidates.filter((c): c is [ProviderIdKind, string] => typeof c[1] === 'string' && c[1].trim() !== '');
  let id: string;
  const otherIds: ProviderId[] = [];
  if (present.length > 0) {
    id = present[0]![1];
    for (const [kind, v] of present.slice(1)) if (v !== id && !otherIds.some((o) => o.id === v)) otherIds.push({ kind, id: v });
  } else {
    id = derivedId({ status, date: date ?? datetime ?? '', amount, currency, remittance });
  }

  const incoming = !amount.startsWith('-');
  const creditor = text(t, 'creditorName');
  const debtor = text(t, 'debtorName');
  const partnerName = (incoming ? debtor ?? creditor : creditor ?? debtor) ?? text(t, 'ultimateCreditor') ?? text(t, 'ultimateDebtor');
  const counterAccount = incoming ? obj(t, 'debtorAccount') ?? obj(t, 'creditorAccount') : obj(t, 'creditorAccount') ?? obj(t, 'debtorAccount');
  const accountNumber = text(counterAccount, 'iban') ?? text(counterAccount, 'bban');

  const out: ProviderTransaction = {
    id,
    amount,
    currency,
    paymentRef: remittance || partnerName || '',
    raw: t,
  };
  if (otherIds.length) out.otherIds = otherIds;
  if (date) out.date = date;
  else if (datetime) out.datetime = datetime;
  if (partnerName) out.partnerName = partnerName;
  if (accountNumber) out.accountNumber = accountNumber;

  // currencyExchange is an object, or an array of them on some banks.
  const fxField = t['currencyExchange'];
  const fx = Array.isArray(fxField) ? fxField.find(isObject) : isObject(fxField) ? fxField : undefined;
  if (fx) {
    const instructed = obj(fx, 'instructedAmount');
    const originalCurrency = text(instructed, 'currency') ?? text(fx, 'sourceCurrency');
    const instructedAmount = text(instructed, 'amount');
    if (originalCurrency && originalCurrency !== currency) {
      out.originalCurrency = originalCurrency;
      if (instructedAmount !== undefined) {
        const a = cleanAmount(instructedAmount, 'currencyExchange.instructedAmount.amount');
        // The instructed amount is often unsigned: give it the booked amount's direction.
        const unsigned = a.startsWith('-') ? a.slice(1) : a;
        out.originalAmount = incoming ? unsigned : negate(unsigned);
      }
      const rate = text(fx, 'exchangeRate');
      if (rate !== undefined && SIGNED_DECIMAL.test(rate.trim())) out.exchangeRate = rate.trim();
    }
  }
  return out;
}

const BALANCE_PREFERENCE = ['interimBooked', 'closingBooked', 'expected', 'openingBooked', 'interimAvailable', 'closingAvailable', 'forwardAvailable'];

export class GoCardlessProvider implements Provider {
  readonly name = 'gocardless' as const;
  readonly displayName = 'GoCardless Bank Account Data';
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number | undefined;
  private readonly accessDays: number;
  private readonly userLanguage: string;
  private readonly countries: string[] | undefined;
  private readonly clock: () => Date;
  private tokens: AppTokens | null = null;
  private tokenPromise: Promise<string> | null = null;
  /** Consents started and not yet completed, by reference (= our state). */
  private readonly pending = new Map<string, PendingConsent>();
  /** Account details (name, IBAN, currency) rarely change and each call costs a daily request. */
  private readonly details = new Map<string, { name?: string; iban?: string; currency?: string }>();

  constructor(opts: GoCardlessOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs;
    this.accessDays = Math.min(MAX_ACCESS_DAYS, Math.max(1, Math.floor(opts.accessValidForDays ?? MAX_ACCESS_DAYS)));
    this.userLanguage = opts.userLanguage ?? 'EN';
    this.countries = opts.countries;
    this.clock = opts.now ?? systemClock;
  }

  // ---- HTTP and app tokens ----

  private async baseUrl(): Promise<string> {
    return ((await this.config.get('base_url')) ?? GOCARDLESS_DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  private async send(method: 'GET' | 'POST' | 'DELETE', path: string, o: { json?: unknown; token?: string; signal?: AbortSignal } = {}): Promise<HttpResponse> {
    const url = `${await this.baseUrl()}${path}`;
    return httpJson({
      method, url,
      headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      ...(o.json !== undefined ? { json: o.json } : {}),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }, NAME);
  }

  private async accessToken(now: Date, force = false): Promise<string> {
    if (!force && this.tokens && this.tokens.accessExpiresAt - 60_000 > now.getTime()) return this.tokens.access;
    if (force && this.tokens) this.tokens.accessExpiresAt = 0;
    this.tokenPromise ??= this.obtainToken(now).finally(() => {
      this.tokenPromise = null;
    });
    return this.tokenPromise;
  }

  private async obtainToken(now: Date): Promise<string> {
    const t = this.tokens;
    if (t && t.refreshExpiresAt - 60_000 > now.getTime()) {
      const res = await this.send('POST', '/token/refresh/', { json: { refresh: t.refresh } });
      if (res.status === 200 && text(res.body, 'access')) {
        t.access = text(res.body, 'access')!;
        t.accessExpiresAt = now.getTime() + secondsOf(res.body, 'access_expires', 86_400) * 1000;
        return t.access;
      }
      if (res.status >= 500 || res.status === 429) throw gocardlessError(res, now);
      // The refresh token was refused: start over with the keys.
    }
    const secretId = await this.config.require('secret_id');
    const secretKey = await this.config.require('secret_key');
    const res = await this.send('POST', '/token/new/', { json: { secret_id: secretId, secret_key: secretKey } });
    if (res.status !== 200) {
      this.tokens = null;
      throw gocardlessError(res, now, res.status >= 500 || res.status === 429 ? 'api' : 'token');
    }
    const access = text(res.body, 'access');
    const refresh = text(res.body, 'refresh');
    if (!access || !refresh) {
      throw new ProviderError('invalid_response', `${NAME}: token answer without access/refresh`, { description: `${NAME} sent a token answer that could not be read.` });
    }
    this.tokens = {
      access, refresh,
      accessExpiresAt: now.getTime() + secondsOf(res.body, 'access_expires', 86_400) * 1000,
      refreshExpiresAt: now.getTime() + secondsOf(res.body, 'refresh_expires', 2_592_000) * 1000,
    };
    return access;
  }

  /**
   * An authorized API call; a 401 about the token (not about the agreement) renews the app
   * token once and retries. Non-2xx answers are thrown mapped.
   */
  private async api(method: 'GET' | 'POST' | 'DELETE', path: string, o: { json?: unknown; now?: Date; signal?: AbortSignal; quotaFor?: string; ctx?: ConnectionContext } = {}): Promise<HttpResponse> {
    const now = o.now ?? this.clock();
    let token = await this.accessToken(now);
    let res = await this.send(method, path, { ...o, token });
    if (res.status === 401 && !EUA_EXPIRED.test(JSON.stringify(res.body ?? ''))) {
      token = await this.accessToken(now, true);
      res = await this.send(method, path, { ...o, token });
    }
    if (o.quotaFor && o.ctx) this.reportQuota(o.ctx, o.quotaFor, res, now);
    if (res.status < 200 || res.status >= 300) throw gocardlessError(res, now);
    return res;
  }

  private reportQuota(ctx: ConnectionContext, accountId: string, res: HttpResponse, now: Date): void {
    if (!ctx.reportQuota) return;
    const remaining = headerInt(res.headers, 'REMAINING');
    const reset = headerInt(res.headers, 'RESET');
    const limit = headerInt(res.headers, 'LIMIT');
    if (remaining === undefined && reset === undefined && limit === undefined) return;
    ctx.reportQuota({
      accountId,
      ...(limit !== undefined ? { limit } : {}),
      ...(remaining !== undefined ? { remaining } : {}),
      ...(reset !== undefined ? { resetAt: new Date(now.getTime() + reset * 1000).toISOString() } : {}),
    });
  }

  // ---- Provider ----

  async listInstitutions(): Promise<Institution[]> {
    const countries = this.countries && this.countries.length ? this.countries : [undefined];
    const out: Institution[] = [];
    for (const country of countries) {
      const res = await this.api('GET', `/institutions/${country ? `?country=${encodeURIComponent(country)}` : ''}`);
      if (!Array.isArray(res.body)) throw invalid('the institution list is not a list');
      for (const i of res.body) {
        // An institution of several countries is listed once.
        if (!isObject(i) || !text(i, 'id') || out.some((x) => x.id === text(i, 'id'))) continue;
        out.push(institutionOf(i, country));
      }
    }
    return out;
  }

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    if (req.state === '') throw new ProviderError('other', `${NAME}: no state`, { description: 'The consent request has no state value to protect it.' });
    const now = this.clock();
    const inst = await this.api('GET', `/institutions/${encodeURIComponent(req.institutionId)}/`, { now });
    const historyDays = positiveInt(text(inst.body, 'transaction_total_days'), 90);
    const maxAccess = positiveInt(text(inst.body, 'max_access_valid_for_days'), MAX_ACCESS_DAYS);
    const accessValidForDays = Math.min(this.accessDays, maxAccess, MAX_ACCESS_DAYS);
    const agreement = await this.api('POST', '/agreements/enduser/', {
      now,
      json: {
        institution_id: req.institutionId,
        max_historical_days: historyDays,
        access_valid_for_days: accessValidForDays,
        access_scope: ['balances', 'details', 'transactions'],
      },
    });
    const agreementId = text(agreement.body, 'id');
    if (!agreementId) throw invalid('the agreement has no id');
    // The core's loopback listener checks `state`; GoCardless adds `ref` (= our reference) to it.
    const redirect = new URL(req.redirectUri);
    redirect.searchParams.set('state', req.state);
    const requisition = await this.api('POST', '/requisitions/', {
      now,
      json: {
        redirect: redirect.toString(),
        institution_id: req.institutionId,
        agreement: agreementId,
        reference: req.state,
        user_language: this.userLanguage,
      },
    });
    const requisitionId = text(requisition.body, 'id');
    const link = text(requisition.body, 'link');
    if (!requisitionId || !link) throw invalid('the requisition has no id or link');
    this.pending.set(req.state, { requisitionId, agreementId, institutionId: req.institutionId, accessValidForDays });
    return { url: link };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const ref = req.params['ref'];
    const state = req.params['state'];
    if (req.params['error']) {
      throw new ProviderError('user_action_required', `${NAME}: consent not given: ${req.params['error']}`, {
        providerCode: req.params['error'],
        description: `The bank did not give the consent (${req.params['details'] ?? req.params['error']}). Start the connection again.`,
      });
    }
    const started = ref === undefined ? undefined : this.pending.get(ref);
    if (!ref || !started || (state !== undefined && state !== ref)) {
      throw new ProviderError('other', `${NAME}: the redirect's reference is not the expected one`, {
        providerCode: 'REFERENCE_MISMATCH',
        description: 'The consent answer does not belong to this request (reference differs). Start the connection again.',
      });
    }
    if (started.institutionId !== req.institutionId) {
      throw new ProviderError('other', `${NAME}: consent given at ${started.institutionId}, not ${req.institutionId}`, {
        providerCode: 'INSTITUTION_MISMATCH', description: `This consent was given at ${started.institutionId}, not at ${req.institutionId}.`,
      });
    }
    const requisition = await this.api('GET', `/requisitions/${encodeURIComponent(started.requisitionId)}/`, { now: req.now });
    requisitionUsable(requisition, started.requisitionId);
    if (text(requisition.body, 'reference') !== undefined && text(requisition.body, 'reference') !== ref) {
      throw new ProviderError('other', `${NAME}: requisition reference differs`, { providerCode: 'REFERENCE_MISMATCH', description: 'The consent answer does not belong to this request. Start the connection again.' });
    }
    this.pending.delete(ref);
    let accepted = req.now;
    let days = started.accessValidForDays;
    try {
      const agreement = await this.api('GET', `/agreements/enduser/${encodeURIComponent(started.agreementId)}/`, { now: req.now });
      const at = text(agreement.body, 'accepted');
      if (at && !Number.isNaN(Date.parse(at))) accepted = new Date(at);
      days = positiveInt(text(agreement.body, 'access_valid_for_days'), days);
    } catch {
      // The agreement's own dates are a nicety: the consent is given.
    }
    return {
      providerRef: started.requisitionId,
      consentExpiresAt: new Date(accepted.getTime() + days * DAY_MS).toISOString(),
      secrets: {},
    };
  }

  private async requisitionAccounts(ctx: ConnectionContext): Promise<string[]> {
    const now = ctx.now();
    const res = await this.api('GET', `/requisitions/${encodeURIComponent(ctx.providerRef)}/`, { now, ...sig(ctx) });
    requisitionUsable(res, ctx.providerRef);
    return (arr(res.body, 'accounts') ?? []).filter((a): a is string => typeof a === 'string');
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const ids = await this.requisitionAccounts(ctx);
    const out: ProviderAccount[] = [];
    for (const id of ids) {
      const path = `/accounts/${encodeURIComponent(id)}`;
      let d = this.details.get(id);
      if (!d) {
        const res = await this.api('GET', `${path}/details/`, { now: ctx.now(), quotaFor: id, ctx, ...sig(ctx) });
        const a = obj(res.body, 'account') ?? (isObject(res.body) ? res.body : undefined);
        const name = text(a, 'name') ?? text(a, 'displayName') ?? text(a, 'product') ?? text(a, 'ownerName');
        const iban = text(a, 'iban') ?? text(a, 'bban') ?? text(a, 'maskedPan');
        const currency = text(a, 'currency');
        d = { ...(name ? { name } : {}), ...(iban ? { iban } : {}), ...(currency ? { currency } : {}) };
        this.details.set(id, d);
      }
      const bal = await this.api('GET', `${path}/balances/`, { now: ctx.now(), quotaFor: id, ctx, ...sig(ctx) });
      const balances = (arr(bal.body, 'balances') ?? []).filter(isObject);
      const chosen = [...balances].sort((x, y) => rank(text(x, 'balanceType')) - rank(text(y, 'balanceType')))[0];
      if (!chosen) throw invalid(`no balance for account ${id}`);
      const amount = cleanAmount(text(obj(chosen, 'balanceAmount'), 'amount'), 'balanceAmount.amount');
      const currency = d.currency ?? text(obj(chosen, 'balanceAmount'), 'currency');
      if (!currency) throw invalid(`no currency for account ${id}`);
      const at = text(chosen, 'lastChangeDateTime');
      const masked = maskIban(d.iban);
      out.push({
        id,
        name: d.name ?? (masked ? `Account ${masked}` : `Account ${id.slice(0, 8)}`),
        ...(masked ? { accountNumber: masked } : {}),
        currency,
        balance: amount,
        ...(at && !Number.isNaN(Date.parse(at)) ? { balanceAt: new Date(at).toISOString() } : {}),
      });
    }
    return out;
  }

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const q = new URLSearchParams({ date_from: req.since, date_to: req.until });
    const res = await this.api('GET', `/accounts/${encodeURIComponent(req.accountId)}/transactions/?${q}`, {
      now: ctx.now(), quotaFor: req.accountId, ctx, ...sig(ctx),
    });
    const tx = obj(res.body, 'transactions');
    const booked = arr(tx, 'booked');
    if (!tx || !booked) throw invalid(`the transactions of account ${req.accountId} have no booked list`);
    const currency = this.details.get(req.accountId)?.currency ?? '';
    return {
      posted: booked.map((t) => mapTransaction(t, 'booked', currency)),
      pending: (arr(tx, 'pending') ?? []).map((t) => mapTransaction(t, 'pending', currency)),
      nextCursor: null,
      hasMore: false,
      pendingIsSnapshot: true,
    };
  }

  async revoke(ctx: ConnectionContext): Promise<void> {
    try {
      await this.api('DELETE', `/requisitions/${encodeURIComponent(ctx.providerRef)}/`, { now: ctx.now(), ...sig(ctx) });
    } catch (e) {
      // Already gone is what we wanted.
      if (e instanceof ProviderError && e.providerCode === 'HTTP_404') return;
      throw e;
    }
  }
}

function sig(ctx: ConnectionContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

function rank(type: string | undefined): number {
  const i = BALANCE_PREFERENCE.indexOf(type ?? '');
  return i < 0 ? BALANCE_PREFERENCE.length : i;
}

function invalid(what: string): ProviderError {
  return new ProviderError('invalid_response', `${NAME}: ${what}`, { description: `${NAME} sent an answer that could not be read (${what}). Nothing from it was saved.` });
}

function secondsOf(body: Json, key: string, fallback: number): number {
  const v = text(body, key);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
}

function positiveInt(v: string | undefined, fallback: number): number {
  return v !== undefined && /^\d+$/.test(v.trim()) && Number(v) > 0 ? Number(v) : fallback;
}

function institutionOf(i: JsonObject, country: string | undefined): Institution {
  const countries = (arr(i, 'countries') ?? []).filter((c): c is string => typeof c === 'string');
  const bic = text(i, 'bic');
  const logo = text(i, 'logo');
  return {
    id: text(i, 'id')!,
    name: text(i, 'name') ?? text(i, 'id')!,
    country: country ?? countries[0] ?? '',
    ...(bic ? { bic } : {}),
    beta: false,
    // transaction_total_days is a string in GoCardless's answers.
    historyDays: positiveInt(text(i, 'transaction_total_days'), 90),
    automaticSync: true,
    unattendedPerDay: 4,
    ...(logo ? { logo } : {}),
  };
}

/**
 * A requisition must be linked (LN) to give data. Expired, rejected or suspended ones need a
 * new consent; one still in progress needs the user to finish it.
 */
function requisitionUsable(res: HttpResponse, id: string): void {
  const status = text(res.body, 'status');
  if (status === 'LN') return;
  const words: Record<string, string> = {
    EX: 'has expired', RJ: 'was rejected', SU: 'was suspended after repeated errors at the bank',
  };
  if (status && words[status]) {
    throw new ProviderError('consent_expired', `${NAME}: requisition ${id} status ${status}`, {
      providerCode: `REQUISITION_${status}`,
      description: `Your consent to share this bank's data ${words[status]}. Reconnect to give it again.`,
      ...(requestIdOf(res) ? { requestId: requestIdOf(res)! } : {}),
    });
  }
  throw new ProviderError('user_action_required', `${NAME}: requisition ${id} status ${status ?? 'unknown'}`, {
    providerCode: `REQUISITION_${status ?? 'UNKNOWN'}`,
    description: 'The consent at the bank is not finished yet. Complete it on the bank\'s pages, then try again.',
    ...(requestIdOf(res) ? { requestId: requestIdOf(res)! } : {}),
  });
}
