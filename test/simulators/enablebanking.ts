// A faithful Enable Banking simulator: JWT checked with the application's public key (RS256,
// kid, iss, aud, exp ≤ 24 h), /aspsps, /auth with a consent page that redirects back with
// `code` and `state`, /sessions (AUTHORIZED / EXPIRED / REVOKED), account details, balances,
// and transactions paged with continuation_key. Unattended requests (no PSU headers) are
// limited to 4 per account and endpoint per 24 h (ASPSP_RATE_LIMIT_EXCEEDED, 429).
// Errors have Enable Banking's body {message, code, error, detail}; every answer has an
// X-Request-Id.
import { randomBytes, randomUUID } from 'node:crypto';
import { importSPKI, jwtVerify, decodeProtectedHeader, type CryptoKey, type KeyObject } from 'jose';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';
import { mulberry32 as prng } from './base';

const DAY_MS = 86_400_000;
export const UNATTENDED_LIMIT = 4;

export interface EbSimTransaction {
  entry_reference?: string;
  transaction_id?: string;
  /** Signed minor units (the API sends it unsigned with credit_debit_indicator). */
  minor: number;
  currency: string;
  status: 'BOOK' | 'PDNG' | 'CNCL';
  booking_date: string;
  value_date: string;
  counterparty: string;
  counterpartyIban?: string;
  remittance: string[];
  instructed?: { minor: number; currency: string; rate: string };
}

export interface EbSimAccount {
  /** The simulator's own key of the account (helpers take it); the API shows per-session uids. */
  key: string;
  /** Enable Banking's identification_hash: the same account in every session. */
  identificationHash: string;
  iban: string;
  name: string;
  currency: string;
  /** Booked balance before the first generated transaction (minor units). */
  openingMinor: number;
  transactions: EbSimTransaction[];
}

interface Session {
  id: string;
  status: 'AUTHORIZED' | 'EXPIRED' | 'REVOKED';
  validUntil: string;
  aspsp: { name: string; country: string };
  /** Account uid (valid in this session only) → account key. */
  accounts: Map<string, string>;
}

interface AuthRequest {
  id: string;
  aspsp: { name: string; country: string };
  state: string;
  redirectUrl: string;
  validUntil: string;
  code?: string;
}

export interface EbSimOptions {
  appId: string;
  /** SPKI PEM of the application's public key. */
  publicKeyPem: string;
  now?: () => Date;
  seed?: number;
  /** Transactions per page (continuation_key beyond). */
  pageSize?: number;
  /** Days of generated history before today. */
  historyDays?: number;
  /** The bank refuses a date_from further back than this (WRONG_TRANSACTIONS_PERIOD); default: it clamps silently. */
  refuseOlderThanDays?: number;
}


function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function ebError(status: number, error: string | null, message: string, detail: unknown = null): SimReply {
  return { status, body: { message, code: status, error, detail } };
}

/** Generates `days` of realistic history for one account (salary, rent, card payments, fees, FX). */
function generate(uid: string, currency: string, today: number, days: number, rand: () => number): EbSimTransaction[] {
  const out: EbSimTransaction[] = [];
  let n = 0;
  const merchants = ['K-Market', 'S-Market', 'Alko', 'Neste', 'R-Kioski', 'Verkkokauppa.com', 'HSL', 'Posti', 'Lidl', 'Stockmann'];
  const push = (day: number, minor: number, counterparty: string, remittance: string[], o: Partial<EbSimTransaction> = {}) => {
    n++;
    const date = isoDay(today - day * DAY_MS);
    // One in ten bookings comes without entry_reference (only transaction_id), as some banks do.
    const noEntryRef = n % 10 === 7;
    out.push({
      ...(noEntryRef ? {} : { entry_reference: `${uid}-E${String(n).padStart(5, '0')}` }),
      transaction_id: `${uid}-T${String(n).padStart(5, '0')}-v1`,
      minor, currency, status: 'BOOK', booking_date: date, value_date: date, counterparty, remittance, ...o,
    });
  };
  for (let d = days; d >= 1; d--) {
    const date = new Date(today - d * DAY_MS);
    const dom = date.getUTCDate();
    if (dom === 25) push(d, 420000 + Math.floor(rand() * 50000), 'Asiakas Oy', ['Invoice 2026-' + String(date.getUTCMonth() + 1).padStart(2, '0')], { counterpartyIban: 'FI2112345600000785' });
    if (dom === 1) push(d, -180000, 'Toimitilat Oy', ['Office rent'], { counterpartyIban: 'FI5810171000000122' });
    if (dom === 28) push(d, -1250, 'Bank', ['Service fee']);
    const cards = Math.floor(rand() * 3);
    for (let i = 0; i < cards; i++) {
      const m = merchants[Math.floor(rand() * merchants.length)]!;
      push(d, -(500 + Math.floor(rand() * 15000)), m, [`Card payment ${m}`]);
    }
    if (dom === 12) {
      // A foreign-currency card payment with its instructed amount and rate.
      const usd = 2000 + Math.floor(rand() * 8000);
      const rate = '0.9200';
      push(d, -Math.round(usd * 0.92), 'Amazon US', ['Card payment AMAZON.COM'], { instructed: { minor: usd, currency: 'USD', rate } });
    }
    if (rand() < 0.05) push(d, 2000 + Math.floor(rand() * 10000), 'Refund Oy', ['Refund']);
  }
  return out;
}

export async function startEnableBankingSimulator(opts: EbSimOptions) {
  const sim = new Simulator();
  const now = opts.now ?? (() => new Date());
  const pageSize = opts.pageSize ?? 40;
  const rand = prng(opts.seed ?? 7);
  let publicKey: CryptoKey | KeyObject = await importSPKI(opts.publicKeyPem, 'RS256');
  let appId = opts.appId;

  const todayMs = Date.parse(isoDay(now().getTime()) + 'T00:00:00Z');
  const historyDays = opts.historyDays ?? 270;
  const accounts = new Map<string, EbSimAccount>();
  const mk = (key: string, iban: string, name: string, currency: string, openingMinor: number) => {
    accounts.set(key, { key, identificationHash: `hash-${key}`, iban, name, currency, openingMinor, transactions: generate(key, currency, todayMs, historyDays, rand) });
  };
  mk('acc-eur-1', 'FI1410093000123458', 'Business current account', 'EUR', 1_523_456);
  mk('acc-eur-2', 'FI4950009420028730', 'Business savings', 'EUR', 5_000_000);

  const aspsps = [
    { name: 'Nordea', country: 'FI', logo: 'https://enablebanking.com/brands/FI/Nordea/', psu_types: ['business', 'personal'], maximum_consent_validity: 15_552_000, beta: false, bic: 'NDEAFIHH', transaction_total_days: '730' },
    { name: 'OP', country: 'FI', logo: 'https://enablebanking.com/brands/FI/OP/', psu_types: ['business', 'personal'], maximum_consent_validity: 7_776_000, beta: false, bic: 'OKOYFIHH', transaction_total_days: '365' },
    { name: 'SEB', country: 'SE', logo: 'https://enablebanking.com/brands/SE/SEB/', psu_types: ['business'], maximum_consent_validity: 7_776_000, beta: true, bic: 'ESSESESS' },
  ];

  const sessions = new Map<string, Session>();
  const auths = new Map<string, AuthRequest>();
  const codes = new Map<string, string>();
  /** Unattended calls per `${uid}:${endpoint}` (instants in ms). */
  const unattended = new Map<string, number[]>();
  /** Accounts whose bank asks the PSU to act (ASPSP_PSU_ACTION_REQUIRED). */
  const psuActionRequired = new Set<string>();
  let requestCounter = 0;
  /** Distinct JWTs seen (the client should reuse its token). */
  const tokensSeen = new Set<string>();

  const rid = () => `eb-req-${String(++requestCounter).padStart(6, '0')}`;
  const withId = (r: SimReply): SimReply => ({ ...r, headers: { 'x-request-id': rid(), ...r.headers } });

  async function authorize(req: SimRequest): Promise<SimReply | null> {
    const h = req.headers['authorization'];
    const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
    if (!token) return ebError(401, 'UNAUTHORIZED_ACCESS', 'Authorization header with a Bearer JWT is required');
    try {
      const header = decodeProtectedHeader(token);
      if (header.typ !== 'JWT' || header.kid !== appId) return ebError(401, 'UNAUTHORIZED_ACCESS', `Application ${String(header.kid)} is not registered`);
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: 'enablebanking.com', audience: 'api.enablebanking.com', algorithms: ['RS256'], currentDate: now(), requiredClaims: ['iat', 'exp'],
      });
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 86_400) return ebError(401, 'UNAUTHORIZED_ACCESS', 'JWT lifetime exceeds 24 hours');
    } catch (e) {
      return ebError(401, 'UNAUTHORIZED_ACCESS', `Invalid JWT: ${(e as Error).message}`);
    }
    tokensSeen.add(token);
    return null;
  }

  const route = (method: string, path: string, handler: (req: SimRequest, p: Record<string, string>) => SimReply | Promise<SimReply>, o: { open?: boolean } = {}) => {
    sim.on(method, path, async (req, p) => {
      if (!o.open) {
        const denied = await authorize(req);
        if (denied) return withId(denied);
      }
      return withId(await handler(req, p));
    });
  };

  const sessionOf = (uid: string): Session | undefined => [...sessions.values()].find((s) => s.accounts.has(uid));
  /** A new session: every account gets a new uid; the sessions before it end (a reconnect replaces them). */
  const newSession = (validUntil: string, aspsp: { name: string; country: string }): Session => {
    for (const s of sessions.values()) if (s.status === 'AUTHORIZED') s.status = 'REVOKED';
    const id = `sess-${randomBytes(8).toString('hex')}`;
    const s: Session = { id, status: 'AUTHORIZED', validUntil, aspsp, accounts: new Map([...accounts.keys()].map((k) => [randomUUID(), k])) };
    sessions.set(id, s);
    return s;
  };
  const uidsOf = (s: Session) => [...s.accounts.keys()];
  const refreshStatus = (s: Session) => {
    if (s.status === 'AUTHORIZED' && Date.parse(s.validUntil) <= now().getTime()) s.status = 'EXPIRED';
  };

  /** Checks the session of an account and the unattended budget; null when the call may go on. */
  function accountGate(req: SimRequest, uid: string, endpoint: string, counted: boolean): SimReply | EbSimAccount {
    const s = sessionOf(uid);
    const acc = s ? accounts.get(s.accounts.get(uid)!) : undefined;
    if (!acc || !s) return ebError(404, 'ACCOUNT_DOES_NOT_EXIST', `Account ${uid} does not exist`);
    refreshStatus(s);
    if (s.status === 'EXPIRED') return ebError(401, 'EXPIRED_SESSION', 'Session is expired');
    if (s.status === 'REVOKED') return ebError(401, 'REVOKED_SESSION', 'Session is revoked');
    if (psuActionRequired.has(acc.key)) return ebError(400, 'ASPSP_PSU_ACTION_REQUIRED', 'PSU action required by ASPSP', 'Please log in to your online bank and accept the new terms');
    const present = typeof req.headers['psu-ip-address'] === 'string' && typeof req.headers['psu-user-agent'] === 'string';
    if (!present && counted) {
      const key = `${acc.key}:${endpoint}`;
      const t = now().getTime();
      const used = (unattended.get(key) ?? []).filter((x) => x > t - DAY_MS);
      if (used.length >= UNATTENDED_LIMIT) {
        unattended.set(key, used);
        const retry = Math.ceil((used[0]! + DAY_MS - t) / 1000);
        return { ...ebError(429, 'ASPSP_RATE_LIMIT_EXCEEDED', 'ASPSP rate limit exceeded', `The bank allows ${UNATTENDED_LIMIT} requests per day without the PSU present`), headers: { 'retry-after': String(retry) } };
      }
      used.push(t);
      unattended.set(key, used);
    }
    return acc;
  }

  route('GET', '/aspsps', (req) => {
    const country = req.query.get('country');
    const psu = req.query.get('psu_type');
    return { body: { aspsps: aspsps.filter((a) => (!country || a.country === country) && (!psu || a.psu_types.includes(psu))) } };
  });

  route('POST', '/auth', (req) => {
    const b = req.json as { access?: { valid_until?: string }; aspsp?: { name?: string; country?: string }; state?: string; redirect_url?: string; psu_type?: string } | undefined;
    const aspsp = aspsps.find((a) => a.name === b?.aspsp?.name && a.country === b?.aspsp?.country);
    if (!aspsp) return ebError(404, 'ASPSP_NOT_FOUND', 'ASPSP not found');
    if (!b?.state || !b.redirect_url || !b.access?.valid_until) return ebError(422, 'WRONG_REQUEST_PARAMETERS', 'state, redirect_url and access.valid_until are required');
    const validUntil = Date.parse(b.access.valid_until);
    if (Number.isNaN(validUntil) || validUntil > now().getTime() + aspsp.maximum_consent_validity * 1000 + 60_000) {
      return ebError(422, 'WRONG_ACCESS_VALID_UNTIL', `valid_until exceeds the maximum consent validity of ${aspsp.name}`);
    }
    const id = randomBytes(8).toString('hex');
    auths.set(id, { id, aspsp: { name: aspsp.name, country: aspsp.country }, state: b.state, redirectUrl: b.redirect_url, validUntil: new Date(validUntil).toISOString() });
    return { body: { url: `${sim.baseUrl}/consent/${id}`, authorization_id: id, psu_id_hash: 'h' } };
  });

  // The bank's consent page: auto-approves and redirects back with code and state (?deny=1 cancels).
  route('GET', '/consent/:id', (req, p) => {
    const a = auths.get(p['id']!);
    if (!a) return { status: 404, body: 'unknown authorization' };
    const to = new URL(a.redirectUrl);
    if (req.query.get('deny') === '1') {
      to.searchParams.set('error', 'access_denied');
      to.searchParams.set('error_description', 'User cancelled the authorization');
    } else {
      a.code = randomBytes(12).toString('hex');
      codes.set(a.code, a.id);
      to.searchParams.set('code', a.code);
    }
    to.searchParams.set('state', a.state);
    return { status: 302, headers: { location: to.toString() }, body: '' };
  }, { open: true });

  route('POST', '/sessions', (req) => {
    const code = (req.json as { code?: string } | undefined)?.code;
    const authId = code ? codes.get(code) : undefined;
    const a = authId ? auths.get(authId) : undefined;
    if (!code || !a) return ebError(422, 'WRONG_AUTHORIZATION_CODE', 'Authorization code is wrong or already used');
    codes.delete(code);
    const s = newSession(a.validUntil, a.aspsp);
    return {
      body: {
        session_id: s.id,
        accounts: [...s.accounts].map(([uid, key]) => {
          const acc = accounts.get(key)!;
          return { uid, account_id: { iban: acc.iban }, name: acc.name, currency: acc.currency, cash_account_type: 'CACC', identification_hash: acc.identificationHash };
        }),
        aspsp: a.aspsp, psu_type: 'business', access: { valid_until: a.validUntil },
      },
    };
  });

  route('GET', '/sessions/:id', (_req, p) => {
    const s = sessions.get(p['id']!);
    if (!s) return ebError(404, 'SESSION_DOES_NOT_EXIST', 'Session does not exist');
    refreshStatus(s);
    return {
      body: {
        status: s.status, accounts: uidsOf(s), accounts_data: [...s.accounts].map(([uid, key]) => ({ uid, identification_hash: accounts.get(key)!.identificationHash })),
        aspsp: s.aspsp, psu_type: 'business', access: { valid_until: s.validUntil }, created: now().toISOString(),
      },
    };
  });

  route('DELETE', '/sessions/:id', (_req, p) => {
    const s = sessions.get(p['id']!);
    if (!s) return ebError(404, 'SESSION_DOES_NOT_EXIST', 'Session does not exist');
    refreshStatus(s);
    if (s.status !== 'AUTHORIZED') return ebError(401, s.status === 'EXPIRED' ? 'EXPIRED_SESSION' : 'REVOKED_SESSION', `Session is ${s.status.toLowerCase()}`);
    s.status = 'REVOKED';
    return { body: { message: 'OK' } };
  });

  route('GET', '/accounts/:uid/details', (req, p) => {
    const acc = accountGate(req, p['uid']!, 'details', false);
    if (!('key' in acc)) return acc;
    return { body: { uid: p['uid'], account_id: { iban: acc.iban }, name: acc.name, currency: acc.currency, cash_account_type: 'CACC', product: 'Yritystili' } };
  });

  const bookedMinor = (acc: EbSimAccount, upTo?: string) =>
    acc.openingMinor + acc.transactions.filter((t) => t.status === 'BOOK' && (!upTo || t.booking_date <= upTo)).reduce((s, t) => s + t.minor, 0);

  route('GET', '/accounts/:uid/balances', (req, p) => {
    const acc = accountGate(req, p['uid']!, 'balances', true);
    if (!('key' in acc)) return acc;
    const booked = bookedMinor(acc);
    const pendingOut = acc.transactions.filter((t) => t.status === 'PDNG').reduce((s, t) => s + Math.min(t.minor, 0), 0);
    const at = now().toISOString();
    // ITAV first on purpose: the client must pick the booked balance (CLBD).
    const raw = `{"balances":[` +
      `{"name":"Available","balance_amount":{"currency":"${acc.currency}","amount":"${decimal(booked + pendingOut)}"},"balance_type":"ITAV","last_change_date_time":"${at}","reference_date":"${at.slice(0, 10)}"},` +
      `{"name":"Booked","balance_amount":{"currency":"${acc.currency}","amount":"${decimal(booked)}"},"balance_type":"CLBD","last_change_date_time":"${at}","reference_date":"${at.slice(0, 10)}"}]}`;
    return { body: raw };
  });

  const wire = (t: EbSimTransaction) => {
    const debit = t.minor < 0;
    const party = { name: t.counterparty };
    const account = t.counterpartyIban ? { iban: t.counterpartyIban } : null;
    return {
      ...(t.entry_reference ? { entry_reference: t.entry_reference } : { entry_reference: null }),
      ...(t.transaction_id ? { transaction_id: t.transaction_id } : {}),
      merchant_category_code: null,
      transaction_amount: { currency: t.currency, amount: decimal(Math.abs(t.minor)) },
      creditor: debit ? party : null,
      creditor_account: debit ? account : null,
      debtor: debit ? null : party,
      debtor_account: debit ? null : account,
      bank_transaction_code: null,
      credit_debit_indicator: debit ? 'DBIT' : 'CRDT',
      status: t.status,
      booking_date: t.status === 'PDNG' ? null : t.booking_date,
      value_date: t.value_date,
      transaction_date: t.value_date,
      balance_after_transaction: null,
      reference_number: null,
      remittance_information: t.remittance,
      exchange_rate: t.instructed
        ? { unit_currency: t.instructed.currency, exchange_rate: t.instructed.rate, rate_type: 'AGRD', instructed_amount: { currency: t.instructed.currency, amount: decimal(t.instructed.minor) } }
        : null,
      note: null,
    };
  };

  const continuation = new Map<string, { uid: string; from: string; to: string; offset: number }>();

  route('GET', '/accounts/:uid/transactions', (req, p) => {
    const uid = p['uid']!;
    const key = req.query.get('continuation_key');
    const acc = accountGate(req, uid, 'transactions', !key);
    if (!('key' in acc)) return acc;
    let from = req.query.get('date_from') ?? isoDay(now().getTime() - 90 * DAY_MS);
    const to = req.query.get('date_to') ?? isoDay(now().getTime());
    if (from > to) return ebError(422, 'WRONG_TRANSACTIONS_PERIOD', 'date_from is after date_to');
    if (!key && opts.refuseOlderThanDays !== undefined && from < isoDay(now().getTime() - opts.refuseOlderThanDays * DAY_MS)) {
      return ebError(422, 'WRONG_TRANSACTIONS_PERIOD', 'Wrong transactions period requested', `The ASPSP gives at most ${opts.refuseOlderThanDays} days of transactions`);
    }
    // The bank gives its history only: nothing older than the generated period exists.
    const oldest = isoDay(todayMs - historyDays * DAY_MS);
    if (from < oldest) from = oldest;
    let offset = 0;
    if (key) {
      const c = continuation.get(key);
      if (!c || c.uid !== uid || c.to !== to) return ebError(422, 'WRONG_CONTINUATION_KEY', 'Wrong continuation key');
      offset = c.offset;
    }
    const matching = acc.transactions.filter((t) => t.status !== 'CNCL' && (t.status === 'PDNG' ? t.value_date : t.booking_date) >= from && (t.status === 'PDNG' ? t.value_date : t.booking_date) <= to);
    const page = matching.slice(offset, offset + pageSize);
    let next: string | null = null;
    if (offset + pageSize < matching.length) {
      next = randomBytes(10).toString('hex');
      continuation.set(next, { uid, from, to, offset: offset + pageSize });
    }
    return { body: { transactions: page.map(wire), continuation_key: next } };
  });

  await sim.start();

  return {
    sim,
    baseUrl: sim.baseUrl,
    /** The request log (what the client sent). */
    log: sim.log,
    inject: sim.inject.bind(sim),
    accounts,
    sessions,
    tokensSeen,
    close: () => sim.close(),
    /** The bank's booked balance of an account (minor units). */
    balanceMinor: (uid: string) => bookedMinor(accounts.get(uid)!),
    /** Creates an AUTHORIZED session directly (skips the consent pages). */
    authorizeSession(validDays = 90): string {
      return newSession(new Date(now().getTime() + validDays * DAY_MS).toISOString(), { name: 'Nordea', country: 'FI' }).id;
    },
    /** The identification_hash of an account (the id the client exposes). */
    hashOf: (key: string) => accounts.get(key)!.identificationHash,
    expireSession(id: string) {
      sessions.get(id)!.validUntil = new Date(now().getTime() - 1000).toISOString();
    },
    revokeSession(id: string) {
      sessions.get(id)!.status = 'REVOKED';
    },
    requirePsuAction(uid: string, on = true) {
      if (on) psuActionRequired.add(uid);
      else psuActionRequired.delete(uid);
    },
    /** A card payment still pending (no entry_reference yet); returns its transaction_id. */
    addPending(uid: string, o: { minor: number; date: string; counterparty: string }): string {
      const acc = accounts.get(uid)!;
      const id = `${uid}-P${randomBytes(4).toString('hex')}`;
      acc.transactions.push({ transaction_id: id, minor: o.minor, currency: acc.currency, status: 'PDNG', booking_date: o.date, value_date: o.date, counterparty: o.counterparty, remittance: [`Card payment ${o.counterparty}`] });
      return id;
    },
    /** The pending payment is booked under new ids (a new entry_reference and transaction_id); no link is given. */
    postPending(uid: string, pendingId: string, bookingDate: string): { entryReference: string; transactionId: string } {
      const acc = accounts.get(uid)!;
      const t = acc.transactions.find((x) => x.transaction_id === pendingId)!;
      const entryReference = `${uid}-E${randomBytes(4).toString('hex')}`;
      const transactionId = `${uid}-T${randomBytes(4).toString('hex')}`;
      Object.assign(t, { status: 'BOOK', entry_reference: entryReference, transaction_id: transactionId, booking_date: bookingDate });
      return { entryReference, transactionId };
    },
    /** Books a new transaction today (or on `date`). */
    addBooked(uid: string, o: { minor: number; date: string; counterparty: string; entryReference?: string | null; transactionId?: string }) {
      const acc = accounts.get(uid)!;
      const t: EbSimTransaction = {
        transaction_id: o.transactionId ?? `${uid}-T${randomBytes(4).toString('hex')}`,
        minor: o.minor, currency: acc.currency, status: 'BOOK', booking_date: o.date, value_date: o.date, counterparty: o.counterparty, remittance: ['Payment'],
      };
      if (o.entryReference !== null) t.entry_reference = o.entryReference ?? `${uid}-E${randomBytes(4).toString('hex')}`;
      acc.transactions.push(t);
      return t;
    },
    /** Every transaction_id changes (the bank re-issues them) while entry_reference stays. */
    churnTransactionIds(uid: string) {
      for (const t of accounts.get(uid)!.transactions) {
        if (t.transaction_id && t.entry_reference) t.transaction_id = t.transaction_id.replace(/-v(\d+)$/, (_, v: string) => `-v${Number(v) + 1}`);
      }
    },
    /** Replaces the application's registered key (the client's key is then refused). */
    async setApplication(id: string, publicKeyPem: string) {
      appId = id;
      publicKey = await importSPKI(publicKeyPem, 'RS256');
    },
    /** Unattended calls counted in the last 24 h for an account's endpoint. */
    unattendedUsed(uid: string, endpoint: 'balances' | 'transactions'): number {
      return (unattended.get(`${uid}:${endpoint}`) ?? []).filter((x) => x > now().getTime() - DAY_MS).length;
    },
  };
}

export type EnableBankingSim = Awaited<ReturnType<typeof startEnableBankingSimulator>>;
