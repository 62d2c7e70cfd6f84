// A Yodlee API 1.1 simulator (client-credential auth) on 127.0.0.1, behaving as the docs say:
// `POST /auth/token` per login name, `Api-Version: 1.1` required, bearer tokens that expire
// (Y008), `{errorCode, errorMessage, referenceCode}` error bodies, `GET /providers` with
// skip/top, user registration, provider accounts with status / dataset[].additionalStatus /
// updateEligibility, refresh with a minimum interval (429 + Retry-After), accounts with
// CONTAINER and `balance` (a card's balance is what is owed), transactions by date window with
// skip/top (top ≤ 500; `{}` when empty; newest first), unsigned amounts with baseType, pending
// lines that post under NEW ids with no link, and a FastLink-like page that redirects to the
// caller's `redirect` with `providerAccountId`, `status` and `state` (see the client's header).
import { randomBytes } from 'node:crypto';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';
import { mulberry32 as prng } from './base';

export const SIM_CLIENT_ID = 'sim-client-id';
export const SIM_SECRET = 'sim-secret';
export const SIM_ADMIN = 'sim-admin-login';
/** Yodlee sandbox-style test login for the FastLink page. */
export const SIM_SITE_PASSWORD = 'site16441.2';
export const SIM_PROVIDER_ID = '16441';
const DAY_MS = 86_400_000;

/** A decimal written as a bare JSON number, exactly as given. */
class RawNumber {
  constructor(readonly text: string) {}
}

function toJson(v: unknown): string {
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}


function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface SimTransaction {
  id: number;
  accountId: number;
  /** Unsigned minor units. */
  minor: number;
  baseType: 'CREDIT' | 'DEBIT';
  date: string;
  status: 'POSTED' | 'PENDING' | 'SCHEDULED';
  description: string;
  merchant?: string;
}

export interface SimAccount {
  id: number;
  providerAccountId: number;
  name: string;
  container: 'bank' | 'creditCard';
  number: string;
  currency: string;
  /** Balance before the first transaction, in the ledger's sign (money in +). */
  openingMinor: number;
  transactions: SimTransaction[];
}

export interface SimProviderAccount {
  id: number;
  loginName: string;
  providerId: string;
  status: string;
  additionalStatus: string;
  statusMessage?: string;
  updateEligibility: 'ALLOW_UPDATE' | 'ALLOW_UPDATE_WITH_CREDENTIALS' | 'DISALLOW_UPDATE';
  requestId: string;
  lastUpdated: string | null;
  lastRefreshAt: number | null;
  refreshes: number;
}

export interface YodleeSimOptions {
  now?: () => Date;
  seed?: number;
  /** Days of history generated per account (default 240). */
  historyDays?: number;
  /** How many extra generated providers `GET /providers` lists (paging). */
  extraProviders?: number;
  /** Minimum time between two refreshes of a provider account (default 0: unlimited). */
  refreshIntervalMs?: number;
  tokenTtlSeconds?: number;
}

export async function startYodleeSimulator(opts: YodleeSimOptions = {}) {
  const now = opts.now ?? (() => new Date());
  const seed = opts.seed ?? 7;
  const historyDays = opts.historyDays ?? 240;
  const ttl = opts.tokenTtlSeconds ?? 1800;
  const sim = new Simulator('/ysl');
  let seq = 0;
  const ref = () => `sim${(++seq).toString().padStart(6, '0')}${randomBytes(3).toString('hex')}`;

  const users = new Set<string>([SIM_ADMIN]);
  const tokens = new Map<string, { loginName: string; expiresAt: number }>();
  const providerAccounts = new Map<number, SimProviderAccount>();
  const accounts = new Map<number, SimAccount>();
  const sessions = new Map<string, { loginName: string; redirect: string; state: string; flow: string; providerId?: string; providerAccountId?: string }>();
  let nextPa = 11_000_001;
  let nextAccount = 12_000_001;
  let nextTx = 50_000_001;

  const providers = [
    { id: SIM_PROVIDER_ID, name: 'Dag Site', countryISOCode: 'US', status: 'Supported', isAutoRefreshEnabled: true, authType: 'CREDENTIALS' },
    { id: '16442', name: 'Dag Site MultiLevel', countryISOCode: 'US', status: 'Beta', isAutoRefreshEnabled: false, authType: 'MFA_CREDENTIALS' },
    { id: '16443', name: 'Dag Site Retired', countryISOCode: 'GB', status: 'Unsupported', isAutoRefreshEnabled: true, authType: 'CREDENTIALS' },
  ];
  for (let i = 0; i < (opts.extraProviders ?? 0); i++) {
    providers.push({ id: String(20_000 + i), name: `Generated Bank ${i}`, countryISOCode: 'US', status: 'Supported', isAutoRefreshEnabled: true, authType: 'CREDENTIALS' });
  }

  /** Every error answer sent, in order (tests find the referenceCode a chatter must quote). */
  const errors: { status: number; errorCode?: string; referenceCode: string }[] = [];
  const err = (status: number, errorCode: string | undefined, errorMessage: string, headers?: Record<string, string>): SimReply => {
    const referenceCode = ref();
    errors.push({ status, ...(errorCode ? { errorCode } : {}), referenceCode });
    return { status, ...(headers ? { headers } : {}), body: toJson({ errorCode, errorMessage, referenceCode }) };
  };

  /** Checks the Api-Version header and the bearer token; returns the login name or an error reply. */
  const auth = (r: SimRequest): string | SimReply => {
    if (r.headers['api-version'] !== '1.1') return err(400, 'Y302', 'Missing header parameter Api-Version');
    const h = r.headers['authorization'];
    if (typeof h !== 'string' || !h.startsWith('Bearer ')) return err(401, 'Y007', 'Authorization header missing');
    const t = tokens.get(h.slice(7));
    if (!t || t.expiresAt <= now().getTime()) return err(401, 'Y008', 'Invalid token in authorization header');
    return t.loginName;
  };

  function generateAccount(pa: SimProviderAccount, container: 'bank' | 'creditCard', salt: number): SimAccount {
    const rand = prng(seed * 1000 + salt);
    const id = nextAccount++;
    const today = Date.parse(`${isoDay(now().getTime())}T00:00:00Z`);
    const acc: SimAccount = {
      id, providerAccountId: pa.id, container, currency: 'USD',
      name: container === 'bank' ? 'TESTDATA Checking' : 'TESTDATA Credit Card',
      number: container === 'bank' ? `xxxx${String(1000 + salt).slice(-4)}` : `xxxxxxxxxxxx${String(4000 + salt).slice(-4)}`,
      openingMinor: container === 'bank' ? 250_000 : -12_345,
      transactions: [],
    };
    const merchants = ['Amazon', 'Starbucks', 'Shell', 'Whole Foods', 'Uber', 'Netflix', 'Home Depot', 'Walgreens'];
    for (let d = historyDays; d >= 1; d--) {
      const n = Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) {
        const credit = rand() < (container === 'bank' ? 0.2 : 0.08);
        const minor = credit ? (container === 'bank' ? 5_000 + Math.floor(rand() * 200_000) : 2_000 + Math.floor(rand() * 40_000)) : 100 + Math.floor(rand() * 15_000);
        const merchant = merchants[Math.floor(rand() * merchants.length)]!;
        acc.transactions.push({
          id: nextTx++, accountId: id, minor, baseType: credit ? 'CREDIT' : 'DEBIT', date: isoDay(today - d * DAY_MS), status: 'POSTED',
          description: credit ? (container === 'bank' ? 'PAYROLL DEPOSIT ACME CORP' : 'PAYMENT THANK YOU') : `${merchant.toUpperCase()} PURCHASE ${1000 + i}`,
          ...(credit ? {} : { merchant }),
        });
      }
    }
    // Two lines still pending today, and one scheduled (never reaches the ledger).
    acc.transactions.push({ id: nextTx++, accountId: id, minor: 4_567, baseType: 'DEBIT', date: isoDay(today), status: 'PENDING', description: 'PENDING STARBUCKS 0042', merchant: 'Starbucks' });
    acc.transactions.push({ id: nextTx++, accountId: id, minor: 1_999, baseType: 'DEBIT', date: isoDay(today), status: 'PENDING', description: 'PENDING NETFLIX.COM', merchant: 'Netflix' });
    acc.transactions.push({ id: nextTx++, accountId: id, minor: 10_000, baseType: 'DEBIT', date: isoDay(today + 5 * DAY_MS), status: 'SCHEDULED', description: 'SCHEDULED BILL PAY' });
    accounts.set(id, acc);
    return acc;
  }

  function createProviderAccount(loginName: string, providerId = SIM_PROVIDER_ID): { providerAccountId: number; checkingId: number; cardId: number } {
    users.add(loginName);
    const pa: SimProviderAccount = {
      id: nextPa++, loginName, providerId, status: 'SUCCESS', additionalStatus: 'AVAILABLE_DATA_RETRIEVED', updateEligibility: 'ALLOW_UPDATE',
      requestId: ref(), lastUpdated: now().toISOString(), lastRefreshAt: null, refreshes: 0,
    };
    providerAccounts.set(pa.id, pa);
    const checking = generateAccount(pa, 'bank', pa.id % 1000 * 2);
    const card = generateAccount(pa, 'creditCard', pa.id % 1000 * 2 + 1);
    return { providerAccountId: pa.id, checkingId: checking.id, cardId: card.id };
  }

  /** Ledger-sign balance of an account (money in +), posted lines only, in minor units. */
  function balanceMinor(accountId: number): number {
    const a = accounts.get(accountId);
    if (!a) throw new Error(`no account ${accountId}`);
    return a.transactions.filter((t) => t.status === 'POSTED').reduce((s, t) => s + (t.baseType === 'CREDIT' ? t.minor : -t.minor), a.openingMinor);
  }

  /** Posted balance less the pending debits (what the bank says can be spent). */
  function availableMinor(accountId: number): number {
    const a = accounts.get(accountId)!;
    return balanceMinor(accountId) - a.transactions.filter((t) => t.status === 'PENDING' && t.baseType === 'DEBIT').reduce((s, t) => s + t.minor, 0);
  }

  const paJson = (pa: SimProviderAccount) => ({
    id: new RawNumber(String(pa.id)), providerId: new RawNumber(pa.providerId), status: pa.status, requestId: pa.requestId,
    aggregationSource: 'USER', createdDate: pa.lastUpdated ?? now().toISOString(),
    dataset: [{
      name: 'BASIC_AGG_DATA', additionalStatus: pa.additionalStatus, updateEligibility: pa.updateEligibility,
      ...(pa.statusMessage ? { statusMessage: pa.statusMessage } : {}),
      ...(pa.lastUpdated ? { lastUpdated: pa.lastUpdated, lastUpdateAttempt: pa.lastUpdated } : {}),
    }],
  });

  const ownPa = (login: string, id: string): SimProviderAccount | SimReply => {
    const pa = providerAccounts.get(Number(id));
    if (!pa || pa.loginName !== login) return err(400, 'Y807', 'Resource not found');
    return pa;
  };

  sim.on('POST', '/auth/token', (r) => {
    if (r.headers['api-version'] !== '1.1') return err(400, 'Y302', 'Missing header parameter Api-Version');
    const f = (r.json ?? {}) as Record<string, string>;
    if (!f['clientId'] || !f['secret']) return err(400, 'Y303', 'clientId or secret is missing');
    if (f['clientId'] !== SIM_CLIENT_ID || f['secret'] !== SIM_SECRET) return err(401, 'Y301', 'Invalid clientId or secret');
    const login = r.headers['loginname'];
    if (typeof login !== 'string' || login === '') return err(400, 'Y302', 'Missing header parameter loginName');
    if (!users.has(login)) return err(401, 'Y006', 'Unregistered user');
    const token = randomBytes(12).toString('hex');
    tokens.set(token, { loginName: login, expiresAt: now().getTime() + ttl * 1000 });
    return { status: 201, body: toJson({ token: { accessToken: token, issuedAt: now().toISOString(), expiresIn: new RawNumber(String(ttl)) } }) };
  });

  sim.on('POST', '/user/register', (r) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    if (who !== SIM_ADMIN) return err(401, 'Y007', 'Authorization header missing');
    const login = ((r.json ?? {}) as { user?: { loginName?: string } }).user?.loginName;
    if (!login || login.length < 3) return err(400, 'Y800', 'Invalid value for loginName');
    if (users.has(login)) return err(400, 'Y400', 'User with same loginName already exists');
    users.add(login);
    return { body: toJson({ user: { id: new RawNumber(String(100 + users.size)), loginName: login, roleType: 'INDIVIDUAL' } }) };
  });

  sim.on('GET', '/providers', (r) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const skip = Number(r.query.get('skip') ?? '0');
    const top = Number(r.query.get('top') ?? '500');
    if (!(top >= 1 && top <= 500)) return err(400, 'Y804', 'Permitted values of top between 1 - 500');
    const page = providers.slice(skip, skip + top);
    return { body: toJson(page.length ? { provider: page.map((p) => ({ ...p, id: new RawNumber(p.id) })) } : {}) };
  });

  sim.on('GET', '/providerAccounts/:id', (r, p) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const pa = ownPa(who, p['id']!);
    if (!('loginName' in pa)) return pa;
    return { body: toJson({ providerAccount: [paJson(pa)] }) };
  });

  sim.on('PUT', '/providerAccounts', (r) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const id = r.query.get('providerAccountIds');
    if (!id) return err(400, 'Y803', 'providerAccountIds required');
    const pa = ownPa(who, id);
    if (!('loginName' in pa)) return pa;
    if (pa.updateEligibility === 'DISALLOW_UPDATE') return err(400, 'Y800', 'Invalid value for providerAccountIds');
    const interval = opts.refreshIntervalMs ?? 0;
    const t = now().getTime();
    if (pa.lastRefreshAt !== null && t - pa.lastRefreshAt < interval) {
      const wait = Math.ceil((pa.lastRefreshAt + interval - t) / 1000);
      return err(429, undefined, 'Refresh request limit exceeded for this provider account', { 'retry-after': String(wait) });
    }
    pa.lastRefreshAt = t;
    pa.refreshes++;
    pa.requestId = ref();
    pa.lastUpdated = now().toISOString();
    return { body: toJson({ providerAccount: [paJson(pa)] }) };
  });

  sim.on('DELETE', '/providerAccounts/:id', (r, p) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const pa = ownPa(who, p['id']!);
    if (!('loginName' in pa)) return pa;
    providerAccounts.delete(pa.id);
    for (const [id, a] of accounts) if (a.providerAccountId === pa.id) accounts.delete(id);
    return { status: 204 };
  });

  sim.on('GET', '/accounts', (r) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const paId = r.query.get('providerAccountId');
    const list = [...accounts.values()].filter((a) => {
      const pa = providerAccounts.get(a.providerAccountId);
      return pa?.loginName === who && (paId === null || String(a.providerAccountId) === paId);
    });
    return {
      body: toJson(list.length ? {
        account: list.map((a) => {
          const bal = balanceMinor(a.id);
          // A card's balance is what is owed: positive when the user owes money.
          const shown = a.container === 'creditCard' ? -bal : bal;
          return {
            CONTAINER: a.container, providerAccountId: new RawNumber(String(a.providerAccountId)), accountName: a.name, accountNumber: a.number,
            id: new RawNumber(String(a.id)), accountStatus: 'ACTIVE', isAsset: a.container === 'bank', providerId: SIM_PROVIDER_ID, providerName: 'Dag Site',
            lastUpdated: providerAccounts.get(a.providerAccountId)?.lastUpdated ?? undefined,
            // A bank account's `balance` is its available balance (pending holds deducted);
            // `currentBalance` is the booked one.
            balance: { amount: new RawNumber(decimal(a.container === 'bank' ? availableMinor(a.id) : shown)), currency: a.currency },
            ...(a.container === 'bank' ? {
              currentBalance: { amount: new RawNumber(decimal(shown)), currency: a.currency },
              availableBalance: { amount: new RawNumber(decimal(availableMinor(a.id))), currency: a.currency },
            } : {}),
          };
        }),
      } : {}),
    };
  });

  sim.on('GET', '/transactions', (r) => {
    const who = auth(r);
    if (typeof who !== 'string') return who;
    const top = Number(r.query.get('top') ?? '500');
    const skip = Number(r.query.get('skip') ?? '0');
    if (!(top >= 1 && top <= 500)) return err(400, 'Y804', 'Permitted values of top between 1 - 500');
    if (!(skip >= 0)) return err(400, 'Y800', 'Invalid value for skip');
    const from = r.query.get('fromDate') ?? '0000-00-00';
    const to = r.query.get('toDate') ?? '9999-99-99';
    if (from > to) return err(400, 'Y800', 'Invalid value for fromDate');
    const accountId = r.query.get('accountId');
    const acc = accountId ? accounts.get(Number(accountId)) : undefined;
    if (accountId && (!acc || providerAccounts.get(acc.providerAccountId)?.loginName !== who)) return err(400, 'Y800', 'Invalid value for accountId');
    const all = (acc ? acc.transactions : [...accounts.values()].filter((a) => providerAccounts.get(a.providerAccountId)?.loginName === who).flatMap((a) => a.transactions))
      .filter((t) => t.date >= from && t.date <= to)
      .sort((a, b) => (a.date === b.date ? b.id - a.id : a.date < b.date ? 1 : -1));
    const page = all.slice(skip, skip + top);
    return {
      body: toJson(page.length ? {
        transaction: page.map((t) => {
          const a = accounts.get(t.accountId)!;
          return {
            CONTAINER: a.container, id: new RawNumber(String(t.id)), amount: { amount: new RawNumber(decimal(t.minor)), currency: a.currency },
            baseType: t.baseType, categoryType: t.baseType === 'CREDIT' ? 'INCOME' : 'EXPENSE', categoryId: new RawNumber('1'),
            category: 'Uncategorized', categorySource: 'SYSTEM', date: t.date, transactionDate: t.date,
            ...(t.status === 'POSTED' ? { postDate: t.date } : {}), createdDate: `${t.date}T10:00:00Z`,
            description: { original: t.description, simple: t.description.toLowerCase() }, isManual: false, sourceType: 'AGGREGATED',
            status: t.status, accountId: new RawNumber(String(t.accountId)),
            ...(t.merchant ? { merchant: { id: `m-${t.merchant.toLowerCase().replace(/\W/g, '')}`, name: t.merchant, source: 'YODLEE' } } : {}),
          };
        }),
      } : {}),
    };
  });

  // ---- FastLink-like consent page -------------------------------------------------------

  sim.on('GET', '/fastlink', (r) => {
    const token = (r.query.get('accessToken') ?? '').replace(/^Bearer /, '');
    const t = tokens.get(token);
    const html = (status: number, body: string): SimReply => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body });
    if (!t || t.expiresAt <= now().getTime()) return html(401, '<html><body>FastLink: invalid or expired access token</body></html>');
    const redirect = r.query.get('redirect');
    const state = r.query.get('state') ?? '';
    if (!redirect) return html(400, '<html><body>FastLink: missing redirect</body></html>');
    const session = randomBytes(8).toString('hex');
    const flow = r.query.get('flow') ?? 'add';
    const providerId = r.query.get('providerId') ?? undefined;
    const providerAccountId = r.query.get('providerAccountId') ?? undefined;
    sessions.set(session, { loginName: t.loginName, redirect, state, flow, ...(providerId ? { providerId } : {}), ...(providerAccountId ? { providerAccountId } : {}) });
    return html(200, `<!doctype html><html><body><h1>Link your account</h1>
<form method="post" action="${sim.baseUrl}/fastlink/login"><input type="hidden" name="session" value="${session}">
<input name="username" value="YodTest.site16441.2"><input name="password" type="password"><button>Submit</button>
<button name="cancel" value="1">Cancel</button></form></body></html>`);
  });

  sim.on('POST', '/fastlink/login', (r) => {
    const f = (r.json ?? {}) as Record<string, string>;
    const s = f['session'] ? sessions.get(f['session']) : undefined;
    if (!s) return { status: 400, headers: { 'content-type': 'text/html' }, body: '<html><body>FastLink: session expired</body></html>' };
    sessions.delete(f['session']!);
    const to = new URL(s.redirect);
    const send = (q: Record<string, string>): SimReply => {
      for (const [k, v] of Object.entries(q)) to.searchParams.set(k, v);
      to.searchParams.set('state', s.state);
      return { status: 302, headers: { location: to.toString(), 'content-type': 'text/html' }, body: '' };
    };
    if (f['cancel']) return send({ status: 'ACTION_ABANDONED' });
    if (f['password'] !== SIM_SITE_PASSWORD) return send({ status: 'FAILED', additionalStatus: 'INCORRECT_CREDENTIALS', ...(s.providerAccountId ? { providerAccountId: s.providerAccountId } : {}) });
    if (s.providerAccountId) {
      const pa = providerAccounts.get(Number(s.providerAccountId));
      if (!pa || pa.loginName !== s.loginName) return send({ status: 'FAILED' });
      Object.assign(pa, { status: 'SUCCESS', additionalStatus: 'AVAILABLE_DATA_RETRIEVED', updateEligibility: 'ALLOW_UPDATE', lastUpdated: now().toISOString(), requestId: ref() });
      delete pa.statusMessage;
      return send({ status: 'SUCCESS', providerAccountId: String(pa.id) });
    }
    const created = createProviderAccount(s.loginName, s.providerId ?? SIM_PROVIDER_ID);
    return send({ status: 'SUCCESS', providerAccountId: String(created.providerAccountId) });
  });

  const baseUrl = await sim.start();
  const today = () => isoDay(now().getTime());

  return {
    sim,
    baseUrl,
    fastlinkUrl: `${baseUrl}/fastlink`,
    close: () => sim.close(),
    createProviderAccount,
    balanceMinor,
    account: (id: number) => accounts.get(id),
    providerAccount: (id: number) => providerAccounts.get(id),
    users,
    /** Every issued token stops working (as after 30 minutes): the next call gets Y008. */
    expireTokens(): void {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    /** Sets a provider account's refresh outcome (status, additionalStatus, eligibility). */
    setStatus(id: number, o: { status: string; additionalStatus: string; updateEligibility?: SimProviderAccount['updateEligibility']; statusMessage?: string; keepData?: boolean }): string {
      const pa = providerAccounts.get(id);
      if (!pa) throw new Error(`no provider account ${id}`);
      pa.status = o.status;
      pa.additionalStatus = o.additionalStatus;
      if (o.updateEligibility) pa.updateEligibility = o.updateEligibility;
      if (o.statusMessage) pa.statusMessage = o.statusMessage; else delete pa.statusMessage;
      if (o.keepData === false) pa.lastUpdated = null;
      pa.requestId = ref();
      return pa.requestId;
    },
    /** Posts every pending line of an account under a NEW id (Yodlee gives no link), dated today. */
    postPending(accountId: number): { from: number; to: number }[] {
      const a = accounts.get(accountId)!;
      const moved: { from: number; to: number }[] = [];
      a.transactions = a.transactions.flatMap((t) => {
        if (t.status !== 'PENDING') return [t];
        const id = nextTx++;
        moved.push({ from: t.id, to: id });
        return [{ ...t, id, status: 'POSTED' as const, date: today(), description: t.description.replace(/^PENDING /, '') }];
      });
      return moved;
    },
    /** Adds posted transactions dated today (and returns them). */
    addPosted(accountId: number, lines: { minor: number; baseType: 'CREDIT' | 'DEBIT'; description: string }[]): SimTransaction[] {
      const a = accounts.get(accountId)!;
      const added = lines.map((l) => ({ id: nextTx++, accountId, minor: l.minor, baseType: l.baseType, date: today(), status: 'POSTED' as const, description: l.description }));
      a.transactions.push(...added);
      return added;
    },
    errors,
    /** A Yodlee error body with a fresh referenceCode, for `sim.inject` faults. */
    errorBody(errorCode: string | undefined, errorMessage: string): { body: unknown; referenceCode: string } {
      const referenceCode = ref();
      return { body: { ...(errorCode ? { errorCode } : {}), errorMessage, referenceCode }, referenceCode };
    },
  };
}

export type YodleeSim = Awaited<ReturnType<typeof startYodleeSimulator>>;
