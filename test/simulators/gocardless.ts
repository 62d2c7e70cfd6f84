// A GoCardless Bank Account Data (ex-Nordigen) simulator: app tokens from secret id / key,
// institutions (transaction_total_days as a string), end-user agreements, requisitions with a
// bank page that redirects to `redirect` with `?ref=<reference>`, accounts with details and
// balances, date-window transactions {booked, pending}, per-account daily rate limits with the
// HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_* headers, expired agreements and requisition statuses, and
// the `{summary, detail, status_code}` error bodies. Every answer carries an X-Request-Id.
import { randomUUID } from 'node:crypto';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';

export const GCL_SECRET_ID = 'sim-secret-id-0123';
export const GCL_SECRET_KEY = 'sim-secret-key-4567';
export const GCL_INSTITUTION = 'SANDBOXFINANCE_SFIN0000';
export const GCL_ACCOUNT = '7e944232-bda9-40bc-b784-660c7ab5fe78';
export const GCL_IBAN = 'BE68539007547034';
export const GCL_HISTORY_DAYS = 240;
const DAY_MS = 86_400_000;

export interface SimTransaction {
  transactionId?: string;
  internalTransactionId?: string;
  entryReference?: string;
  bookingDate?: string;
  valueDate: string;
  /** Minor units, signed (negative = money out). */
  minor: number;
  currency?: string;
  creditorName?: string;
  debtorName?: string;
  remittance?: string;
  remittanceArray?: string[];
  fx?: { sourceCurrency: string; exchangeRate: string; instructedMinor: number };
}

interface Requisition {
  id: string;
  created: string;
  status: string;
  institution_id: string;
  agreement: string;
  reference: string;
  redirect: string;
  accounts: string[];
  user_language: string;
}

interface Agreement {
  id: string;
  created: string;
  institution_id: string;
  max_historical_days: number;
  access_valid_for_days: number;
  access_scope: string[];
  accepted: string | null;
}

export interface GoCardlessSimOptions {
  now?: () => Date;
  seed?: number;
  /** Requests allowed per account, per endpoint, per day (GoCardless: often 4). Default 1000. */
  dailyLimit?: number;
  /** Days of history generated before `now` (the account opens that day with a zero balance). */
  historyDays?: number;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function err(status: number, summary: string, detail: string): SimReply {
  return { status, body: { summary, detail, status_code: status } };
}

export async function startGoCardlessSimulator(opts: GoCardlessSimOptions = {}) {
  const now = opts.now ?? (() => new Date());
  const sim = new Simulator('/api/v2');
  const rand = prng(opts.seed ?? 7);
  let dailyLimit = opts.dailyLimit ?? 1000;
  let requestNo = 0;

  const access = new Map<string, number>(); // token -> expiry ms
  const refresh = new Map<string, number>();
  const agreements = new Map<string, Agreement>();
  const requisitions = new Map<string, Requisition>();
  /** Per account: endpoint -> list of request times (ms) within the last day. */
  const usage = new Map<string, number[]>();
  let nextConsentError: { error: string; details: string } | null = null;

  const institutions = [
    { id: GCL_INSTITUTION, name: 'Sandbox Finance', bic: 'SFIN0000', transaction_total_days: String(GCL_HISTORY_DAYS), max_access_valid_for_days: '180', countries: ['XX'], logo: 'https://cdn.example/sandbox.png' },
    { id: 'KBC_KREDBEBB', name: 'KBC', bic: 'KREDBEBB', transaction_total_days: '540', max_access_valid_for_days: '90', countries: ['BE'], logo: 'https://cdn.example/kbc.png' },
    { id: 'ING_INGBBEBB', name: 'ING Belgium', bic: 'BBRUBEBB', transaction_total_days: '730', max_access_valid_for_days: '180', countries: ['BE', 'NL'], logo: 'https://cdn.example/ing.png' },
  ];

  // ---- The account's history: deterministic, from a zero balance `historyDays` ago. ----
  const account = {
    id: GCL_ACCOUNT, iban: GCL_IBAN, currency: 'EUR', name: 'Main Account', ownerName: 'Jane Doe',
    booked: [] as SimTransaction[], pending: [] as SimTransaction[],
  };
  const historyDays = opts.historyDays ?? 200;
  const start = Date.parse(isoDay(now().getTime())) - historyDays * DAY_MS;
  let serial = 0;
  const ids = (k: 'all' | 'internal' | 'entry' | 'none' | 'tx') => {
    serial++;
    const n = String(serial).padStart(5, '0');
    if (k === 'none') return {};
    if (k === 'internal') return { internalTransactionId: `int-${n}-${Math.floor(rand() * 1e6)}` };
    if (k === 'entry') return { entryReference: `ER${n}` };
    if (k === 'tx') return { transactionId: `TX${n}` };
    return { transactionId: `TX${n}`, internalTransactionId: `int-${n}`, entryReference: `ER${n}` };
  };
  const merchants = ['Delhaize', 'Colruyt', 'Shell', 'NMBS', 'Proximus', 'Bol.com', 'Café Central', 'Fnac'];
  for (let d = 1; d < historyDays; d++) {
    const ms = start + d * DAY_MS;
    const day = isoDay(ms);
    const dom = new Date(ms).getUTCDate();
    if (dom === 1) account.booked.push({ ...ids('all'), bookingDate: day, valueDate: day, minor: 320000, debtorName: 'Acme SA', remittance: 'Salary' });
    if (dom === 3) account.booked.push({ ...ids('all'), bookingDate: day, valueDate: day, minor: -125000, creditorName: 'Immo Verhuur', remittanceArray: ['Rent', day.slice(0, 7)] });
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const r = rand();
      const kind = r < 0.6 ? 'all' : r < 0.75 ? 'internal' : r < 0.85 ? 'entry' : r < 0.95 ? 'tx' : 'none';
      const minor = -(100 + Math.floor(rand() * 12000));
      const merchant = merchants[Math.floor(rand() * merchants.length)]!;
      // Id-less transactions get a unique text so that no two of them collide.
      account.booked.push({ ...ids(kind), bookingDate: day, valueDate: day, minor, creditorName: merchant, remittance: `Card payment ${merchant} ${kind === 'none' ? `#${serial}` : ''}`.trim() });
    }
    if (dom === 15) {
      account.booked.push({ ...ids('all'), bookingDate: day, valueDate: day, minor: -4321, creditorName: 'Amazon US', remittance: 'USD purchase',
        fx: { sourceCurrency: 'USD', exchangeRate: '1.0850', instructedMinor: 4688 } });
    }
  }
  const today = isoDay(now().getTime());
  const yesterday = isoDay(now().getTime() - DAY_MS);
  account.pending.push(
    { internalTransactionId: 'pend-a-1', valueDate: yesterday, minor: -4250, creditorName: 'Bakery Bruxelles', remittance: 'Card payment Bakery' },
    { valueDate: today, minor: -1999, creditorName: 'Netflix', remittance: 'Subscription' },
  );

  const txJson = (t: SimTransaction, status: 'booked' | 'pending') => {
    const o: Record<string, unknown> = {};
    if (t.transactionId) o['transactionId'] = t.transactionId;
    if (t.internalTransactionId) o['internalTransactionId'] = t.internalTransactionId;
    if (t.entryReference) o['entryReference'] = t.entryReference;
    if (status === 'booked' && t.bookingDate) o['bookingDate'] = t.bookingDate;
    o['valueDate'] = t.valueDate;
    o['transactionAmount'] = { amount: decimal(t.minor), currency: t.currency ?? account.currency };
    if (t.fx) o['currencyExchange'] = { sourceCurrency: t.fx.sourceCurrency, exchangeRate: t.fx.exchangeRate, targetCurrency: account.currency, instructedAmount: { amount: decimal(t.fx.instructedMinor), currency: t.fx.sourceCurrency } };
    if (t.creditorName) o['creditorName'] = t.creditorName;
    if (t.debtorName) o['debtorName'] = t.debtorName;
    if (t.remittance) o['remittanceInformationUnstructured'] = t.remittance;
    if (t.remittanceArray) o['remittanceInformationUnstructuredArray'] = t.remittanceArray;
    o['bankTransactionCode'] = 'PMNT';
    return o;
  };

  const bookedMinor = () => account.booked.reduce((s, t) => s + t.minor, 0);
  const pendingMinor = () => account.pending.reduce((s, t) => s + t.minor, 0);

  // ---- Auth and common checks ----
  const authorized = (req: SimRequest): SimReply | null => {
    const m = /^Bearer (.+)$/.exec(String(req.headers['authorization'] ?? ''));
    const exp = m ? access.get(m[1]!) : undefined;
    if (exp === undefined || exp <= now().getTime()) return err(401, 'Invalid token', 'Token is invalid or expired');
    return null;
  };
  /** The requisition holding an account, if it is usable; else the error GoCardless gives. */
  const accountGate = (req: SimRequest, accountId: string, endpoint: string): { reply: SimReply } | { headers: Record<string, string> } => {
    const denied = authorized(req);
    if (denied) return { reply: denied };
    if (accountId !== account.id) return { reply: err(404, 'Not found.', 'Not found.') };
    const owner = [...requisitions.values()].find((r) => r.accounts.includes(accountId));
    if (!owner) return { reply: err(403, 'Access to account forbidden', 'The user has not given access to this account, or it was revoked.') };
    const ag = agreements.get(owner.agreement)!;
    const t = now().getTime();
    if (owner.status === 'EX' || (ag.accepted && Date.parse(ag.accepted) + ag.access_valid_for_days * DAY_MS <= t)) {
      const until = ag.accepted ? new Date(Date.parse(ag.accepted) + ag.access_valid_for_days * DAY_MS).toISOString() : 'unknown';
      return { reply: err(401, `End User Agreement (EUA) ${ag.id} has expired`, `EUA was valid for ${ag.access_valid_for_days} days and it expired at ${until}. The end user must be re-authenticated with the bank.`) };
    }
    if (owner.status === 'SU') return { reply: err(409, 'Account state does not support this operation', 'The requisition was suspended.') };
    // The per-account, per-endpoint daily budget.
    const key = `${accountId}:${endpoint}`;
    const used = (usage.get(key) ?? []).filter((x) => x > t - DAY_MS);
    const reset = used.length ? Math.ceil((used[0]! + DAY_MS - t) / 1000) : 86_400;
    if (used.length >= dailyLimit) {
      usage.set(key, used);
      return {
        reply: {
          ...err(429, 'Rate limit exceeded', `The rate limit for this resource is ${dailyLimit}/day. Please try again in ${reset} seconds`),
          headers: { HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_LIMIT: String(dailyLimit), HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING: '0', HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET: String(reset) },
        },
      };
    }
    used.push(t);
    usage.set(key, used);
    return {
      headers: {
        HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_LIMIT: String(dailyLimit),
        HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING: String(dailyLimit - used.length),
        HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET: String(Math.ceil((used[0]! + DAY_MS - t) / 1000)),
      },
    };
  };

  /** Wraps a handler so that every answer carries a request id. */
  const on = (method: string, path: string, h: (req: SimRequest, p: Record<string, string>) => SimReply) => {
    sim.on(method, path, (req, p) => {
      const reply = h(req, p);
      return { ...reply, headers: { 'X-Request-Id': `gcl-req-${++requestNo}`, ...reply.headers } };
    });
  };

  on('POST', '/token/new', (req) => {
    const b = (req.json ?? {}) as { secret_id?: string; secret_key?: string };
    if (b.secret_id !== GCL_SECRET_ID || b.secret_key !== GCL_SECRET_KEY) {
      return err(401, 'Authentication failed', 'No active account found with the given credentials');
    }
    const a = `acc-${randomUUID()}`;
    const r = `ref-${randomUUID()}`;
    access.set(a, now().getTime() + 86_400_000);
    refresh.set(r, now().getTime() + 2_592_000_000);
    return { body: { access: a, access_expires: 86400, refresh: r, refresh_expires: 2592000 } };
  });

  on('POST', '/token/refresh', (req) => {
    const r = (req.json as { refresh?: string } | undefined)?.refresh ?? '';
    const exp = refresh.get(r);
    if (exp === undefined || exp <= now().getTime()) return err(401, 'Invalid token', 'Token is invalid or expired');
    const a = `acc-${randomUUID()}`;
    access.set(a, now().getTime() + 86_400_000);
    return { body: { access: a, access_expires: 86400 } };
  });

  on('GET', '/institutions', (req) => {
    const denied = authorized(req);
    if (denied) return denied;
    const c = req.query.get('country');
    return { body: institutions.filter((i) => !c || i.countries.includes(c.toUpperCase())) };
  });
  on('GET', '/institutions/:id', (req, p) => {
    const denied = authorized(req);
    if (denied) return denied;
    const i = institutions.find((x) => x.id === p['id']);
    return i ? { body: i } : err(404, 'Not found.', 'Not found.');
  });

  on('POST', '/agreements/enduser', (req) => {
    const denied = authorized(req);
    if (denied) return denied;
    const b = (req.json ?? {}) as Partial<Agreement>;
    const inst = institutions.find((x) => x.id === b.institution_id);
    if (!inst) return { status: 400, body: { institution_id: { summary: 'Unknown Institution ID', detail: `Get Institution IDs from /institutions/?country={$COUNTRY_CODE}` }, status_code: 400 } };
    if (typeof b.max_historical_days !== 'number' || b.max_historical_days > Number(inst.transaction_total_days)) {
      return { status: 400, body: { max_historical_days: { summary: 'Incorrect max_historical_days', detail: `max_historical_days must be > 0 and <= ${inst.transaction_total_days} for ${inst.id}` }, status_code: 400 } };
    }
    if (typeof b.access_valid_for_days !== 'number' || b.access_valid_for_days < 1 || b.access_valid_for_days > Number(inst.max_access_valid_for_days)) {
      return { status: 400, body: { access_valid_for_days: { summary: 'Incorrect access_valid_for_days', detail: `access_valid_for_days must be > 0 and <= ${inst.max_access_valid_for_days}` }, status_code: 400 } };
    }
    const a: Agreement = {
      id: randomUUID(), created: now().toISOString(), institution_id: inst.id, max_historical_days: b.max_historical_days,
      access_valid_for_days: b.access_valid_for_days, access_scope: b.access_scope ?? ['balances', 'details', 'transactions'], accepted: null,
    };
    agreements.set(a.id, a);
    return { status: 201, body: a };
  });
  on('GET', '/agreements/enduser/:id', (req, p) => {
    const denied = authorized(req);
    if (denied) return denied;
    const a = agreements.get(p['id']!);
    return a ? { body: a } : err(404, 'Not found.', 'Not found.');
  });

  on('POST', '/requisitions', (req) => {
    const denied = authorized(req);
    if (denied) return denied;
    const b = (req.json ?? {}) as Partial<Requisition>;
    const ag = b.agreement ? agreements.get(b.agreement) : undefined;
    if (!b.redirect || !b.institution_id) return { status: 400, body: { redirect: ['This field is required.'], status_code: 400 } };
    if (b.agreement && !ag) return err(400, 'Unknown agreement', 'The agreement does not exist.');
    if (b.reference && [...requisitions.values()].some((r) => r.reference === b.reference)) {
      return { status: 400, body: { reference: { summary: 'Client reference must be unique', detail: `Client reference '${b.reference}' already exists` }, status_code: 400 } };
    }
    const r: Requisition = {
      id: randomUUID(), created: now().toISOString(), status: 'CR', institution_id: b.institution_id, agreement: ag?.id ?? '',
      reference: b.reference ?? randomUUID(), redirect: b.redirect, accounts: [], user_language: b.user_language ?? 'EN',
    };
    requisitions.set(r.id, r);
    return { status: 201, body: { ...r, link: `${sim.baseUrl}/sim-bank/${r.id}` } };
  });
  on('GET', '/requisitions/:id', (req, p) => {
    const denied = authorized(req);
    if (denied) return denied;
    const r = requisitions.get(p['id']!);
    return r ? { body: { ...r, link: `${sim.baseUrl}/sim-bank/${r.id}` } } : err(404, 'Not found.', 'Not found.');
  });
  on('DELETE', '/requisitions/:id', (req, p) => {
    const denied = authorized(req);
    if (denied) return denied;
    const r = requisitions.get(p['id']!);
    if (!r) return err(404, 'Not found.', 'Not found.');
    requisitions.delete(r.id);
    agreements.delete(r.agreement);
    return { body: { summary: 'Requisition deleted', detail: `Requisition ${r.id} deleted with all its End User Agreements` } };
  });

  // The bank's consent page: the user agrees, the bank sends them back with ?ref=<reference>.
  on('GET', '/sim-bank/:id', (_req, p): SimReply => {
    const r = requisitions.get(p['id']!);
    if (!r) return { status: 404, body: '<html>Unknown requisition</html>', headers: { 'content-type': 'text/html' } };
    const to = new URL(r.redirect);
    to.searchParams.set('ref', r.reference);
    if (nextConsentError) {
      r.status = 'RJ';
      to.searchParams.set('error', nextConsentError.error);
      to.searchParams.set('details', nextConsentError.details);
      nextConsentError = null;
    } else {
      r.status = 'LN';
      r.accounts = [account.id];
      const ag = agreements.get(r.agreement);
      if (ag) ag.accepted = now().toISOString();
    }
    return { status: 302, headers: { location: to.toString(), 'content-type': 'text/html' }, body: '' };
  });

  on('GET', '/accounts/:id/details', (req, p) => {
    const g = accountGate(req, p['id']!, 'details');
    if ('reply' in g) return g.reply;
    return { headers: g.headers, body: { account: { resourceId: 'res-1', iban: account.iban, currency: account.currency, ownerName: account.ownerName, name: account.name, product: 'Current', cashAccountType: 'CACC' } } };
  });
  on('GET', '/accounts/:id/balances', (req, p) => {
    const g = accountGate(req, p['id']!, 'balances');
    if ('reply' in g) return g.reply;
    return {
      headers: g.headers,
      body: { balances: [
        { balanceAmount: { amount: decimal(bookedMinor() + pendingMinor()), currency: account.currency }, balanceType: 'interimAvailable', referenceDate: isoDay(now().getTime()) },
        { balanceAmount: { amount: decimal(bookedMinor()), currency: account.currency }, balanceType: 'closingBooked', referenceDate: isoDay(now().getTime()) },
      ] },
    };
  });
  on('GET', '/accounts/:id/transactions', (req, p) => {
    const g = accountGate(req, p['id']!, 'transactions');
    if ('reply' in g) return g.reply;
    const owner = [...requisitions.values()].find((r) => r.accounts.includes(account.id))!;
    const maxDays = agreements.get(owner.agreement)!.max_historical_days;
    const oldest = isoDay(now().getTime() - maxDays * DAY_MS);
    const from = [req.query.get('date_from') ?? oldest, oldest].sort()[1]!;
    const to = req.query.get('date_to') ?? '9999-12-31';
    const booked = account.booked.filter((t) => t.bookingDate! >= from && t.bookingDate! <= to);
    return {
      headers: g.headers,
      body: { transactions: { booked: booked.map((t) => txJson(t, 'booked')), pending: account.pending.map((t) => txJson(t, 'pending')) } },
    };
  });

  const baseUrl = await sim.start();

  return {
    sim,
    baseUrl,
    close: () => sim.close(),
    account,
    requisitions,
    agreements,
    /** Closing booked balance as decimal text. */
    balance: () => decimal(bookedMinor()),
    /** A connection made without the consent pages (for sync tests): returns the requisition id. */
    linkedRequisition(o: { accessDays?: number; historyDays?: number } = {}): string {
      const ag: Agreement = {
        id: randomUUID(), created: now().toISOString(), institution_id: GCL_INSTITUTION, max_historical_days: o.historyDays ?? GCL_HISTORY_DAYS,
        access_valid_for_days: o.accessDays ?? 90, access_scope: ['balances', 'details', 'transactions'], accepted: now().toISOString(),
      };
      agreements.set(ag.id, ag);
      const r: Requisition = {
        id: randomUUID(), created: now().toISOString(), status: 'LN', institution_id: GCL_INSTITUTION, agreement: ag.id,
        reference: randomUUID(), redirect: 'http://127.0.0.1/cb', accounts: [account.id], user_language: 'EN',
      };
      requisitions.set(r.id, r);
      return r.id;
    },
    setRequisitionStatus(id: string, status: string): void {
      requisitions.get(id)!.status = status;
    },
    /** Moves the agreement's acceptance far enough back that it has expired. */
    expireAgreement(requisitionId: string): void {
      const ag = agreements.get(requisitions.get(requisitionId)!.agreement)!;
      ag.accepted = new Date(now().getTime() - (ag.access_valid_for_days + 1) * DAY_MS).toISOString();
    },
    /** Every access token dies (the client must renew it with its refresh token). */
    expireAccessTokens(): void {
      access.clear();
    },
    setDailyLimit(n: number): void {
      dailyLimit = n;
    },
    /** The next consent page answers with an error (the user cancelled at the bank). */
    failNextConsent(error = 'UserCancelledSession', details = 'User cancelled the session.'): void {
      nextConsentError = { error, details };
    },
    /** A pending transaction posts: it leaves the pending list and is booked today under NEW ids. */
    postPending(index = 0): SimTransaction {
      const [p] = account.pending.splice(index, 1);
      if (!p) throw new Error('no pending transaction');
      const day = isoDay(now().getTime());
      const { internalTransactionId: _i, transactionId: _t, entryReference: _e, ...rest } = p;
      const posted: SimTransaction = { ...rest, ...ids('all'), bookingDate: day, valueDate: p.valueDate };
      account.booked.push(posted);
      return posted;
    },
    addBooked(t: SimTransaction): void {
      account.booked.push(t);
    },
  };
}

export type GoCardlessSim = Awaited<ReturnType<typeof startGoCardlessSimulator>>;
