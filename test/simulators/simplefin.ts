// A SimpleFIN Bridge on 127.0.0.1: Setup Tokens (base64 of a claim URL) claimed once for an
// Access URL with Basic credentials, `GET /simplefin/accounts` with its query parameters
// (start-date, end-date ≤ 90 days apart, pending, account, balances-only), two USD accounts
// with about seven months of seeded history and a known balance, pending lines that post
// later under new ids (SimpleFIN gives no link), errors[] / errlist[] injection and revocation.
import { randomBytes } from 'node:crypto';
import { Simulator, decimal, type SimRequest, type SimReply } from './base';
import { mulberry32 as prng } from './base';

const DAY = 86_400;
export const MAX_RANGE_SECONDS = 90 * DAY;

export interface SimAccount {
  id: string;
  name: string;
  currency: string;
  org: { name: string; domain: string; 'sfin-url': string };
  /** Balance before the first generated transaction, in cents. */
  openingMinor: number;
}

export interface SimTx {
  accountId: string;
  id: string;
  /** Unix seconds; 0 while pending. */
  posted: number;
  transactedAt: number;
  amountMinor: number;
  description: string;
  payee: string;
  memo: string;
}

export interface SimErrItem {
  code: string;
  msg: string;
  account_id?: string;
  conn_id?: string;
}


const SHOPS = ['Whole Foods', 'Shell', 'Amazon', 'Starbucks', 'Target', 'Costco', 'Uber', 'Home Depot', 'CVS Pharmacy', 'Netflix', 'Trader Joe\'s', 'Chipotle'];

export async function startSimpleFinSimulator(opts: {
  now?: () => Date;
  seed?: number;
  /** Days of history before now. */
  historyDays?: number;
  /** Requests to /accounts allowed per UTC day (then 429); unlimited by default. */
  dailyLimit?: number;
} = {}) {
  const now = opts.now ?? (() => new Date());
  const nowSec = () => Math.floor(now().getTime() / 1000);
  const rand = prng(opts.seed ?? 20260115);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const org = { name: 'Example Bank', domain: 'examplebank.com', 'sfin-url': 'https://beta-bridge.simplefin.org/simplefin' };
  const accounts: SimAccount[] = [
    { id: 'ACT-5d9a1c2e-checking', name: 'Everyday Checking', currency: 'USD', org, openingMinor: 250_000 },
    { id: 'ACT-77b03f41-savings', name: 'High Yield Savings', currency: 'USD', org, openingMinor: 1_000_000 },
  ];
  const [checking, savings] = accounts as [SimAccount, SimAccount];
  const txs: SimTx[] = [];
  let seq = 0;
  const newId = (prefix: string) => `${prefix}-${(++seq).toString(36).padStart(5, '0')}-${Math.floor(rand() * 1e9).toString(36)}`;

  // History: every day of the last historyDays, posted late morning New York time.
  const historyDays = opts.historyDays ?? 210;
  const today0 = Math.floor(nowSec() / DAY) * DAY;
  for (let d = historyDays; d >= 1; d--) {
    const day = today0 - d * DAY;
    const date = new Date(day * 1000);
    const at = (i: number) => day + 16 * 3600 + i * 600;
    let i = 0;
    const add = (acc: SimAccount, amountMinor: number, description: string, payee: string, memo = '') => {
      const t = at(i++);
      txs.push({ accountId: acc.id, id: newId('TRN'), posted: t, transactedAt: t - int(0, 2) * DAY, amountMinor, description, payee, memo });
    };
    const n = int(0, 3);
    for (let k = 0; k < n; k++) {
      const shop = SHOPS[int(0, SHOPS.length - 1)]!;
      add(checking, -int(350, 15_000), `POS PURCHASE ${shop.toUpperCase()}`, shop);
    }
    if (date.getUTCDay() === 5 && Math.floor(d / 7) % 2 === 0) add(checking, 245_000, 'ACME CORP PAYROLL DIRECT DEP', 'Acme Corp', 'PPD ID: 1234567890');
    if (date.getUTCDate() === 1) {
      add(checking, -180_000, 'RENT PAYMENT ONLINE', 'Oak Street Properties');
      add(checking, -50_000, 'TRANSFER TO SAVINGS', 'High Yield Savings');
      add(savings, 50_000, 'TRANSFER FROM CHECKING', 'Everyday Checking');
    }
    if (date.getUTCDate() === 28) add(savings, int(2_500, 4_200), 'INTEREST PAYMENT', 'Example Bank');
  }
  // Pending today and yesterday: they post later under new ids, without a link.
  const addPending = (acc: SimAccount, amountMinor: number, description: string, payee: string, transactedAt: number) => {
    txs.push({ accountId: acc.id, id: newId('PND'), posted: 0, transactedAt, amountMinor, description, payee, memo: '' });
  };
  addPending(checking, -4_512, 'POS PURCHASE STARBUCKS', 'Starbucks', today0 - DAY + 15 * 3600);
  addPending(checking, -12_999, 'POS PURCHASE TARGET', 'Target', today0 - DAY + 20 * 3600);

  // Access: claim tokens and issued credentials.
  const claims = new Map<string, 'open' | 'claimed'>();
  const creds = new Map<string, { pass: string; revoked: boolean }>();
  const state = {
    errors: [] as string[],
    errlist: [] as SimErrItem[],
    currency: new Map<string, string>(),
    requests: new Map<string, number>(),
    reqSeq: 0,
  };

  const sim = new Simulator();
  const rid = () => `sfin-req-${(++state.reqSeq).toString().padStart(6, '0')}`;
  const plain = (status: number, body: string): SimReply => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-request-id': rid() }, body });

  sim.on('POST', '/claim/:token', (_req, p) => {
    const c = claims.get(p.token!);
    if (c !== 'open') return plain(403, 'Forbidden');
    claims.set(p.token!, 'claimed');
    const user = `u${randomBytes(8).toString('hex')}`;
    const pass = randomBytes(16).toString('hex');
    creds.set(user, { pass, revoked: false });
    const base = new URL(sim.baseUrl);
    return plain(200, `http://${user}:${pass}@${base.host}/simplefin`);
  });

  const authorized = (req: SimRequest): string | undefined => {
    const h = req.headers.authorization ?? '';
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(h);
    if (!m) return undefined;
    const [user, pass] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
    const c = creds.get(user ?? '');
    return c && !c.revoked && c.pass === pass ? user : undefined;
  };

  sim.on('GET', '/simplefin/info', () => ({ body: { versions: ['1.0', '2.0'] } }));

  sim.on('GET', '/simplefin/accounts', (req) => {
    const user = authorized(req);
    if (!user) return plain(403, 'Forbidden');
    if (opts.dailyLimit !== undefined) {
      const key = `${user}:${Math.floor(nowSec() / DAY)}`;
      const n = (state.requests.get(key) ?? 0) + 1;
      state.requests.set(key, n);
      if (n > opts.dailyLimit) {
        const r = plain(429, 'Too many requests: the daily request limit of this access token was reached.');
        r.headers!['retry-after'] = String((Math.floor(nowSec() / DAY) + 1) * DAY - nowSec());
        return r;
      }
    }
    const q = req.query;
    const end = q.has('end-date') ? Number(q.get('end-date')) : nowSec() + DAY;
    const start = q.has('start-date') ? Number(q.get('start-date')) : end - 30 * DAY;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start > end) return plain(400, 'Invalid start-date or end-date');
    if (end - start > MAX_RANGE_SECONDS) return plain(400, 'The range from start-date to end-date must not exceed 90 days');
    const wanted = q.getAll('account');
    const balancesOnly = q.get('balances-only') === '1';
    const withPending = q.get('pending') === '1';
    const list = accounts.filter((a) => wanted.length === 0 || wanted.includes(a.id)).map((a) => ({
      org: a.org,
      id: a.id,
      name: a.name,
      currency: state.currency.get(a.id) ?? a.currency,
      balance: balanceOf(a.id),
      'available-balance': balanceOf(a.id, true),
      'balance-date': nowSec(),
      ...(balancesOnly ? {} : {
        transactions: txs
          .filter((t) => t.accountId === a.id && (t.posted > 0 ? t.posted >= start && t.posted < end : withPending && t.transactedAt >= start && t.transactedAt < end))
          .map((t) => ({
            id: t.id, posted: t.posted, amount: decimal(t.amountMinor), description: t.description, payee: t.payee, memo: t.memo,
            transacted_at: t.transactedAt, ...(t.posted === 0 ? { pending: true } : {}),
          })),
        holdings: [],
      }),
    }));
    return { headers: { 'x-request-id': rid() }, body: { errors: state.errors, ...(state.errlist.length ? { errlist: state.errlist } : {}), accounts: list } };
  });

  const balanceOf = (accountId: string, withPending = false): string => {
    const acc = accounts.find((a) => a.id === accountId)!;
    let sum = acc.openingMinor;
    for (const t of txs) if (t.accountId === accountId && (t.posted > 0 || withPending)) sum += t.amountMinor;
    return decimal(sum);
  };

  const baseUrl = await sim.start();

  return {
    sim,
    baseUrl,
    accounts,
    transactions: txs,
    close: () => sim.close(),
    /** A new Setup Token: base64 of a claim URL on this simulator. */
    setupToken(): string {
      const token = randomBytes(12).toString('hex');
      claims.set(token, 'open');
      return Buffer.from(`${baseUrl}/claim/${token}`, 'utf8').toString('base64');
    },
    /** The balance of an account (posted only), as the Bridge reports it. */
    balance: (accountId: string) => balanceOf(accountId),
    openingBalance: (accountId: string) => decimal(accounts.find((a) => a.id === accountId)!.openingMinor),
    posted: (accountId: string) => txs.filter((t) => t.accountId === accountId && t.posted > 0),
    pendingOf: (accountId: string) => txs.filter((t) => t.accountId === accountId && t.posted === 0),
    /** Every pending transaction posts now under a new id (no link, as SimpleFIN does). */
    postPending(): { from: string; to: string }[] {
      const moved: { from: string; to: string }[] = [];
      for (const t of txs) {
        if (t.posted !== 0) continue;
        const fresh = newId('TRN');
        moved.push({ from: t.id, to: fresh });
        t.id = fresh;
        t.posted = nowSec();
      }
      return moved;
    },
    /** A new posted transaction now. */
    addPosted(accountId: string, amountMinor: number, description: string, payee = ''): SimTx {
      const t: SimTx = { accountId, id: newId('TRN'), posted: nowSec(), transactedAt: nowSec(), amountMinor, description, payee, memo: '' };
      txs.push(t);
      return t;
    },
    addPending(accountId: string, amountMinor: number, description: string, payee = ''): SimTx {
      const acc = accounts.find((a) => a.id === accountId)!;
      addPending(acc, amountMinor, description, payee, nowSec());
      return txs.at(-1)!;
    },
    setErrors(errors: string[], errlist: SimErrItem[] = []): void {
      state.errors = errors;
      state.errlist = errlist;
    },
    setCurrency(accountId: string, currency: string): void {
      state.currency.set(accountId, currency);
    },
    /** The user revokes every app's access on the Bridge. */
    revokeAll(): void {
      for (const c of creds.values()) c.revoked = true;
    },
    /** The /accounts requests received. */
    accountRequests: () => sim.log.filter((r) => r.path === '/simplefin/accounts'),
  };
}

export type SimpleFinSimulator = Awaited<ReturnType<typeof startSimpleFinSimulator>>;
