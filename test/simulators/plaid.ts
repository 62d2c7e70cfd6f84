// A Plaid simulator (API version 2020-09-14): key checks with Plaid's error bodies, Hosted
// Link (a hosted page that redirects to the completion URI), /link/token/get sessions, the
// public-token exchange, institutions with count/offset paging, /accounts/get, an item-wide
// change log served by /transactions/sync (per-account streams, count paging, cursors),
// pending transactions that post under new ids with pending_transaction_id, refresh limits,
// errors on demand, and a log of every answer it gave (for the OpenAPI check).
import { randomBytes } from 'node:crypto';
import { LosslessNumber, stringify } from 'lossless-json';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';
import { mulberry32 as rng } from './base';

export const PLAID_CLIENT_ID = 'sim-client-id';
export const PLAID_SECRET = 'sim-secret';

export interface PlaidSimTransaction {
  transaction_id: string;
  account_id: string;
  /** Minor units, Plaid's sign: positive = money out. */
  minor: number;
  date: string;
  name: string;
  merchant: string | null;
  pending: boolean;
  pending_transaction_id: string | null;
}

type Change = { kind: 'added' | 'modified'; tx: PlaidSimTransaction } | { kind: 'removed'; id: string; account_id: string };

interface Item {
  item_id: string;
  access_token: string;
  institution_id: string;
  removed: boolean;
}

interface LinkSession {
  link_token: string;
  completion_redirect_uri: string;
  access_token?: string;
  products: string[];
  country_codes: string[];
  language: string;
  client_name: string;
  created_at: string;
  expiration: string;
  public_token?: string;
  finished_at?: string;
  session_id: string;
}

export interface PlaidErrorSpec {
  error_type: string;
  error_code: string;
  error_code_reason?: string;
  error_message?: string;
  display_message?: string | null;
  status?: number;
  headers?: Record<string, string>;
}

export interface PlaidSimOptions {
  now?: () => Date;
  /** Posted transactions in the history of the checking account (default 300). */
  count?: number;
  /** Months of history (default 8). */
  months?: number;
  seed?: number;
  /** Refreshes allowed per item before RATE_LIMIT_EXCEEDED (default 2). */
  refreshesAllowed?: number;
  /** Institutions listed (default 7). */
  institutions?: number;
}

export const CHECKING = 'acc-checking-0000';
export const SAVINGS = 'acc-savings-1111';


const MERCHANTS = ['Walmart', 'Starbucks', 'Uber', 'Amazon', 'Shell', 'Target', 'Costco', 'Delta', null];

function day(d: Date, offset: number): string {
  return new Date(d.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
}

export async function startPlaidSimulator(opts: PlaidSimOptions = {}) {
  const now = opts.now ?? (() => new Date());
  const random = rng(opts.seed ?? 42);
  const sim = new Simulator();
  /** Every answer a route gave: path, status, parsed body (for the OpenAPI check). */
  const responses: { path: string; status: number; body: unknown }[] = [];
  const items = new Map<string, Item>(); // by access token
  const sessions = new Map<string, LinkSession>(); // by link token
  const publicTokens = new Map<string, Item>();
  const changes: Change[] = [];
  const txs = new Map<string, PlaidSimTransaction>();
  const opening: Record<string, number> = { [CHECKING]: 125_000, [SAVINGS]: 1_000_000 };
  const failures: { path: string; err: PlaidErrorSpec; times: number }[] = [];
  let mutateOnce = false;
  let refreshes = 0;
  let seq = 0;

  const requestId = (): string => randomBytes(8).toString('hex').toUpperCase().slice(0, 15);

  function record(tx: PlaidSimTransaction, kind: 'added' | 'modified' = 'added'): void {
    txs.set(tx.transaction_id, tx);
    changes.push({ kind, tx });
  }

  // History: `count` posted on checking over `months`, some on savings, 3 pending.
  const t0 = now();
  const months = opts.months ?? 8;
  const n = opts.count ?? 300;
  const span = months * 30;
  const history: PlaidSimTransaction[] = [];
  for (let i = 0; i < n; i++) {
    const income = random() < 0.12;
    const minor = income ? -Math.round(50_000 + random() * 300_000) : Math.round(100 + random() * 25_000);
    const merchant = income ? null : MERCHANTS[Math.floor(random() * MERCHANTS.length)]!;
    history.push({
      transaction_id: `tx-${String(++seq).padStart(6, '0')}`, account_id: CHECKING, minor,
      date: day(t0, 2 + Math.floor(random() * span)), name: income ? 'ACH PAYROLL DEPOSIT' : `POS ${merchant ?? 'DEBIT'} ${i}`,
      merchant, pending: false, pending_transaction_id: null,
    });
  }
  for (let i = 0; i < 12; i++) {
    history.push({
      transaction_id: `tx-${String(++seq).padStart(6, '0')}`, account_id: SAVINGS, minor: -2_500,
      date: day(t0, 2 + i * 20), name: 'INTEREST PAYMENT', merchant: null, pending: false, pending_transaction_id: null,
    });
  }
  history.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const t of history) record(t);
  for (let i = 0; i < 3; i++) {
    record({
      transaction_id: `tx-${String(++seq).padStart(6, '0')}`, account_id: CHECKING, minor: 1_234 + i * 1_000,
      date: day(t0, i), name: `PENDING CARD ${i}`, merchant: 'Starbucks', pending: true, pending_transaction_id: null,
    });
  }

  function balanceMinor(accountId: string): number {
    let b = opening[accountId] ?? 0;
    for (const t of txs.values()) if (t.account_id === accountId && !t.pending) b -= t.minor;
    return b;
  }

  // --- JSON helpers: amounts are JSON numbers spliced in as exact decimal text.
  const num = (minor: number): LosslessNumber => new LosslessNumber(decimal(minor));
  function reply(path: string, body: Record<string, unknown>, status = 200, headers?: Record<string, string>): SimReply {
    const textBody = stringify(body) ?? '{}';
    responses.push({ path, status, body: JSON.parse(textBody) as unknown });
    return { status, body: textBody, ...(headers ? { headers } : {}) };
  }
  function error(path: string, e: PlaidErrorSpec): SimReply {
    return reply(path, {
      error_type: e.error_type,
      error_code: e.error_code,
      ...(e.error_code_reason ? { error_code_reason: e.error_code_reason } : {}),
      error_message: e.error_message ?? `simulated ${e.error_code}`,
      display_message: e.display_message ?? null,
      request_id: requestId(),
      causes: [],
      status: e.status ?? 400,
      documentation_url: `https://plaid.com/docs/errors/#${e.error_code.toLowerCase()}`,
      suggested_action: null,
    }, e.status ?? 400, e.headers);
  }

  function account(id: string) {
    const checking = id === CHECKING;
    return {
      account_id: id,
      balances: { available: num(balanceMinor(id)), current: num(balanceMinor(id)), limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
      mask: checking ? '0000' : '1111',
      name: checking ? 'Plaid Checking' : 'Plaid Saving',
      official_name: checking ? 'Plaid Gold Standard 0% Interest Checking' : 'Plaid Silver Standard 0.1% Interest Saving',
      type: 'depository',
      subtype: checking ? 'checking' : 'savings',
    };
  }

  function transaction(t: PlaidSimTransaction) {
    return {
      account_id: t.account_id,
      account_owner: null,
      amount: num(t.minor),
      iso_currency_code: 'USD',
      unofficial_currency_code: null,
      category: null,
      category_id: null,
      check_number: null,
      counterparties: t.merchant ? [{ name: t.merchant, type: 'merchant', logo_url: null, website: null, entity_id: null, confidence_level: 'HIGH' }] : [],
      date: t.date,
      datetime: null,
      authorized_date: t.date,
      authorized_datetime: null,
      location: { address: null, city: null, region: null, postal_code: null, country: null, lat: null, lon: null, store_number: null },
      name: t.name,
      merchant_name: t.merchant,
      merchant_entity_id: null,
      logo_url: null,
      website: null,
      original_description: t.name,
      payment_meta: { by_order_of: null, payee: null, payer: null, payment_method: null, payment_processor: null, ppd_id: null, reason: null, reference_number: null },
      payment_channel: t.merchant ? 'in store' : 'other',
      pending: t.pending,
      pending_transaction_id: t.pending_transaction_id,
      personal_finance_category: null,
      transaction_id: t.transaction_id,
      transaction_code: null,
      transaction_type: t.merchant ? 'place' : 'special',
    };
  }

  function itemJson(item: Item) {
    return {
      item_id: item.item_id, institution_id: item.institution_id, webhook: null, error: null,
      available_products: ['balance', 'identity'], billed_products: ['transactions'], products: ['transactions'],
      consented_products: ['transactions'], consent_expiration_time: null, update_type: 'background',
    };
  }

  /** Auth, then the failure queued for this path, then the route. */
  function route(path: string, handler: (req: SimRequest, body: Record<string, unknown>) => SimReply, o: { token?: boolean } = {}): void {
    sim.on('POST', path, (req) => {
      const body = (req.json ?? {}) as Record<string, unknown>;
      const id = req.headers['plaid-client-id'] ?? body.client_id;
      const secret = req.headers['plaid-secret'] ?? body.secret;
      if (id !== PLAID_CLIENT_ID || secret !== PLAID_SECRET) {
        return error(path, { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', error_message: 'invalid client_id or secret provided', status: 400 });
      }
      const f = failures.find((x) => x.times > 0 && (x.path === path || x.path === '*'));
      if (f) {
        f.times--;
        return error(path, f.err);
      }
      if (o.token) {
        const item = items.get(String(body.access_token ?? ''));
        if (!item || item.removed) {
          return error(path, { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN', error_message: 'provided access token is in an invalid format', status: 400 });
        }
      }
      return handler(req, body);
    });
  }

  function newItem(institutionId: string): Item {
    const item: Item = { item_id: `item-${randomBytes(6).toString('hex')}`, access_token: `access-sandbox-${randomBytes(12).toString('hex')}`, institution_id: institutionId, removed: false };
    items.set(item.access_token, item);
    return item;
  }

  const institutions = Array.from({ length: opts.institutions ?? 7 }, (_, i) => ({
    institution_id: i === 0 ? 'ins_109508' : `ins_${200_000 + i}`,
    name: i === 0 ? 'First Platypus Bank' : `Sim Bank ${i}`,
    products: ['assets', 'auth', 'balance', 'transactions'],
    country_codes: [i % 3 === 2 ? 'CA' : 'US'],
    routing_numbers: [],
    oauth: i % 2 === 1,
    dtc_numbers: [],
  }));

  route('/institutions/get', (_req, b) => {
    const count = Number(b.count ?? 0);
    const offset = Number(b.offset ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > 500) {
      return error('/institutions/get', { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD', error_message: 'count must be between 1 and 500' });
    }
    return reply('/institutions/get', { institutions: institutions.slice(offset, offset + count), total: institutions.length, request_id: requestId() });
  });

  route('/link/token/create', (_req, b) => {
    const hosted = (b.hosted_link ?? {}) as { completion_redirect_uri?: string };
    if (!b.client_name || !b.language || !Array.isArray(b.country_codes) || !hosted.completion_redirect_uri) {
      return error('/link/token/create', { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS', error_message: 'the following required fields are missing' });
    }
    const token = `link-sandbox-${randomBytes(12).toString('hex')}`;
    const created = now();
    sessions.set(token, {
      link_token: token, completion_redirect_uri: hosted.completion_redirect_uri,
      ...(typeof b.access_token === 'string' ? { access_token: b.access_token } : {}),
      products: (b.products as string[] | undefined) ?? [], country_codes: b.country_codes as string[], language: String(b.language),
      client_name: String(b.client_name), created_at: created.toISOString(), expiration: new Date(created.getTime() + 4 * 3_600_000).toISOString(),
      session_id: randomBytes(8).toString('hex'),
    });
    return reply('/link/token/create', { link_token: token, expiration: new Date(created.getTime() + 4 * 3_600_000).toISOString(), request_id: requestId(), hosted_link_url: `${sim.baseUrl}/hosted/${token}` });
  });

  // The hosted Link page: the user picks the sandbox bank and consents; back to the app.
  sim.on('GET', '/hosted/:token', (_req, p) => {
    const s = sessions.get(p.token ?? '');
    if (!s) return { status: 404, body: { error: 'unknown link token' } };
    if (!s.access_token) {
      const item = newItem('ins_109508');
      const pub = `public-sandbox-${randomBytes(12).toString('hex')}`;
      publicTokens.set(pub, item);
      s.public_token = pub;
    }
    s.finished_at = now().toISOString();
    return { status: 302, headers: { location: s.completion_redirect_uri }, body: '' };
  });

  route('/link/token/get', (_req, b) => {
    const s = sessions.get(String(b.link_token ?? ''));
    if (!s) return error('/link/token/get', { error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN', error_message: 'invalid link_token provided' });
    const finished = s.finished_at !== undefined;
    return reply('/link/token/get', {
      link_token: s.link_token, created_at: s.created_at, expiration: s.expiration,
      metadata: { initial_products: s.products, webhook: null, country_codes: s.country_codes, language: s.language, account_filters: {}, redirect_uri: null, client_name: s.client_name },
      link_sessions: finished ? [{
        link_session_id: s.session_id, started_at: s.created_at, finished_at: s.finished_at,
        results: {
          item_add_results: s.public_token ? [{
            public_token: s.public_token,
            accounts: [CHECKING, SAVINGS].map((id) => ({ id, name: account(id).name, mask: account(id).mask, type: 'depository', subtype: account(id).subtype, verification_status: null })),
            institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' },
          }] : [],
          cra_item_add_results: [], cra_update_results: [], bank_income_results: [], payroll_income_results: [], document_income_results: null,
        },
      }] : [],
      request_id: requestId(),
    });
  });

  route('/sandbox/public_token/create', (_req, b) => {
    if (typeof b.institution_id !== 'string' || !Array.isArray(b.initial_products)) {
      return error('/sandbox/public_token/create', { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS', error_message: 'the following required fields are missing' });
    }
    if (!institutions.some((i) => i.institution_id === b.institution_id)) {
      return error('/sandbox/public_token/create', { error_type: 'INVALID_INPUT', error_code: 'INVALID_INSTITUTION', error_message: 'invalid institution_id provided' });
    }
    const item = newItem(b.institution_id);
    const pub = `public-sandbox-${randomBytes(12).toString('hex')}`;
    publicTokens.set(pub, item);
    return reply('/sandbox/public_token/create', { public_token: pub, request_id: requestId() });
  });

  route('/item/public_token/exchange', (_req, b) => {
    const item = publicTokens.get(String(b.public_token ?? ''));
    if (!item) return error('/item/public_token/exchange', { error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN', error_message: 'provided public token is expired' });
    publicTokens.delete(String(b.public_token));
    return reply('/item/public_token/exchange', { access_token: item.access_token, item_id: item.item_id, request_id: requestId() });
  });

  route('/accounts/get', (_req, b) => {
    const item = items.get(String(b.access_token))!;
    return reply('/accounts/get', { accounts: [account(CHECKING), account(SAVINGS)], item: itemJson(item), request_id: requestId() });
  }, { token: true });

  route('/transactions/refresh', () => {
    if (++refreshes > (opts.refreshesAllowed ?? 2)) {
      return error('/transactions/refresh', { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_LIMIT', error_message: 'rate limit exceeded for attempts to access this item. please try again later', status: 429 });
    }
    return reply('/transactions/refresh', { request_id: requestId() });
  }, { token: true });

  route('/item/remove', (_req, b) => {
    items.get(String(b.access_token))!.removed = true;
    return reply('/item/remove', { request_id: requestId() });
  }, { token: true });

  const encode = (pos: number): string => Buffer.from(`sim:${pos}`).toString('base64');
  const decodeCursor = (c: string): number | null => {
    const m = /^sim:(\d+)$/.exec(Buffer.from(c, 'base64').toString('utf8'));
    return m ? Number(m[1]) : null;
  };

  route('/transactions/sync', (_req, b) => {
    const path = '/transactions/sync';
    const count = b.count === undefined ? 100 : Number(b.count);
    if (!Number.isInteger(count) || count < 1 || count > 500) {
      return error(path, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD', error_message: 'count must be between 1 and 500' });
    }
    let pos = 0;
    if (typeof b.cursor === 'string' && b.cursor !== '') {
      const p = decodeCursor(b.cursor);
      if (p === null || p > changes.length) return error(path, { error_type: 'INVALID_INPUT', error_code: 'INVALID_FIELD', error_message: 'cursor is invalid' });
      pos = p;
      if (mutateOnce && pos > 0) {
        mutateOnce = false;
        return error(path, { error_type: 'TRANSACTIONS_ERROR', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', error_message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.' });
      }
    }
    const accountId = ((b.options ?? {}) as { account_id?: string }).account_id;
    const mine = (c: Change): boolean => accountId === undefined || (c.kind === 'removed' ? c.account_id : c.tx.account_id) === accountId;
    const added: unknown[] = [];
    const modified: unknown[] = [];
    const removed: unknown[] = [];
    let taken = 0;
    while (pos < changes.length && taken < count) {
      const c = changes[pos++]!;
      if (!mine(c)) continue;
      taken++;
      if (c.kind === 'removed') removed.push({ transaction_id: c.id, account_id: c.account_id });
      else (c.kind === 'added' ? added : modified).push(transaction(c.tx));
    }
    // Skip the other accounts' changes so that has_more says whether THIS stream has more.
    while (pos < changes.length && !mine(changes[pos]!)) pos++;
    return reply(path, {
      accounts: accountId ? [account(accountId)] : [account(CHECKING), account(SAVINGS)],
      added, modified, removed,
      next_cursor: encode(pos), has_more: pos < changes.length,
      request_id: requestId(), transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE',
    });
  }, { token: true });

  const baseUrl = await sim.start();
  return {
    sim,
    baseUrl,
    responses,
    close: () => sim.close(),
    /** The bank's current balance of an account, as decimal text (money in positive). */
    balance: (accountId = CHECKING): string => decimal(balanceMinor(accountId)),
    openingBalance: (accountId = CHECKING): string => decimal(opening[accountId] ?? 0),
    transactions: (accountId = CHECKING): PlaidSimTransaction[] => [...txs.values()].filter((t) => t.account_id === accountId),
    /** An access token for a ready item (what a sandbox connect would give). */
    createItem: (institutionId = 'ins_109508'): { access_token: string; item_id: string } => {
      const item = newItem(institutionId);
      return { access_token: item.access_token, item_id: item.item_id };
    },
    /** A pending transaction posts: `removed` (old id) + `added` (new id, linked). */
    postPending: (pendingId: string, o: { minor?: number; date?: string } = {}): PlaidSimTransaction => {
      const p = txs.get(pendingId);
      if (!p || !p.pending) throw new Error(`no pending ${pendingId}`);
      txs.delete(pendingId);
      changes.push({ kind: 'removed', id: pendingId, account_id: p.account_id });
      const posted: PlaidSimTransaction = { ...p, transaction_id: `tx-${String(++seq).padStart(6, '0')}`, pending: false, pending_transaction_id: pendingId, minor: o.minor ?? p.minor, date: o.date ?? day(now(), 0) };
      record(posted);
      return posted;
    },
    /** A new posted (or pending) transaction. */
    addTransaction: (t: Partial<PlaidSimTransaction> & { minor: number }): PlaidSimTransaction => {
      const tx: PlaidSimTransaction = {
        transaction_id: `tx-${String(++seq).padStart(6, '0')}`, account_id: CHECKING, date: day(now(), 0), name: 'NEW DEBIT', merchant: null,
        pending: false, pending_transaction_id: null, ...t,
      };
      record(tx);
      return tx;
    },
    /** The next `times` calls to `path` ('*' = any) answer this Plaid error. */
    failNext: (path: string, err: PlaidErrorSpec, times = 1): void => {
      failures.push({ path, err, times });
    },
    /** The next sync call with a cursor answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION. */
    mutateDuringPagination: (): void => {
      mutateOnce = true;
    },
    /** Item requests received so far. */
    requests: (path: string): SimRequest[] => sim.log.filter((r) => r.path === path),
  };
}

export type PlaidSimulator = Awaited<ReturnType<typeof startPlaidSimulator>>;
