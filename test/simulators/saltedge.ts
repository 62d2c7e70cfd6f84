// A Salt Edge Account Information API v6 simulator: App-id / Secret checks and, when a
// public key is configured, request signatures (Expires-at|METHOD|full_url|body, RSA-SHA256)
// verified like Salt Edge does; customers, connect sessions with a consent page that sends
// the user back to `return_to` with `connection_id`; providers (paged with from_id /
// meta.next_id, sandboxes in country XF); accounts; posted and pending transactions paged by
// id; refresh limits (next_refresh_possible_at, background budget); consent expiry; revoke;
// Salt Edge's error bodies {error: {class, message}} with an X-Request-Id on every answer.
import { verify, type KeyObject } from 'node:crypto';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';
import { mulberry32 } from './base';

const DAY_MS = 86_400_000;

export interface SaltEdgeSimOptions {
  appId?: string;
  secret?: string;
  /** When set, every API request must carry a valid signature made with the matching private key. */
  publicKey?: KeyObject | string;
  /** Clock for signature expiry (default: real time). */
  signatureClock?: () => Date;
  /** The bank's clock (history, consent expiry, refresh limits). */
  now?: () => Date;
  pageSize?: number;
  seed?: number;
  /** Days of history generated for each account. */
  historyDays?: number;
  /** Minutes between two refreshes (next_refresh_possible_at). */
  refreshIntervalMinutes?: number;
  /** Background (customer absent) refreshes allowed per connection per 24 h. */
  backgroundLimit?: number;
  consentDays?: number;
}

export interface SimTx {
  id: string;
  accountId: string;
  madeOn: string;
  /** Minor units. */
  amount: number;
  currency: string;
  description: string;
  status: 'posted' | 'pending';
  payee?: string;
  payer?: string;
  originalAmount?: number;
  originalCurrency?: string;
  endToEndId?: string;
  bankId: string;
}

export interface SimAccount {
  id: string;
  name: string;
  currency: string;
  iban: string;
  /** Minor units before the first generated transaction. */
  opening: number;
}

export interface SimConnection {
  id: string;
  customerId: string;
  providerCode: string;
  status: 'active' | 'inactive' | 'disabled';
  consentId: string;
  consentFromDate: string;
  consentExpiresAt: string;
  createdAt: string;
  lastRefreshAt: string;
  nextRefreshPossibleAt: string;
  backgroundRefreshes: string[];
  accounts: SimAccount[];
  /** Every data call on the connection answers this error while set. */
  failWith?: { class: string; message: string; status: number };
}

interface Session {
  customerId: string;
  providerCode: string;
  returnTo: string;
  fromDate: string;
  connectionId?: string;
  expiresAt: number;
}

export interface SimProvider {
  code: string;
  name: string;
  country_code: string;
  status: 'active' | 'inactive' | 'disabled';
  mode: string;
  automatic_fetch: boolean;
  interactive: boolean;
  regulated: boolean;
  max_consent_days: number;
  max_fetch_interval: number;
  refresh_timeout: number;
  bic_codes: string[];
  logo_url: string;
  sandbox: boolean;
}

export const SIM_APP_ID = 'sim-app-id';
export const SIM_SECRET = 'sim-secret';
export const SANDBOX_PROVIDER = 'fakebank_simple_xf';

/** Salt Edge's status per error class (as the simulator answers them). */
export const ERROR_STATUS: Record<string, number> = {
  ClientNotFound: 401, InvalidSignature: 401, ExpiredSignature: 401, MissingSignature: 401,
  WrongRequestFormat: 400, CustomerNotFound: 404, ConnectionNotFound: 404, ProviderNotFound: 404, DuplicatedCustomer: 409,
  InvalidCredentials: 406, ConnectionDisabled: 406, AispConsentExpired: 406, AispConsentRevoked: 406,
  ConnectionCannotBeRefreshed: 406, BackgroundFetchLimitExceeded: 429, RateLimitExceeded: 429,
  ProviderUnavailable: 503, ProviderError: 502, InteractiveTimeout: 406,
};


const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A JSON number written from minor units (spliced into the JSON text, never a float). */
const NUM = '§NUM§';
const num = (minor: number): string => `${NUM}${decimal(minor)}`;
function toJson(body: unknown): string {
  return JSON.stringify(body).replace(new RegExp(`"${NUM}(-?\\d+(?:\\.\\d+)?)"`, 'g'), '$1');
}

export async function startSaltEdgeSimulator(opts: SaltEdgeSimOptions = {}) {
  const sim = new Simulator('/api/v6');
  const appId = opts.appId ?? SIM_APP_ID;
  const secret = opts.secret ?? SIM_SECRET;
  const now = opts.now ?? (() => new Date());
  const sigNow = opts.signatureClock ?? (() => new Date());
  const pageSize = opts.pageSize ?? 100;
  const seed = opts.seed ?? 7;
  const historyDays = opts.historyDays ?? 240;
  const refreshMinutes = opts.refreshIntervalMinutes ?? 60;
  const backgroundLimit = opts.backgroundLimit ?? 4;
  const consentDays = opts.consentDays ?? 90;

  let requestNo = 0;
  let idNo = 0;
  const nextId = (): string => String(1_000_000_000 + ++idNo);
  const customers = new Map<string, { id: string; identifier: string }>();
  const sessions = new Map<string, Session>();
  const connections = new Map<string, SimConnection>();
  const txs: SimTx[] = [];
  const state = {
    /** The next consent page visit fails with this error (sent back as error_class / error_message). */
    nextConsentFailure: undefined as { class: string; message: string } | undefined,
    /** Request ids sent, in order. */
    requestIds: [] as string[],
  };

  const providers: SimProvider[] = [];
  const sandbox = (code: string, name: string, extra: Partial<SimProvider> = {}): SimProvider => ({
    code, name, country_code: 'XF', status: 'active', mode: 'web', automatic_fetch: true, interactive: false, regulated: false,
    max_consent_days: consentDays, max_fetch_interval: 365, refresh_timeout: refreshMinutes, bic_codes: [], logo_url: `https://example.test/${code}.svg`,
    sandbox: true, ...extra,
  });
  providers.push(sandbox(SANDBOX_PROVIDER, 'Fake Bank Simple'));
  providers.push(sandbox('fakebank_interactive_xf', 'Fake Bank Interactive', { interactive: true, automatic_fetch: false }));
  providers.push(sandbox('fakebank_disabled_xf', 'Fake Bank Disabled', { status: 'disabled' }));
  for (let i = 1; i <= 230; i++) {
    const n = String(i).padStart(3, '0');
    providers.push({ ...sandbox(`bank_${n}_be`, `Bank ${n}`, { regulated: true, max_fetch_interval: 730, bic_codes: [`BANKBE${n}`] }), country_code: 'BE', sandbox: false, mode: 'api' });
  }

  function reply(status: number, body: unknown, headers: Record<string, string> = {}): SimReply {
    const id = `se-req-${++requestNo}`;
    state.requestIds.push(id);
    return { status, headers: { 'X-Request-Id': id, ...headers }, body: toJson(body) };
  }
  function error(cls: string, message: string, status = ERROR_STATUS[cls] ?? 400, headers: Record<string, string> = {}): SimReply {
    return reply(status, { error: { class: cls, message, documentation_url: `https://docs.saltedge.com/v6/#errors` } }, headers);
  }

  /** App keys and, when configured, the request signature. */
  function authorize(req: SimRequest): SimReply | null {
    if (req.headers['app-id'] !== appId || req.headers['secret'] !== secret) {
      return error('ClientNotFound', 'Client with given App-id and Secret was not found.');
    }
    if (opts.publicKey) {
      const expires = req.headers['expires-at'];
      const signature = req.headers['signature'];
      if (typeof expires !== 'string' || typeof signature !== 'string') return error('MissingSignature', 'Expires-at and Signature headers are required.');
      const at = Number(expires);
      const nowS = sigNow().getTime() / 1000;
      if (!Number.isFinite(at) || at <= nowS) return error('ExpiredSignature', 'The request signature has expired (Expires-at is in the past).');
      if (at > nowS + 3600 + 5) return error('InvalidSignature', 'Expires-at must be at most one hour in the future.');
      const q = req.query.toString();
      const url = `${new URL(sim.baseUrl).origin}${req.path}${q ? `?${q}` : ''}`;
      const data = `${expires}|${req.method}|${url}|${req.body}`;
      let ok = false;
      try {
        ok = verify('sha256', Buffer.from(data, 'utf8'), opts.publicKey, Buffer.from(signature, 'base64'));
      } catch {
        ok = false;
      }
      if (!ok) return error('InvalidSignature', 'The request signature does not match.');
    }
    return null;
  }

  type H = (req: SimRequest, params: Record<string, string>) => SimReply;
  const api = (method: string, path: string, h: H) =>
    sim.on(method, path, (req, params) => authorize(req) ?? h(req, params));

  function dataOf(req: SimRequest): Record<string, unknown> {
    const d = (req.json as { data?: unknown } | undefined)?.data;
    return d !== null && typeof d === 'object' ? (d as Record<string, unknown>) : {};
  }

  function page<T>(rows: T[], idOf: (r: T) => string, from: string | null): { rows: T[]; next: string | null } {
    const start = from === null ? 0 : rows.findIndex((r) => BigInt(idOf(r)) >= BigInt(from));
    if (start < 0) return { rows: [], next: null };
    const slice = rows.slice(start, start + pageSize);
    const after = rows[start + pageSize];
    return { rows: slice, next: after ? idOf(after) : null };
  }

  /** The connection for a data call, or the error Salt Edge would answer. */
  function usable(id: string | null): SimConnection | SimReply {
    const c = id === null ? undefined : connections.get(id);
    if (!c) return error('ConnectionNotFound', `Connection with id: '${id ?? ''}' was not found.`);
    if (c.failWith) return error(c.failWith.class, c.failWith.message, c.failWith.status);
    if (c.status === 'disabled') return error('ConnectionDisabled', 'The connection is disabled. Reconnect it.');
    if (now().getTime() >= Date.parse(c.consentExpiresAt)) return error('AispConsentExpired', `The consent expired at ${c.consentExpiresAt}.`);
    return c;
  }
  const isReply = (x: SimConnection | SimReply): x is SimReply => !('accounts' in x);

  // ------------------------------------------------------------ generated bank

  function generateAccount(conn: SimConnection, a: SimAccount, rng: () => number): void {
    const today = Date.parse(`${day(now().getTime())}T00:00:00Z`);
    const merchants = ['Carrefour', 'SNCB', 'Proximus', 'Colruyt', 'Shell', 'Amazon EU', 'Café Central', 'Pharmacie'];
    for (let d = historyDays; d >= 0; d--) {
      const date = day(today - d * DAY_MS);
      if (date.endsWith('-01')) add(conn, a, { madeOn: date, amount: 285000, description: 'Salary', payer: 'ACME SA' });
      const n = rng() < 0.35 ? 0 : rng() < 0.75 ? 1 : 2;
      for (let k = 0; k < n; k++) {
        const m = merchants[Math.floor(rng() * merchants.length)]!;
        const amount = -(100 + Math.floor(rng() * 12000));
        const foreign = rng() < 0.08;
        add(conn, a, {
          madeOn: date, amount, description: `Card payment ${m}`, payee: m,
          ...(foreign ? { originalAmount: Math.round(amount * 1.08), originalCurrency: 'USD' } : {}),
        });
      }
    }
    // Two card payments still pending today and yesterday.
    add(conn, a, { madeOn: day(today - DAY_MS), amount: -4250, description: 'Card payment Bakery (pending)', payee: 'Bakery', status: 'pending' });
    add(conn, a, { madeOn: day(today), amount: -1999, description: 'Card payment Cinema (pending)', payee: 'Cinema', status: 'pending' });
  }

  function add(conn: SimConnection, a: SimAccount, t: Partial<SimTx> & { madeOn: string; amount: number; description: string }): SimTx {
    const tx: SimTx = { id: nextId(), accountId: a.id, currency: a.currency, status: 'posted', bankId: `B${idNo}`, endToEndId: 'NOTPROVIDED', ...t };
    void conn;
    txs.push(tx);
    return tx;
  }

  function createConnection(s: Session): SimConnection {
    const at = now();
    const id = nextId();
    const conn: SimConnection = {
      id, customerId: s.customerId, providerCode: s.providerCode, status: 'active', consentId: nextId(), consentFromDate: s.fromDate,
      consentExpiresAt: new Date(at.getTime() + consentDays * DAY_MS).toISOString(), createdAt: at.toISOString(),
      lastRefreshAt: at.toISOString(), nextRefreshPossibleAt: new Date(at.getTime() + refreshMinutes * 60_000).toISOString(),
      backgroundRefreshes: [], accounts: [],
    };
    const rng = mulberry32(seed);
    const main: SimAccount = { id: nextId(), name: 'Compte courant', currency: 'EUR', iban: 'XF0012345678901234', opening: 152_340 };
    const savings: SimAccount = { id: nextId(), name: 'Savings', currency: 'GBP', iban: 'XF0098765432109876', opening: 500_000 };
    conn.accounts.push(main, savings);
    generateAccount(conn, main, rng);
    add(conn, savings, { madeOn: day(at.getTime() - 10 * DAY_MS), amount: 1234, description: 'Interest' });
    connections.set(id, conn);
    return conn;
  }

  function balance(a: SimAccount): number {
    return txs.filter((t) => t.accountId === a.id && t.status === 'posted').reduce((s, t) => s + t.amount, a.opening);
  }

  function txJson(t: SimTx) {
    return {
      id: t.id, account_id: t.accountId, made_on: t.madeOn, amount: num(t.amount), currency_code: t.currency, description: t.description,
      category: 'uncategorized', duplicated: false, mode: 'normal', status: t.status,
      extra: {
        id: t.bankId,
        ...(t.payee ? { payee: t.payee } : {}),
        ...(t.payer ? { payer: t.payer } : {}),
        ...(t.originalAmount !== undefined ? { original_amount: num(t.originalAmount), original_currency_code: t.originalCurrency } : {}),
        ...(t.endToEndId ? { end_to_end_id: t.endToEndId } : {}),
      },
      created_at: `${t.madeOn}T12:00:00Z`, updated_at: `${t.madeOn}T12:00:00Z`,
    };
  }

  function connectionJson(c: SimConnection) {
    return {
      id: c.id, customer_id: c.customerId, provider_code: c.providerCode,
      provider_name: providers.find((p) => p.code === c.providerCode)?.name ?? c.providerCode, country_code: 'XF',
      status: c.status, created_at: c.createdAt, last_success_at: c.lastRefreshAt, next_refresh_possible_at: c.nextRefreshPossibleAt,
      daily_refresh: false, last_consent_id: c.consentId,
      last_attempt: c.failWith ? { fail_error_class: c.failWith.class, fail_message: c.failWith.message } : { fail_error_class: null, fail_message: null },
    };
  }

  function providerJson(p: SimProvider) {
    const { sandbox: _s, ...rest } = p;
    return { id: String(providers.indexOf(p) + 1), ...rest };
  }

  // ------------------------------------------------------------ routes

  api('GET', '/providers', (req) => {
    const country = req.query.get('country_code');
    const withSandboxes = req.query.get('include_sandboxes') === 'true';
    const rows = providers.filter((p) => (country === null || p.country_code === country) && (withSandboxes || !p.sandbox));
    const { rows: out, next } = page(rows, (p) => String(providers.indexOf(p) + 1), req.query.get('from_id'));
    return reply(200, { data: out.map(providerJson), meta: { next_id: next, next_page: next ? `/api/v6/providers?from_id=${next}` : null } });
  });

  api('GET', '/providers/:code', (_req, p) => {
    const found = providers.find((x) => x.code === p['code']);
    return found ? reply(200, { data: providerJson(found) }) : error('ProviderNotFound', `Provider with code: '${p['code']}' was not found.`);
  });

  api('POST', '/customers', (req) => {
    const identifier = dataOf(req)['identifier'];
    if (typeof identifier !== 'string' || identifier === '') return error('WrongRequestFormat', 'identifier is required.');
    if ([...customers.values()].some((c) => c.identifier === identifier)) return error('DuplicatedCustomer', `Customer with identifier '${identifier}' already exists.`);
    const id = nextId();
    customers.set(id, { id, identifier });
    return reply(200, { data: { customer_id: id, identifier, created_at: now().toISOString() } });
  });

  function newSession(s: Omit<Session, 'expiresAt'>): SimReply {
    const token = `tok${nextId()}`;
    sessions.set(token, { ...s, expiresAt: now().getTime() + 60 * 60_000 });
    return reply(200, { data: { expires_at: new Date(now().getTime() + 60 * 60_000).toISOString(), connect_url: `${sim.baseUrl}/connect/${token}`, customer_id: s.customerId } });
  }

  function consentInput(d: Record<string, unknown>): { returnTo: string; fromDate: string; failed?: undefined } | { failed: SimReply } {
    const consent = d['consent'] as { scopes?: unknown; from_date?: unknown } | undefined;
    const attempt = d['attempt'] as { return_to?: unknown } | undefined;
    if (!consent || !Array.isArray(consent.scopes) || !consent.scopes.includes('transactions')) return { failed: error('WrongRequestFormat', 'consent.scopes must include accounts and transactions.') };
    if (typeof attempt?.return_to !== 'string') return { failed: error('WrongRequestFormat', 'attempt.return_to is required.') };
    const fromDate = typeof consent.from_date === 'string' ? consent.from_date : day(now().getTime() - 90 * DAY_MS);
    return { returnTo: attempt.return_to, fromDate };
  }

  api('POST', '/connections/connect', (req) => {
    const d = dataOf(req);
    const customerId = d['customer_id'];
    if (typeof customerId !== 'string' || !customers.has(customerId)) return error('CustomerNotFound', `Customer with id: '${String(customerId)}' was not found.`);
    const code = (d['provider'] as { code?: unknown } | undefined)?.code;
    const p = providers.find((x) => x.code === code);
    if (!p || p.status === 'disabled') return error('ProviderNotFound', `Provider with code: '${String(code)}' was not found.`);
    const input = consentInput(d);
    if (input.failed) return input.failed;
    return newSession({ customerId, providerCode: p.code, returnTo: input.returnTo, fromDate: input.fromDate });
  });

  api('POST', '/connections/:id/reconnect', (req, params) => {
    const c = connections.get(params['id']!);
    if (!c) return error('ConnectionNotFound', `Connection with id: '${params['id']}' was not found.`);
    const input = consentInput(dataOf(req));
    if (input.failed) return input.failed;
    return newSession({ customerId: c.customerId, providerCode: c.providerCode, connectionId: c.id, returnTo: input.returnTo, fromDate: input.fromDate });
  });

  // The consent page (a browser page, no API keys): accepting sends the user back.
  sim.on('GET', '/connect/:token', (_req, params): SimReply => {
    const s = sessions.get(params['token']!);
    if (!s || s.expiresAt < now().getTime()) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>This Salt Edge Connect session expired.</h1>' };
    sessions.delete(params['token']!);
    const to = new URL(s.returnTo);
    const failure = state.nextConsentFailure;
    if (failure) {
      state.nextConsentFailure = undefined;
      to.searchParams.set('error_class', failure.class);
      to.searchParams.set('error_message', failure.message);
      return { status: 302, headers: { location: to.toString(), 'content-type': 'text/html' }, body: '' };
    }
    let conn: SimConnection;
    if (s.connectionId && connections.has(s.connectionId)) {
      conn = connections.get(s.connectionId)!;
      const at = now();
      conn.status = 'active';
      delete conn.failWith;
      conn.consentId = nextId();
      conn.consentFromDate = s.fromDate;
      conn.consentExpiresAt = new Date(at.getTime() + consentDays * DAY_MS).toISOString();
    } else {
      conn = createConnection(s);
    }
    to.searchParams.set('connection_id', conn.id);
    return { status: 302, headers: { location: to.toString(), 'content-type': 'text/html' }, body: '' };
  });

  api('GET', '/connections/:id', (_req, params) => {
    const c = connections.get(params['id']!);
    return c ? reply(200, { data: connectionJson(c) }) : error('ConnectionNotFound', `Connection with id: '${params['id']}' was not found.`);
  });

  api('DELETE', '/connections/:id', (_req, params) => {
    const c = connections.get(params['id']!);
    if (!c) return error('ConnectionNotFound', `Connection with id: '${params['id']}' was not found.`);
    connections.delete(c.id);
    return reply(200, { data: { id: c.id, removed: true } });
  });

  api('GET', '/consents', (req) => {
    const c = connections.get(req.query.get('connection_id') ?? '');
    if (!c) return error('ConnectionNotFound', `Connection with id: '${req.query.get('connection_id') ?? ''}' was not found.`);
    const expired = now().getTime() >= Date.parse(c.consentExpiresAt);
    return reply(200, {
      data: [{ id: c.consentId, connection_id: c.id, customer_id: c.customerId, status: expired ? 'expired' : 'active', scopes: ['accounts', 'transactions'], from_date: c.consentFromDate, expires_at: c.consentExpiresAt }],
      meta: { next_id: null, next_page: null },
    });
  });

  api('POST', '/connections/:id/refresh', (req, params) => {
    const c = usable(params['id']!);
    if (isReply(c)) return c;
    const at = now();
    if (at.getTime() < Date.parse(c.nextRefreshPossibleAt)) {
      return error('ConnectionCannotBeRefreshed', `The connection cannot be refreshed before ${c.nextRefreshPossibleAt}.`);
    }
    const attempt = (dataOf(req)['attempt'] ?? {}) as { customer_last_logged_at?: unknown };
    const last = typeof attempt.customer_last_logged_at === 'string' ? Date.parse(attempt.customer_last_logged_at) : Number.NaN;
    const background = Number.isNaN(last) || at.getTime() - last > 60 * 60_000;
    if (background) {
      c.backgroundRefreshes = c.backgroundRefreshes.filter((x) => at.getTime() - Date.parse(x) < DAY_MS);
      if (c.backgroundRefreshes.length >= backgroundLimit) {
        const resetAt = new Date(Date.parse(c.backgroundRefreshes[0]!) + DAY_MS);
        return error('BackgroundFetchLimitExceeded', `Background fetch limit of ${backgroundLimit} per 24 hours exceeded.`, undefined, {
          'Retry-After': String(Math.ceil((resetAt.getTime() - at.getTime()) / 1000)),
        });
      }
      c.backgroundRefreshes.push(at.toISOString());
    }
    c.lastRefreshAt = at.toISOString();
    c.nextRefreshPossibleAt = new Date(at.getTime() + refreshMinutes * 60_000).toISOString();
    return reply(200, { data: connectionJson(c) });
  });

  api('GET', '/accounts', (req) => {
    const c = usable(req.query.get('connection_id'));
    if (isReply(c)) return c;
    const { rows, next } = page(c.accounts, (a) => a.id, req.query.get('from_id'));
    return reply(200, {
      data: rows.map((a) => ({
        id: a.id, connection_id: c.id, name: a.name, nature: 'account', balance: num(balance(a)), currency_code: a.currency,
        extra: { iban: a.iban, status: 'active' }, created_at: c.createdAt, updated_at: c.lastRefreshAt,
      })),
      meta: { next_id: next, next_page: null },
    });
  });

  api('GET', '/transactions', (req) => {
    const c = usable(req.query.get('connection_id'));
    if (isReply(c)) return c;
    const accountId = req.query.get('account_id');
    if (accountId !== null && !c.accounts.some((a) => a.id === accountId)) return error('AccountNotFound', `Account with id: '${accountId}' was not found.`);
    const pending = req.query.get('pending') === 'true';
    const rows = txs
      .filter((t) => c.accounts.some((a) => a.id === t.accountId) && (accountId === null || t.accountId === accountId))
      .filter((t) => t.status === (pending ? 'pending' : 'posted') && t.madeOn >= c.consentFromDate)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const { rows: out, next } = page(rows, (t) => t.id, req.query.get('from_id'));
    return reply(200, { data: out.map(txJson), meta: { next_id: next, next_page: null } });
  });

  const baseUrl = await sim.start();

  const connection = (id?: string): SimConnection => {
    const c = id ? connections.get(id) : [...connections.values()].at(-1);
    if (!c) throw new Error('no such simulated connection');
    return c;
  };

  return {
    sim,
    baseUrl,
    state,
    close: () => sim.close(),
    connection,
    connections,
    /** A connection made directly (as if the consent page was passed), for data tests. */
    seedConnection(providerCode = SANDBOX_PROVIDER): SimConnection {
      const customer = { id: nextId(), identifier: `seed-${idNo}` };
      customers.set(customer.id, customer);
      return createConnection({ customerId: customer.id, providerCode, returnTo: 'http://127.0.0.1/', fromDate: day(now().getTime() - 365 * DAY_MS), expiresAt: 0 });
    },
    /** The bank's booked balance of an account, as decimal text. */
    balance(accountId: string): string {
      for (const c of connections.values()) {
        const a = c.accounts.find((x) => x.id === accountId);
        if (a) return decimal(balance(a));
      }
      throw new Error(`no account ${accountId}`);
    },
    transactions(accountId: string, status: 'posted' | 'pending' = 'posted'): SimTx[] {
      return txs.filter((t) => t.accountId === accountId && t.status === status);
    },
    /** Every pending transaction of the account posts today under a NEW id (no link, as Salt Edge does). */
    postPending(accountId: string): SimTx[] {
      const posted: SimTx[] = [];
      for (const t of txs.filter((x) => x.accountId === accountId && x.status === 'pending')) {
        txs.splice(txs.indexOf(t), 1);
        const n: SimTx = { ...t, id: nextId(), status: 'posted', madeOn: day(now().getTime()), description: t.description.replace(' (pending)', ''), bankId: `B${idNo}` };
        txs.push(n);
        posted.push(n);
      }
      return posted;
    },
    /** A new posted transaction today. */
    addPosted(accountId: string, amount: number, description = 'Transfer'): SimTx {
      const a = connection().accounts.find((x) => x.id === accountId) ?? [...connections.values()].flatMap((c) => c.accounts).find((x) => x.id === accountId);
      if (!a) throw new Error(`no account ${accountId}`);
      const tx: SimTx = { id: nextId(), accountId, madeOn: day(now().getTime()), amount, currency: a.currency, description, status: 'posted', bankId: `B${idNo}` };
      txs.push(tx);
      return tx;
    },
    /** A new pending transaction today. */
    addPending(accountId: string, amount: number, description = 'Card payment (pending)'): SimTx {
      const tx = this.addPosted(accountId, amount, description);
      tx.status = 'pending';
      return tx;
    },
    fail(connectionId: string, cls: string, message = `${cls} (simulated)`): void {
      connection(connectionId).failWith = { class: cls, message, status: ERROR_STATUS[cls] ?? 400 };
    },
    clearFailure(connectionId: string): void {
      delete connection(connectionId).failWith;
    },
    errorBody(cls: string, message = `${cls} (simulated)`) {
      return { error: { class: cls, message } };
    },
  };
}

export type SaltEdgeSim = Awaited<ReturnType<typeof startSaltEdgeSimulator>>;
