// Salt Edge, Account Information API v6. App keys (App-id, Secret, and the private key that
// signs every request when configured) come from the config; the connection's providerRef is
// `customerId:connectionId` (neither is secret, so no secret is kept in the vault).
//
// Transactions are paged by id (`from_id`, `meta.next_id`, ids ascending and new ones always
// higher): a synchronization reads the posted pages, then the pending list (a snapshot, paged
// the same way), and leaves as cursor the last posted id seen, so the next one starts there
// (inclusive: one line comes again and is skipped as a duplicate). Salt Edge gives pending
// transactions new ids when they post, with no link: the engine's pending matching handles it.
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { systemClock } from '../../common/clock';
import type { ProviderConfig } from '../config';
import { ProviderError } from '../errors';
import { arr, httpJson, obj, text, type HttpResponse, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderId,
  ProviderTransaction, TransactionPage,
} from '../types';
import { SALTEDGE, saltEdgeError } from './errors';

export { ERROR_CLASSES, saltEdgeError } from './errors';

export const SALTEDGE_DEFAULT_BASE_URL = 'https://www.saltedge.com/api/v6';
export const SCOPES = ['accounts', 'transactions'];
/** Seconds ahead a request signature stays valid (Salt Edge allows up to one hour). */
export const SIGNATURE_TTL_S = 15 * 60;
/** PSD2: unattended accesses per account per 24 h at regulated banks. */
export const PSD2_UNATTENDED_PER_DAY = 4;
const DAY_MS = 86_400_000;

export interface SaltEdgeProviderOptions {
  config: ProviderConfig;
  /** Per-request time-out (tests use a short one). */
  timeoutMs?: number;
  /** Clock for request signatures and consent dates outside a connection (default: real time). */
  clock?: () => Date;
  /** Countries listed by listInstitutions (default: all). */
  countries?: string[];
  /** Also list Salt Edge's test institutions (country XF); default from config `include_sandboxes`. */
  includeSandboxes?: boolean;
}

type Query = Record<string, string | undefined>;

interface Cursor {
  v: 1;
  account: string;
  phase: 'posted' | 'pending';
  /** The from_id of the next request in this phase. */
  from: string | null;
  /** Where the next synchronization's posted pages start (the last posted id seen). */
  resume: string | null;
}

export class SaltEdgeProvider implements Provider {
  readonly name = 'saltedge' as const;
  readonly displayName = 'Salt Edge';
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number | undefined;
  private readonly clock: () => Date;
  private readonly countries: string[] | undefined;
  private readonly includeSandboxes: boolean | undefined;
  private keyCache: { pem: string; key: KeyObject } | undefined;

  constructor(opts: SaltEdgeProviderOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs;
    this.clock = opts.clock ?? systemClock;
    this.countries = opts.countries;
    this.includeSandboxes = opts.includeSandboxes;
  }

  // ---------------------------------------------------------------- HTTP

  private async baseUrl(): Promise<string> {
    return ((await this.config.get('base_url')) ?? SALTEDGE_DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  private async privateKey(): Promise<KeyObject | undefined> {
    const raw = await this.config.get('private_key');
    if (raw === undefined || raw.trim() === '') return undefined;
    const pem = raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
    if (this.keyCache?.pem === pem) return this.keyCache.key;
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (e) {
      throw new ProviderError('other', `Salt Edge private key unreadable: ${(e as Error).message}`, {
        description: 'The Salt Edge private key in Settings could not be read. Paste the whole PEM private key (BEGIN PRIVATE KEY ... END PRIVATE KEY).',
        providerCode: 'INVALID_PRIVATE_KEY',
        cause: e,
      });
    }
    this.keyCache = { pem, key };
    return key;
  }

  /** One API call; an error answer becomes the mapped ProviderError. */
  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    o: { query?: Query; json?: unknown; now?: Date; signal?: AbortSignal; onError?: (res: HttpResponse) => Promise<ProviderError | undefined> } = {},
  ): Promise<HttpResponse> {
    const appId = await this.config.require('app_id');
    const secret = await this.config.require('secret');
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) qs.set(k, v);
    const q = qs.toString();
    const url = `${await this.baseUrl()}${path}${q ? `?${q}` : ''}`;
    const headers: Record<string, string> = { 'App-id': appId, Secret: secret };
    const body = o.json === undefined ? '' : JSON.stringify(o.json);
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    const key = await this.privateKey();
    if (key) {
      const expiresAt = String(Math.floor(this.clock().getTime() / 1000) + SIGNATURE_TTL_S);
      headers['Expires-at'] = expiresAt;
      headers['Signature'] = sign('sha256', Buffer.from(`${expiresAt}|${method}|${url}|${body}`, 'utf8'), key).toString('base64');
    }
    const res = await httpJson({
      method, url, headers,
      ...(o.json !== undefined ? { json: o.json } : {}),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }, SALTEDGE);
    if (res.status >= 200 && res.status < 300) {
      if (method !== 'DELETE' && (res.body === null || typeof res.body !== 'object' || Array.isArray(res.body) || !('data' in res.body))) {
        throw invalid(res, `${method} ${path} answered without data`);
      }
      return res;
    }
    throw (await o.onError?.(res)) ?? saltEdgeError(res, o.now ?? this.clock());
  }

  /** Every page of a listing that pages with from_id / meta.next_id. */
  private async listAll(path: string, query: Query, o: { now?: Date; signal?: AbortSignal } = {}): Promise<Json[]> {
    const out: Json[] = [];
    let from: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const res = await this.call('GET', path, { ...o, query: { ...query, from_id: from } });
      const data = arr(res.body, 'data');
      if (!data) throw invalid(res, `${path} answered without a data list`);
      out.push(...data);
      const next = text(obj(res.body, 'meta'), 'next_id');
      if (!next) return out;
      if (seen.has(next)) throw invalid(res, `${path} paging loops on next_id ${next}`);
      seen.add(next);
      from = next;
    }
  }

  // ---------------------------------------------------------------- institutions

  async listInstitutions(): Promise<Institution[]> {
    const sandboxes = this.includeSandboxes ?? ['true', '1', 'yes', 'on'].includes(((await this.config.get('include_sandboxes')) ?? '').toLowerCase());
    const countries = this.countries ?? [undefined];
    const out: Institution[] = [];
    for (const country of countries) {
      const rows = await this.listAll('/providers', { country_code: country, include_sandboxes: sandboxes ? 'true' : undefined });
      for (const p of rows) {
        const inst = toInstitution(p);
        if (inst) out.push(inst);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- consent

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    if (req.state === '') throw new ProviderError('other', 'Salt Edge consent without state', { description: 'The consent request has no state value to protect it.', providerCode: 'MISSING_STATE' });
    const now = req.connection?.now() ?? this.clock();
    const returnTo = new URL(req.redirectUri);
    returnTo.searchParams.set('state', req.state);
    const consent = { scopes: SCOPES, from_date: await this.fromDate(req.institutionId, now) };
    const attempt = { return_to: returnTo.toString(), fetch_scopes: SCOPES };
    let res: HttpResponse;
    if (req.mode === 'new') {
      const customerId = await this.createCustomer(now);
      res = await this.call('POST', '/connections/connect', {
        now,
        json: { data: { customer_id: customerId, consent, attempt, provider: { code: req.institutionId }, return_connection_id: true } },
      });
    } else {
      if (!req.connection) {
        throw new ProviderError('other', 'Salt Edge reconnect without a connection', { description: `To ${req.mode === 'reconnect' ? 'reconnect' : 'update'} a Salt Edge connection, give the connection concerned.`, providerCode: 'INVALID_RECONNECT' });
      }
      const { connectionId } = parseRef(req.connection.providerRef);
      res = await this.call('POST', `/connections/${encodeURIComponent(connectionId)}/reconnect`, {
        now,
        json: { data: { consent, attempt, return_connection_id: true } },
      });
    }
    const url = text(obj(res.body, 'data'), 'connect_url');
    if (!url) throw invalid(res, 'no connect_url');
    return { url };
  }

  /** Consent start: as far back as the institution gives (its max_fetch_interval, else 90 days). */
  private async fromDate(code: string, now: Date): Promise<string> {
    let days = 90;
    try {
      const res = await this.call('GET', `/providers/${encodeURIComponent(code)}`, { now });
      const d = Number.parseInt(text(obj(res.body, 'data'), 'max_fetch_interval') ?? '', 10);
      if (Number.isSafeInteger(d) && d > 0) days = d;
    } catch (e) {
      if (!(e instanceof ProviderError) || e.providerCode !== 'ProviderNotFound') throw e;
      throw new ProviderError('other', `Salt Edge: unknown institution ${code}`, { description: e.description, providerCode: 'ProviderNotFound', ...(e.requestId ? { requestId: e.requestId } : {}) });
    }
    return new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10);
  }

  private async createCustomer(now: Date): Promise<string> {
    const identifier = (await this.config.get('customer_identifier_prefix') ?? 'ledgerlink') + `-${randomUUID()}`;
    const res = await this.call('POST', '/customers', { now, json: { data: { identifier } } });
    const data = obj(res.body, 'data');
    const id = text(data, 'customer_id') ?? text(data, 'id');
    if (!id) throw invalid(res, 'customer without id');
    return id;
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const { params, now } = req;
    const errorClass = params['error_class'];
    if (errorClass) {
      const body = { error: { class: errorClass, message: params['error_message'] ?? `Salt Edge did not connect the bank (${errorClass}).` } };
      throw saltEdgeError({ status: 400, headers: new Headers(), body, text: JSON.stringify(body) }, now);
    }
    const connectionId = params['connection_id'];
    if (!connectionId) {
      throw new ProviderError('other', 'Salt Edge redirect without connection_id', { description: 'Salt Edge sent you back without a connection. Start the connection again.', providerCode: 'MISSING_CONNECTION_ID' });
    }
    const res = await this.call('GET', `/connections/${encodeURIComponent(connectionId)}`, { now });
    const conn = obj(res.body, 'data');
    const customerId = text(conn, 'customer_id');
    if (!customerId) throw invalid(res, 'connection without customer_id');
    const providerCode = text(conn, 'provider_code');
    if (providerCode && providerCode !== req.institutionId) {
      throw new ProviderError('other', `Salt Edge connection is at ${providerCode}, not ${req.institutionId}`, {
        description: `This consent was given at ${providerCode}, not at ${req.institutionId}. Start the connection again.`, providerCode: 'INSTITUTION_MISMATCH',
      });
    }
    const failClass = text(obj(conn, 'last_attempt'), 'fail_error_class');
    if (text(conn, 'status') !== 'active' && failClass) {
      const body = { error: { class: failClass, message: text(obj(conn, 'last_attempt'), 'fail_message') ?? failClass } };
      throw saltEdgeError({ status: 400, headers: res.headers, body, text: JSON.stringify(body) }, now);
    }
    const consents = await this.listAll('/consents', { connection_id: connectionId, customer_id: customerId }, { now });
    const lastConsent = text(conn, 'last_consent_id');
    const consent = consents.find((c) => text(c, 'id') === lastConsent) ?? consents.filter((c) => text(c, 'status') === 'active').at(-1);
    const expires = text(consent, 'expires_at');
    return {
      providerRef: `${customerId}:${connectionId}`,
      ...(expires && !Number.isNaN(Date.parse(expires)) ? { consentExpiresAt: new Date(Date.parse(expires)).toISOString() } : {}),
      secrets: {},
    };
  }

  // ---------------------------------------------------------------- data

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const { connectionId } = parseRef(ctx.providerRef);
    const rows = await this.listAll('/accounts', { connection_id: connectionId }, this.callOpts(ctx));
    return rows.map((a) => {
      const id = text(a, 'id');
      const currency = text(a, 'currency_code');
      const balance = text(a, 'balance');
      if (!id || !currency || balance === undefined) {
        throw new ProviderError('invalid_response', 'Salt Edge account without id, currency or balance', { description: 'Salt Edge sent an account that could not be read. Nothing was saved.' });
      }
      const extra = obj(a, 'extra');
      const number = text(extra, 'iban') ?? text(extra, 'account_number') ?? text(extra, 'masked_pan') ?? arr(extra, 'cards')?.find((c): c is string => typeof c === 'string');
      const at = text(a, 'updated_at');
      return {
        id, currency, balance,
        name: text(a, 'name') ?? text(extra, 'account_name') ?? id,
        ...(number ? { accountNumber: number } : {}),
        ...(at && !Number.isNaN(Date.parse(at)) ? { balanceAt: new Date(Date.parse(at)).toISOString() } : {}),
      };
    });
  }

  async requestRefresh(ctx: ConnectionContext): Promise<void> {
    const { connectionId } = parseRef(ctx.providerRef);
    const now = ctx.now();
    // The customer is present on an interactive run: Salt Edge then fetches in the foreground,
    // which PSD2 does not count against the bank's unattended (background) budget.
    const attempt: Record<string, unknown> = { fetch_scopes: SCOPES };
    if (ctx.interactive) attempt['customer_last_logged_at'] = now.toISOString();
    await this.call('POST', `/connections/${encodeURIComponent(connectionId)}/refresh`, {
      ...this.callOpts(ctx),
      json: { data: { attempt } },
      onError: async (res) => {
        const e = saltEdgeError(res, now);
        if (e.providerCode === 'ConnectionCannotBeRefreshed' && !e.retryAt) {
          const at = await this.nextRefreshPossibleAt(ctx, connectionId);
          if (at) return saltEdgeError(res, now, { retryAt: at });
        }
        return this.withQuota(ctx, e);
      },
    });
  }

  private async nextRefreshPossibleAt(ctx: ConnectionContext, connectionId: string): Promise<string | undefined> {
    try {
      const res = await this.call('GET', `/connections/${encodeURIComponent(connectionId)}`, this.callOpts(ctx));
      const at = text(obj(res.body, 'data'), 'next_refresh_possible_at');
      return at && !Number.isNaN(Date.parse(at)) ? new Date(Date.parse(at)).toISOString() : undefined;
    } catch {
      return undefined;
    }
  }

  /** An unattended run that met the bank's background limit reports the spent budget. */
  private withQuota(ctx: ConnectionContext, e: ProviderError): ProviderError {
    if (e.providerCode === 'BackgroundFetchLimitExceeded' && !ctx.interactive) {
      ctx.reportQuota?.({ remaining: 0, limit: PSD2_UNATTENDED_PER_DAY, ...(e.retryAt ? { resetAt: e.retryAt } : {}) });
    }
    return e;
  }

  private callOpts(ctx: ConnectionContext): { now: Date; signal?: AbortSignal } {
    return { now: ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  }

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const { connectionId } = parseRef(ctx.providerRef);
    const cursor = decodeCursor(req.cursor, req.accountId);
    const pending = cursor.phase === 'pending';
    const res = await this.call('GET', '/transactions', {
      ...this.callOpts(ctx),
      query: { connection_id: connectionId, account_id: req.accountId, from_id: cursor.from ?? undefined, pending: pending ? 'true' : undefined },
      onError: async (r) => this.withQuota(ctx, saltEdgeError(r, ctx.now())),
    });
    const data = arr(res.body, 'data');
    if (!data) throw invalid(res, 'transactions answered without a data list');
    const txs = data.map((t) => toTransaction(t, res));
    const next = text(obj(res.body, 'meta'), 'next_id') ?? null;
    if (next !== null && next === cursor.from) throw invalid(res, `transactions paging loops on next_id ${next}`);
    if (!pending) {
      const resume = txs.at(-1)?.id ?? cursor.from ?? cursor.resume;
      const posted = txs.filter((t) => statusOf(t) !== 'pending');
      return next !== null
        ? { posted, pending: [], nextCursor: encodeCursor({ ...cursor, from: next, resume }), hasMore: true }
        : { posted, pending: [], nextCursor: encodeCursor({ v: 1, account: req.accountId, phase: 'pending', from: null, resume }), hasMore: true };
    }
    const page = { posted: [], pending: txs, pendingIsSnapshot: true };
    return next !== null
      ? { ...page, nextCursor: encodeCursor({ ...cursor, from: next }), hasMore: true }
      : { ...page, nextCursor: encodeCursor({ v: 1, account: req.accountId, phase: 'posted', from: cursor.resume, resume: cursor.resume }), hasMore: false };
  }

  async revoke(ctx: ConnectionContext): Promise<void> {
    const { connectionId } = parseRef(ctx.providerRef);
    try {
      await this.call('DELETE', `/connections/${encodeURIComponent(connectionId)}`, this.callOpts(ctx));
    } catch (e) {
      // Already gone at Salt Edge: revoked is what we wanted.
      if (e instanceof ProviderError && e.providerCode === 'ConnectionNotFound') return;
      throw e;
    }
  }
}

// ---------------------------------------------------------------- helpers

function invalid(res: HttpResponse, detail: string): ProviderError {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  return new ProviderError('invalid_response', `Salt Edge: ${detail}`, {
    description: `Salt Edge sent an answer that could not be read (${detail}). Nothing from it was saved.`,
    ...(requestId ? { requestId } : {}),
  });
}

export function parseRef(ref: string): { customerId: string; connectionId: string } {
  const i = ref.lastIndexOf(':');
  const customerId = i > 0 ? ref.slice(0, i) : '';
  const connectionId = i >= 0 ? ref.slice(i + 1) : ref;
  if (!connectionId) {
    throw new ProviderError('consent_expired', `Salt Edge connection reference "${ref}" is not valid`, {
      description: 'This connection has no Salt Edge connection id. Reconnect it.', providerCode: 'INVALID_REF',
    });
  }
  return { customerId, connectionId };
}

function encodeCursor(c: Cursor): string {
  return JSON.stringify(c);
}

function decodeCursor(raw: string | null, account: string): Cursor {
  const fresh: Cursor = { v: 1, account, phase: 'posted', from: null, resume: null };
  if (raw === null) return fresh;
  try {
    const c = JSON.parse(raw) as Partial<Cursor>;
    if (c.v !== 1 || c.account !== account || (c.phase !== 'posted' && c.phase !== 'pending')) return fresh;
    const idOrNull = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
    return { v: 1, account, phase: c.phase, from: idOrNull(c.from), resume: idOrNull(c.resume) };
  } catch {
    return fresh;
  }
}

function statusOf(t: ProviderTransaction): string | undefined {
  return text(t.raw as Json, 'status');
}

function toTransaction(t: Json, res: HttpResponse): ProviderTransaction {
  const id = text(t, 'id');
  const amount = text(t, 'amount');
  const currency = text(t, 'currency_code');
  const date = text(t, 'made_on');
  if (!id || amount === undefined || !currency || !date) throw invalid(res, `a transaction without id, amount, currency or date (${id ?? '?'})`);
  const extra = obj(t, 'extra');
  const out = amount.startsWith('-');
  const partner = out ? (text(extra, 'payee') ?? text(extra, 'payee_information')) : (text(extra, 'payer') ?? text(extra, 'payer_information'));
  const otherIds: ProviderId[] = [];
  const bankId = text(extra, 'id');
  if (bankId && bankId !== id) otherIds.push({ kind: 'internal', id: `bank:${bankId}` });
  const originalAmount = text(extra, 'original_amount');
  const originalCurrency = text(extra, 'original_currency_code');
  const rate = text(extra, 'exchange_rate');
  return {
    id, amount, currency, date,
    paymentRef: text(t, 'description') ?? text(extra, 'information') ?? '',
    ...(partner ? { partnerName: partner } : {}),
    ...(otherIds.length ? { otherIds } : {}),
    ...(originalAmount !== undefined && originalCurrency ? { originalAmount, originalCurrency } : {}),
    ...(rate !== undefined ? { exchangeRate: rate } : {}),
    raw: t,
  };
}

function toInstitution(p: Json): Institution | undefined {
  const code = text(p, 'code');
  const status = text(p, 'status');
  if (!code || status === 'disabled') return undefined;
  const historyDays = Number.parseInt(text(p, 'max_fetch_interval') ?? '', 10);
  const refreshTimeout = Number.parseInt(text(p, 'refresh_timeout') ?? '', 10);
  const bic = arr(p, 'bic_codes')?.find((b): b is string => typeof b === 'string');
  const logo = text(p, 'logo_url');
  const regulated = text(p, 'regulated') === 'true';
  return {
    id: code,
    name: text(p, 'name') ?? code,
    country: text(p, 'country_code') ?? 'XX',
    beta: status === 'inactive',
    historyDays: Number.isSafeInteger(historyDays) && historyDays > 0 ? historyDays : 90,
    automaticSync: text(p, 'automatic_fetch') !== 'false',
    ...(Number.isSafeInteger(refreshTimeout) && refreshTimeout > 0 ? { refreshesPerDay: Math.max(1, Math.floor(1440 / refreshTimeout)) } : {}),
    ...(regulated ? { unattendedPerDay: PSD2_UNATTENDED_PER_DAY } : {}),
    ...(text(p, 'interactive') !== undefined ? { mfa: text(p, 'interactive') === 'true' } : {}),
    ...(bic ? { bic } : {}),
    ...(logo ? { logo } : {}),
  };
}
