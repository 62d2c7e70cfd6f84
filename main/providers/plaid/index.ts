// Plaid (US, Canada) through the official `plaid` SDK. Desktop consent goes through Hosted Link;
// transactions come from /transactions/sync, one cursor stream per account. Every JSON number
// is read as its exact decimal text (never a float) and Plaid's sign (positive = money out)
// is turned into ours (positive = money in).
import { randomBytes } from 'node:crypto';
import { Configuration, PlaidApi, PlaidEnvironments, Products, type CountryCode } from 'plaid';
import { systemClock } from '../../common/clock';
import { negateDecimal } from '../../ledger/money';
import type { ProviderConfig } from '../config';
import { ProviderError } from '../errors';
import { arr, obj, parseJsonExact, text, DEFAULT_TIMEOUT_MS, type Json } from '../http';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, ProviderTransaction, TransactionPage,
} from '../types';
import { mapSdkError } from './errors';

export { mapSdkError, plaidCode } from './errors';

export const PLAID_SECRET_ACCESS_TOKEN = 'access_token';
/** Days of history asked for a new Item (Plaid's maximum). */
export const DAYS_REQUESTED = 730;
/** Plaid's maximum page size for /transactions/sync. */
export const MAX_SYNC_COUNT = 500;
/** Restarts of one sync loop after TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION before giving up. */
const MAX_MUTATION_RESTARTS = 3;

export interface PlaidProviderOptions {
  /** Keys: `client_id`, `secret`, `env` (sandbox | production), `base_url` (env PLAID_*). */
  config: ProviderConfig;
  /** Time-out of every call (default 30 s). */
  timeoutMs?: number;
  /** /transactions/sync page size (1..500, default 500). */
  pageSize?: number;
  /** Shown by Plaid Link. */
  clientName?: string;
  /** Plaid's `user.client_user_id` (a stable, non-personal id of this installation). */
  clientUserId?: string;
  /** Countries for Link and the institution list (default US, CA). */
  countryCodes?: string[];
  /** True for the sandbox: no real money, so it may connect without a registered phone. */
  sandbox?: boolean;
  now?: () => Date;
}

/** The persisted position while a sync loop is under way: a crash restarts from `start`. */
interface LoopCursor {
  v: 1;
  /** The cursor the loop began with (null: the very first sync). */
  start: string | null;
  /** Plaid's next_cursor after the last page given. */
  next: string;
  /** Identifies the loop inside this process; unknown after a restart. */
  loop: string;
}

interface PendingConsent {
  linkToken: string;
  mode: ConsentStart['mode'];
  accessToken?: string;
  itemId?: string;
}

function exactJson(data: unknown): unknown {
  return typeof data === 'string' && data ? parseJsonExact(data) : data;
}

export class PlaidProvider implements Provider {
  readonly name = 'plaid' as const;
  readonly displayName = 'Plaid';
  readonly sandbox: boolean;
  private readonly config: ProviderConfig;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly clientName: string;
  private readonly clientUserId: string;
  private readonly countryCodes: string[];
  private readonly now: () => Date;
  /** Link tokens of consents under way, by our `state`. */
  private readonly consents = new Map<string, PendingConsent>();
  /** Sync loops under way in this process. */
  private readonly liveLoops = new Set<string>();

  constructor(opts: PlaidProviderOptions) {
    this.config = opts.config;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.pageSize = Math.min(MAX_SYNC_COUNT, Math.max(1, opts.pageSize ?? MAX_SYNC_COUNT));
    this.clientName = opts.clientName ?? 'Ledgerlink';
    this.clientUserId = opts.clientUserId ?? 'ledgerlink-desktop';
    this.countryCodes = opts.countryCodes ?? ['US', 'CA'];
    this.sandbox = opts.sandbox ?? false;
    this.now = opts.now ?? systemClock;
  }

  private async api(): Promise<PlaidApi> {
    const clientId = await this.config.require('client_id');
    const secret = await this.config.require('secret');
    const env = (await this.config.get('env')) ?? (this.sandbox ? 'sandbox' : 'production');
    // PLAID_BASE_URL (environment only, checked) or one of Plaid's own hosts, chosen by name.
    const basePath = (await this.config.get('base_url')) ?? (Object.hasOwn(PlaidEnvironments, env) ? PlaidEnvironments[env] : undefined);
    if (!basePath) {
      throw new ProviderError('other', `Plaid: unknown environment ${env}`, {
        description: `Plaid's environment must be sandbox or production (PLAID_ENV is "${env}").`, providerCode: 'NOT_CONFIGURED',
      });
    }
    return new PlaidApi(new Configuration({
      basePath: basePath.replace(/\/+$/, ''),
      baseOptions: {
        headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret, 'Plaid-Version': '2020-09-14' },
        timeout: this.timeoutMs,
        transformResponse: [exactJson],
      },
    }));
  }

  /** One SDK call; its answer as exact JSON, its failures as ProviderErrors. */
  private async call(endpoint: string, fn: (api: PlaidApi, o: { signal?: AbortSignal }) => Promise<{ data: unknown }>, signal?: AbortSignal): Promise<Json> {
    const api = await this.api();
    try {
      const res = await fn(api, signal ? { signal } : {});
      const body = res.data as Json;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new ProviderError('invalid_response', `plaid ${endpoint}: the answer is not a JSON object`, {
          description: 'Plaid sent an empty or unreadable answer.',
        });
      }
      return body;
    } catch (e) {
      if (signal?.aborted) throw e;
      throw mapSdkError(e, { now: this.now(), endpoint, timeoutMs: this.timeoutMs });
    }
  }

  private async accessToken(ctx: ConnectionContext): Promise<string> {
    const t = await ctx.getSecret(PLAID_SECRET_ACCESS_TOKEN);
    if (!t) {
      throw new ProviderError('login_required', 'Plaid: no access token in the vault for this connection', {
        description: 'The saved access to this bank is missing. Use Reconnect to sign in again.', providerCode: 'NO_ACCESS_TOKEN',
      });
    }
    return t;
  }

  async listInstitutions(): Promise<Institution[]> {
    const out: Institution[] = [];
    const count = 500;
    for (let offset = 0; ; offset += count) {
      const body = await this.call('/institutions/get', (api, o) =>
        api.institutionsGet({ count, offset, country_codes: this.countryCodes as CountryCode[] }, o));
      const page = arr(body, 'institutions') ?? [];
      for (const i of page) {
        const id = text(i, 'institution_id');
        const name = text(i, 'name');
        if (!id || !name) continue;
        const countries = (arr(i, 'country_codes') ?? []).filter((c): c is string => typeof c === 'string');
        const logo = text(i, 'logo');
        out.push({
          id, name, country: countries[0] ?? 'US', beta: false, historyDays: DAYS_REQUESTED, automaticSync: true,
          ...(logo ? { logo } : {}),
        });
      }
      const total = Number(text(body, 'total') ?? '0');
      if (page.length === 0 || offset + page.length >= total) break;
    }
    return out;
  }

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    let accessToken: string | undefined;
    if (req.mode !== 'new' && req.connection) accessToken = await req.connection.getSecret(PLAID_SECRET_ACCESS_TOKEN);
    const completion = new URL(req.redirectUri);
    completion.searchParams.set('state', req.state);
    const body = await this.call('/link/token/create', (api, o) =>
      api.linkTokenCreate({
        client_name: this.clientName,
        language: 'en',
        country_codes: this.countryCodes as CountryCode[],
        user: { client_user_id: this.clientUserId },
        ...(accessToken
          ? { access_token: accessToken }
          : { products: [Products.Transactions], transactions: { days_requested: DAYS_REQUESTED } }),
        hosted_link: { completion_redirect_uri: completion.toString() },
      }, o));
    const linkToken = text(body, 'link_token');
    const url = text(body, 'hosted_link_url');
    if (!linkToken || !url) {
      throw new ProviderError('invalid_response', 'plaid /link/token/create: no link_token or hosted_link_url', {
        description: 'Plaid did not give a consent page. Please try again.', ...(text(body, 'request_id') ? { requestId: text(body, 'request_id')! } : {}),
      });
    }
    this.consents.set(req.state, {
      linkToken, mode: req.mode,
      ...(accessToken ? { accessToken } : {}),
      ...(req.connection?.providerRef ? { itemId: req.connection.providerRef } : {}),
    });
    return { url };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const state = req.params.state ?? '';
    const pending = this.consents.get(state);
    const linkToken = pending?.linkToken ?? req.params.link_token;
    if (!linkToken) {
      throw new ProviderError('other', 'plaid: no consent under way for this redirect', {
        description: 'This bank consent is unknown or was already used. Please start again.', providerCode: 'UNKNOWN_STATE',
      });
    }
    const body = await this.call('/link/token/get', (api, o) => api.linkTokenGet({ link_token: linkToken }, o));
    let publicToken: string | undefined;
    let exitError: Json | undefined;
    for (const s of arr(body, 'link_sessions') ?? []) {
      for (const r of arr(obj(s, 'results'), 'item_add_results') ?? []) publicToken ??= text(r, 'public_token');
      publicToken ??= text(obj(s, 'on_success'), 'public_token');
      exitError ??= obj(obj(s, 'exit'), 'error') ?? obj(obj(s, 'on_exit'), 'error');
    }
    this.consents.delete(state);
    if (!publicToken) {
      // Update mode keeps the Item and its access token: nothing to exchange.
      if (pending?.accessToken && pending.itemId && !exitError) {
        return this.consentResult(pending.accessToken, pending.itemId);
      }
      const requestId = text(body, 'request_id');
      throw new ProviderError(exitError ? 'user_action_required' : 'other', `plaid: the Link session ended without a connection${exitError ? `: ${text(exitError, 'error_code') ?? ''}` : ''}`, {
        description: text(exitError, 'display_message') ?? text(exitError, 'error_message') ?? 'The bank connection was not completed. Please try again.',
        providerCode: text(exitError, 'error_code') ?? 'LINK_NOT_COMPLETED',
        ...(requestId ? { requestId } : {}),
      });
    }
    return this.exchange(publicToken);
  }

  /** Headless sandbox connect: /sandbox/public_token/create, then the exchange. */
  async sandboxConnect(institutionId: string): Promise<ConsentResult> {
    const body = await this.call('/sandbox/public_token/create', (api, o) =>
      api.sandboxPublicTokenCreate({
        institution_id: institutionId,
        initial_products: [Products.Transactions],
        options: { transactions: { days_requested: DAYS_REQUESTED } },
      }, o));
    const publicToken = text(body, 'public_token');
    if (!publicToken) throw new ProviderError('invalid_response', 'plaid /sandbox/public_token/create: no public_token');
    return this.exchange(publicToken);
  }

  private async exchange(publicToken: string): Promise<ConsentResult> {
    const body = await this.call('/item/public_token/exchange', (api, o) => api.itemPublicTokenExchange({ public_token: publicToken }, o));
    const accessToken = text(body, 'access_token');
    const itemId = text(body, 'item_id');
    if (!accessToken || !itemId) throw new ProviderError('invalid_response', 'plaid /item/public_token/exchange: no access_token or item_id');
    return this.consentResult(accessToken, itemId);
  }

  /** The consent with its expiry (OAuth institutions give one on the Item). */
  private async consentResult(accessToken: string, itemId: string): Promise<ConsentResult> {
    let consentExpiresAt: string | undefined;
    try {
      const body = await this.call('/accounts/get', (api, o) => api.accountsGet({ access_token: accessToken }, o));
      consentExpiresAt = text(obj(body, 'item'), 'consent_expiration_time');
    } catch (e) {
      // Not ready yet is no reason to lose a connection that was just made.
      if (!(e instanceof ProviderError && e.code === 'not_ready')) throw e;
    }
    return { providerRef: itemId, secrets: { [PLAID_SECRET_ACCESS_TOKEN]: accessToken }, ...(consentExpiresAt ? { consentExpiresAt } : {}) };
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const token = await this.accessToken(ctx);
    const body = await this.call('/accounts/get', (api, o) => api.accountsGet({ access_token: token }, o), ctx.signal);
    return (arr(body, 'accounts') ?? []).map((a) => {
      const id = text(a, 'account_id');
      const balances = obj(a, 'balances');
      const current = text(balances, 'current') ?? text(balances, 'available');
      const currency = text(balances, 'iso_currency_code') ?? text(balances, 'unofficial_currency_code');
      if (!id || current === undefined || !currency) {
        throw new ProviderError('invalid_response', `plaid /accounts/get: account ${id ?? '?'} without id, balance or currency`, {
          description: 'Plaid sent an account without its balance or currency. Nothing was saved.',
        });
      }
      // Credit and loan balances are what is owed (positive): the ledger sees a debt.
      const type = text(a, 'type');
      const balance = type === 'credit' || type === 'loan' ? negateDecimal(current) : current;
      const mask = text(a, 'mask');
      const at = text(balances, 'last_updated_datetime');
      return {
        id,
        name: text(a, 'name') ?? text(a, 'official_name') ?? id,
        ...(mask ? { accountNumber: `••••${mask}` } : {}),
        currency,
        balance,
        ...(at ? { balanceAt: at } : {}),
      };
    });
  }

  async requestRefresh(ctx: ConnectionContext): Promise<void> {
    const token = await this.accessToken(ctx);
    await this.call('/transactions/refresh', (api, o) => api.transactionsRefresh({ access_token: token }, o), ctx.signal);
  }

  async revoke(ctx: ConnectionContext): Promise<void> {
    const token = await this.accessToken(ctx);
    await this.call('/item/remove', (api, o) => api.itemRemove({ access_token: token }, o), ctx.signal);
  }

  /**
   * One page of /transactions/sync for the account. While the loop has more pages, the saved
   * cursor keeps the loop's START (a crash re-fetches the loop; ids absorb the repeat); the
   * last page saves Plaid's final next_cursor for the next synchronization.
   */
  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const token = await this.accessToken(ctx);
    let start: string | null = req.cursor;
    let from: string | null = req.cursor;
    let loop: string = randomBytes(8).toString('hex');
    const mid = decodeLoop(req.cursor);
    if (mid) {
      start = mid.start;
      if (this.liveLoops.has(mid.loop)) {
        from = mid.next;
        loop = mid.loop;
      } else {
        from = mid.start; // a loop cut short (crash, restart): begin it again
      }
    }
    for (let restarts = 0; ; restarts++) {
      let body: Json;
      try {
        body = await this.call('/transactions/sync', (api, o) => api.transactionsSync({
          access_token: token,
          ...(from ? { cursor: from } : {}),
          count: this.pageSize,
          options: { account_id: req.accountId, include_original_description: true },
        }, o), ctx.signal);
      } catch (e) {
        if (e instanceof ProviderError && e.providerCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' && restarts < MAX_MUTATION_RESTARTS) {
          from = start; // Plaid: restart the whole loop from its first cursor
          continue;
        }
        this.liveLoops.delete(loop);
        throw e;
      }
      return this.page(body, req.accountId, start, loop);
    }
  }

  private page(body: Json, accountId: string, start: string | null, loop: string): TransactionPage {
    const next = text(body, 'next_cursor');
    const hasMore = text(body, 'has_more');
    if (next === undefined || (hasMore !== 'true' && hasMore !== 'false')) {
      throw new ProviderError('invalid_response', 'plaid /transactions/sync: no next_cursor or has_more', {
        description: 'Plaid sent an incomplete page of transactions. Nothing from it was saved.',
        ...(text(body, 'request_id') ? { requestId: text(body, 'request_id')! } : {}),
      });
    }
    const posted: ProviderTransaction[] = [];
    const pending: ProviderTransaction[] = [];
    for (const t of [...(arr(body, 'added') ?? []), ...(arr(body, 'modified') ?? [])]) {
      if (text(t, 'account_id') !== accountId) continue;
      const tx = toTransaction(t);
      (text(t, 'pending') === 'true' ? pending : posted).push(tx);
    }
    const removed = (arr(body, 'removed') ?? [])
      .filter((r) => text(r, 'account_id') === undefined || text(r, 'account_id') === accountId)
      .map((r) => text(r, 'transaction_id'))
      .filter((id): id is string => id !== undefined);
    if (hasMore === 'true') {
      this.liveLoops.add(loop);
      const cursor: LoopCursor = { v: 1, start, next, loop };
      return { posted, pending, removed, nextCursor: JSON.stringify(cursor), hasMore: true, pendingIsSnapshot: false };
    }
    this.liveLoops.delete(loop);
    return { posted, pending, removed, nextCursor: next, hasMore: false, pendingIsSnapshot: false };
  }
}

function decodeLoop(cursor: string | null): LoopCursor | null {
  if (!cursor || !cursor.startsWith('{')) return null;
  try {
    const c = JSON.parse(cursor) as Partial<LoopCursor>;
    if (c.v === 1 && typeof c.next === 'string' && typeof c.loop === 'string' && (c.start === null || typeof c.start === 'string')) {
      return { v: 1, start: c.start, next: c.next, loop: c.loop };
    }
  } catch {
    // not ours: a plain Plaid cursor
  }
  return null;
}

/** A Plaid transaction in our terms (sign inverted: Plaid's positive is money out). */
export function toTransaction(t: Json): ProviderTransaction {
  const id = text(t, 'transaction_id');
  const amount = text(t, 'amount');
  const date = text(t, 'date');
  const currency = text(t, 'iso_currency_code') ?? text(t, 'unofficial_currency_code');
  if (!id || amount === undefined || !/^-?\d+(\.\d+)?$/.test(amount) || !date || !currency) {
    throw new ProviderError('invalid_response', `plaid /transactions/sync: transaction ${id ?? '?'} without id, amount, date or currency`, {
      description: 'Plaid sent a transaction that could not be read. Nothing from this page was saved.',
    });
  }
  const counterparty = (arr(t, 'counterparties') ?? [])[0];
  const partner = text(t, 'merchant_name') ?? text(counterparty, 'name');
  const pendingId = text(t, 'pending_transaction_id');
  const ref = text(t, 'original_description') ?? text(t, 'name') ?? partner ?? '';
  return {
    id,
    ...(pendingId ? { pendingId } : {}),
    date,
    amount: negateDecimal(amount),
    currency,
    paymentRef: ref,
    ...(partner ? { partnerName: partner } : {}),
    raw: t,
  };
}
