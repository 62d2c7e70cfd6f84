// A Ponto Connect (Ibanity) simulator: the JSON:API behind an HTTPS front that requires the
// app's client certificate (signed by the test CA), the OAuth2 token endpoint with PKCE (S256)
// and rotating refresh tokens, and the user's authorization page on a separate plain-HTTP host
// (a browser page, as authorization.myponto.com is) that redirects back with code and state.
// Seeded multi-month history, newest first with page[limit] / page[before] / page[after] and
// links.next, pending transactions that post under new ids, synchronizations with
// accountRecentlySynchronized, 429 tooManyRequests with Retry-After, authorizationExpired,
// reauthorization requests, and the base Simulator's faults on the API host.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Simulator, decimal, type SimReply, type SimRequest } from './base';
import { mulberry32 as prng } from './base';

export const PONTO_CLIENT_ID = 'ponto-test-client';
export const PONTO_CLIENT_SECRET = 'ponto-test-secret';
export const PONTO_SIM_USER = 'user-7f3a2c';
export const ACCESS_TOKEN_TTL_S = 1800;
export const CONSENT_DAYS = 90;
/** Ponto refuses a new synchronization of the same account within this delay. */
export const SYNC_MIN_INTERVAL_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------ test PKI

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Paths of the client's PEM files (PONTO_CERT / PONTO_KEY / PONTO_CA take paths). */
  paths: { ca: string; clientCert: string; clientKey: string };
  cleanup(): void;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
export function makeTestPki(): TestPki {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    throw new Error('The Ponto simulator needs the openssl command line to make its test certificates: apt-get install openssl');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ponto-pki-'));
  const p = (f: string) => join(dir, f);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=Ponto Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(p(`${name}.ext`), ext);
    run(['req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    run(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`)]);
  };
  leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ledgerlink-test-app', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(p(f), 'utf8');
  return {
    dir, ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key'),
    paths: { ca: p('ca.pem'), clientCert: p('client.pem'), clientKey: p('client.key') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ------------------------------------------------------------------ data

export interface SimTransaction {
  id: string;
  /** Integer cents, signed (positive = money in). */
  cents: number;
  date: string;
  description: string;
  remittanceInformation: string;
  counterpartName: string;
  counterpartReference: string;
  endToEndId: string;
  internalReference: string;
}

export interface SimAccount {
  id: string;
  iban: string;
  description: string;
  currency: string;
  openingCents: number;
  /** Newest first. */
  posted: SimTransaction[];
  pending: SimTransaction[];
  authorizationExpiresAt: number;
  lastSyncAt?: number;
}


const PARTNERS = ['Colruyt', 'Proximus', 'Engie Electrabel', 'Delhaize', 'NMBS/SNCB', 'Acme Consulting BV', 'Brussels Airlines', 'Bol.com', 'Total Energies', 'Client Janssens NV'];

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function newestFirst(a: SimTransaction, b: SimTransaction): number {
  return a.date < b.date ? 1 : a.date > b.date ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Splices JSON numbers in: `num("12.30")` becomes the number 12.30 in the serialized body. */
const NUM = '\u0000num:';
function num(decimalText: string): string {
  return `${NUM}${decimalText}`;
}
function serialize(body: unknown): string {
  return JSON.stringify(body).replace(/"\\u0000num:(-?\d+(?:\.\d+)?)"/g, '$1');
}

export interface PontoSimOptions {
  pki: TestPki;
  now?: () => Date;
  seed?: number;
  /** Days of posted history (default 200). */
  historyDays?: number;
  transactionCount?: number;
}

export async function startPontoSimulator(opts: PontoSimOptions) {
  const now = opts.now ?? (() => new Date());
  const rnd = prng(opts.seed ?? 7);
  const today = now().getTime();
  const historyDays = opts.historyDays ?? 200;
  const count = opts.transactionCount ?? 320;

  // ---- accounts and seeded history
  const posted: SimTransaction[] = [];
  let serial = 0;
  const nextId = () => {
    serial++;
    const h = createHash('sha256').update(`ponto-${opts.seed ?? 7}-${serial}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const makeTx = (cents: number, date: string, partner: string, text: string): SimTransaction => {
    const id = nextId();
    return {
      id, cents, date, description: cents < 0 ? 'Payment' : 'Credit transfer', remittanceInformation: text, counterpartName: partner,
      counterpartReference: `BE${String(10 + Math.floor(rnd() * 89))}${String(Math.floor(rnd() * 1e12)).padStart(12, '0')}`,
      endToEndId: rnd() < 0.3 ? 'NOTPROVIDED' : `E2E${serial}`, internalReference: `IR${String(serial).padStart(8, '0')}`,
    };
  };
  for (let i = 0; i < count; i++) {
    const d = day(today - Math.floor(rnd() * historyDays + 1) * DAY_MS);
    const partner = PARTNERS[Math.floor(rnd() * PARTNERS.length)]!;
    const income = rnd() < 0.2;
    const cents = income ? Math.floor(rnd() * 400_000) + 10_000 : -(Math.floor(rnd() * 25_000) + 99);
    posted.push(makeTx(cents, d, partner, `${income ? 'Invoice' : 'Purchase'} ${i + 1}`));
  }
  posted.sort(newestFirst);
  const pendingSeed = [makeTx(-4_250, day(today), 'Delhaize', 'Card payment Delhaize (pending)'), makeTx(-1_999, day(today), 'Bol.com', 'Card payment Bol.com (pending)')];
  const accounts: SimAccount[] = [
    {
      id: '953934eb-229a-4fd2-8675-07794078cc7d', iban: 'BE68539007547034', description: 'Business current account', currency: 'EUR',
      openingCents: 1_250_075, posted, pending: pendingSeed, authorizationExpiresAt: today + CONSENT_DAYS * DAY_MS,
    },
    {
      id: '1b3f6c2a-5b8d-4f0e-9c1a-2d3e4f5a6b7c', iban: 'BE71096123456769', description: 'Savings account', currency: 'EUR',
      openingCents: 500_000, posted: [], pending: [], authorizationExpiresAt: today + CONSENT_DAYS * DAY_MS,
    },
  ];
  const balanceCents = (a: SimAccount) => a.posted.reduce((s, t) => s + t.cents, a.openingCents);

  const institutions = Array.from({ length: 7 }, (_, i) => ({
    id: `fi-${String(i + 1).padStart(4, '0')}-sandbox`,
    name: ['Belfius', 'BNP Paribas Fortis', 'KBC', 'ING Belgium', 'Argenta', 'Crelan', 'Triodos'][i]!,
    country: i === 6 ? 'NL' : 'BE',
    bic: ['GKCCBEBB', 'GEBABEBB', 'KREDBEBB', 'BBRUBEBB', 'ARSPBE22', 'NICABEBB', 'TRIONL2U'][i]!,
    status: i === 5 ? 'beta' : i === 6 ? 'experimental' : 'stable',
  }));

  // ---- OAuth state
  const codes = new Map<string, { redirectUri: string; challenge: string; used: boolean; expiresAt: number }>();
  const refreshTokens = new Map<string, { current: boolean }>();
  const accessTokens = new Map<string, { expiresAt: number; refresh: string }>();
  const reauthorizations = new Map<string, { accountId: string; redirectUri: string }>();
  const syncs = new Map<string, { accountId: string; polls: number; status: string; createdAt: number }>();
  const state = { denyNextConsent: false, syncFailNext: null as null | { code: string; detail: string }, lastErrorRequestId: '' };

  const api = new Simulator('/ponto-connect');
  const auth = new Simulator();
  let publicBase = '';

  const rid = () => randomUUID();
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): SimReply => {
    const id = rid();
    if (status >= 400) state.lastErrorRequestId = id;
    return { status, body: serialize(body), headers: { 'content-type': 'application/vnd.api+json', 'ibanity-request-id': id, ...headers } };
  };
  const apiError = (status: number, code: string, detail: string, meta: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    reply(status, { errors: [{ code, detail, meta: { requestId: undefined, ...meta } }] }, headers);
  const oauthError = (status: number, error: string, description: string): SimReply => {
    const id = rid();
    state.lastErrorRequestId = id;
    return { status, body: JSON.stringify({ error, error_description: description }), headers: { 'content-type': 'application/json', 'ibanity-request-id': id } };
  };

  const bearer = (req: SimRequest): SimReply | null => {
    const h = req.headers['authorization'] ?? '';
    const token = h.startsWith('Bearer ') ? h.slice(7) : '';
    const t = accessTokens.get(token);
    if (!t || t.expiresAt <= now().getTime()) {
      return apiError(401, 'invalidAccessToken', 'The access token is invalid or expired.', {});
    }
    return null;
  };
  const account = (id: string) => accounts.find((a) => a.id === id);
  const authorized = (a: SimAccount): SimReply | null =>
    a.authorizationExpiresAt <= now().getTime()
      ? apiError(403, 'authorizationExpired', 'The authorization for this account has expired. The user needs to reauthorize it.', { resource: 'account', resourceId: a.id })
      : null;

  const basicOk = (req: SimRequest) => {
    const h = req.headers['authorization'] ?? '';
    return h === `Basic ${Buffer.from(`${PONTO_CLIENT_ID}:${PONTO_CLIENT_SECRET}`).toString('base64')}`;
  };
  const issue = () => {
    const refresh = `rt-${randomBytes(16).toString('hex')}`;
    const access = `at-${randomBytes(16).toString('hex')}`;
    refreshTokens.set(refresh, { current: true });
    accessTokens.set(access, { expiresAt: now().getTime() + ACCESS_TOKEN_TTL_S * 1000, refresh });
    return { access_token: access, refresh_token: refresh, expires_in: ACCESS_TOKEN_TTL_S, token_type: 'bearer', scope: 'ai pi name offline_access' };
  };

  // ---- authorization host (browser pages)
  auth.on('GET', '/oauth2/auth', (req): SimReply => {
    const q = req.query;
    const redirect = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== PONTO_CLIENT_ID) return { status: 400, body: 'unknown client_id', headers: { 'content-type': 'text/html' } };
    if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(redirect)) return { status: 400, body: 'redirect_uri not registered', headers: { 'content-type': 'text/html' } };
    const back = new URL(redirect);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    const bad = q.get('response_type') !== 'code' ? 'unsupported_response_type'
      : (q.get('scope') ?? '').split(' ').sort().join(' ') !== 'ai name offline_access pi' ? 'invalid_scope'
        : q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') ? 'invalid_request' : null;
    if (bad) back.searchParams.set('error', bad);
    else if (state.denyNextConsent) {
      state.denyNextConsent = false;
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The resource owner denied the request');
    } else {
      const code = `code-${randomBytes(12).toString('hex')}`;
      codes.set(code, { redirectUri: redirect, challenge: q.get('code_challenge')!, used: false, expiresAt: now().getTime() + 10 * 60_000 });
      back.searchParams.set('code', code);
      back.searchParams.set('scope', 'ai pi name offline_access');
      for (const a of accounts) a.authorizationExpiresAt = now().getTime() + CONSENT_DAYS * DAY_MS;
    }
    return { status: 302, headers: { location: back.toString(), 'content-type': 'text/html' }, body: '' };
  });
  auth.on('GET', '/reauthorize/:id', (_req, p): SimReply => {
    const r = reauthorizations.get(p['id']!);
    if (!r) return { status: 404, body: 'unknown reauthorization request', headers: { 'content-type': 'text/html' } };
    reauthorizations.delete(p['id']!);
    const a = account(r.accountId);
    if (a) for (const x of accounts) x.authorizationExpiresAt = now().getTime() + CONSENT_DAYS * DAY_MS;
    return { status: 302, headers: { location: r.redirectUri, 'content-type': 'text/html' }, body: '' };
  });

  // ---- OAuth token endpoints (on the API host: mTLS)
  api.on('POST', '/oauth2/token', (req) => {
    if (!basicOk(req)) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const f = (req.json ?? {}) as Record<string, string>;
    if (f['grant_type'] === 'authorization_code') {
      const c = codes.get(f['code'] ?? '');
      if (!c || c.used || c.expiresAt <= now().getTime()) return oauthError(400, 'invalid_grant', 'The authorization code is invalid, expired or was already used.');
      c.used = true;
      if (c.redirectUri !== f['redirect_uri']) return oauthError(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request.');
      const challenge = createHash('sha256').update(f['code_verifier'] ?? '').digest('base64url');
      if (challenge !== c.challenge) return oauthError(400, 'invalid_grant', 'The PKCE code_verifier does not match the code_challenge.');
      return { status: 200, body: JSON.stringify(issue()), headers: { 'content-type': 'application/json', 'ibanity-request-id': rid() } };
    }
    if (f['grant_type'] === 'refresh_token') {
      const r = refreshTokens.get(f['refresh_token'] ?? '');
      if (!r || !r.current) return oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired, revoked or was already used.');
      r.current = false; // rotation: a refresh token works once
      return { status: 200, body: JSON.stringify(issue()), headers: { 'content-type': 'application/json', 'ibanity-request-id': rid() } };
    }
    return oauthError(400, 'unsupported_grant_type', `grant_type ${f['grant_type'] ?? '(none)'} is not supported.`);
  });
  api.on('POST', '/oauth2/revoke', (req) => {
    if (!basicOk(req)) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const token = ((req.json ?? {}) as Record<string, string>)['token'] ?? '';
    const r = refreshTokens.get(token);
    if (r) r.current = false;
    for (const [k, v] of accessTokens) if (v.refresh === token) accessTokens.delete(k);
    return { status: 200, body: '{}', headers: { 'ibanity-request-id': rid() } };
  });

  // ---- API
  api.on('GET', '/userinfo', (req) => bearer(req) ?? reply(200, { sub: PONTO_SIM_USER, name: 'Test Company BV', paymentsActivated: false, onboardingComplete: true }));

  api.on('GET', '/financial-institutions', (req) => {
    const limit = Math.min(Number(req.query.get('page[limit]') ?? 10) || 10, 100);
    const after = req.query.get('page[after]');
    const start = after ? institutions.findIndex((i) => i.id === after) + 1 : 0;
    const page = institutions.slice(start, start + limit);
    const more = start + limit < institutions.length;
    return reply(200, {
      data: page.map((i) => ({
        type: 'financialInstitution', id: i.id,
        attributes: { name: i.name, country: i.country, bic: i.bic, status: i.status, logoUrl: `https://media.ibanity.com/${i.id}.png`, maintenanceFrom: null, maintenanceTo: null },
      })),
      meta: { paging: { limit, ...(after ? { after } : {}) } },
      links: { first: `${publicBase}/financial-institutions`, ...(more ? { next: `${publicBase}/financial-institutions?page[limit]=${limit}&page[after]=${page[page.length - 1]!.id}` } : {}) },
    });
  });

  api.on('GET', '/accounts', (req) => bearer(req) ?? reply(200, {
    data: accounts.map((a) => ({
      type: 'account', id: a.id,
      attributes: {
        reference: a.iban, referenceType: 'IBAN', description: a.description, product: 'Business account', holderName: 'Test Company BV', currency: a.currency,
        currentBalance: num(decimal(balanceCents(a))), availableBalance: num(decimal(balanceCents(a) + 100_000)),
        currentBalanceReferenceDate: now().toISOString(), availableBalanceReferenceDate: now().toISOString(),
        authorizationExpirationExpectedAt: new Date(a.authorizationExpiresAt).toISOString(),
        authorizedAt: new Date(a.authorizationExpiresAt - CONSENT_DAYS * DAY_MS).toISOString(),
        synchronizedAt: new Date(a.lastSyncAt ?? today).toISOString(), deprecated: false, internalReference: a.id.slice(0, 8),
      },
      relationships: { financialInstitution: { data: { type: 'financialInstitution', id: institutions[0]!.id } } },
    })),
    meta: { paging: { limit: 10 } },
    links: { first: `${publicBase}/accounts` },
  }));

  const txJson = (a: SimAccount, t: SimTransaction) => ({
    type: 'transaction', id: t.id,
    attributes: {
      valueDate: `${t.date}T00:00:00.000Z`, executionDate: `${t.date}T00:00:00.000Z`, amount: num(decimal(t.cents)), currency: a.currency,
      description: t.description, remittanceInformation: t.remittanceInformation, remittanceInformationType: 'unstructured',
      counterpartName: t.counterpartName, counterpartReference: t.counterpartReference, endToEndId: t.endToEndId,
      internalReference: t.internalReference, bankTransactionCode: 'PMNT-ICDT-STDO', purposeCode: null, mandateId: null, creditorId: null, additionalInformation: null,
    },
    relationships: { account: { data: { type: 'account', id: a.id } } },
  });

  const list = (req: SimRequest, a: SimAccount, items: SimTransaction[], path: string): SimReply => {
    const limitText = req.query.get('page[limit]') ?? '10';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return apiError(400, 'validationError', 'page[limit] must be an integer between 1 and 100.', { attribute: 'page[limit]' });
    }
    const after = req.query.get('page[after]');
    const before = req.query.get('page[before]');
    let page: SimTransaction[];
    let start: number;
    if (after) {
      const i = items.findIndex((t) => t.id === after);
      if (i < 0) return apiError(400, 'invalidCursor', `page[after] ${after} is not a transaction of this account.`);
      start = i + 1;
      page = items.slice(start, start + limit);
    } else if (before) {
      const i = items.findIndex((t) => t.id === before);
      if (i < 0) return apiError(400, 'invalidCursor', `page[before] ${before} is not a transaction of this account.`);
      start = Math.max(0, i - limit);
      page = items.slice(start, i);
    } else {
      start = 0;
      page = items.slice(0, limit);
    }
    const more = start + page.length < items.length && page.length > 0;
    const base = `${publicBase}/accounts/${a.id}/${path}`;
    return reply(200, {
      data: page.map((t) => txJson(a, t)),
      meta: { paging: { limit, ...(after ? { after } : {}), ...(before ? { before } : {}) } },
      links: {
        first: `${base}?page[limit]=${limit}`,
        ...(start > 0 && page.length ? { prev: `${base}?page[limit]=${limit}&page[before]=${page[0]!.id}` } : {}),
        ...(more ? { next: `${base}?page[limit]=${limit}&page[after]=${page[page.length - 1]!.id}` } : {}),
      },
    });
  };

  api.on('GET', '/accounts/:id/transactions', (req, p) => {
    const denied = bearer(req);
    if (denied) return denied;
    const a = account(p['id']!);
    if (!a) return apiError(404, 'resourceNotFound', 'The requested resource was not found.', { resource: 'account' });
    return authorized(a) ?? list(req, a, a.posted, 'transactions');
  });
  api.on('GET', '/accounts/:id/pending-transactions', (req, p) => {
    const denied = bearer(req);
    if (denied) return denied;
    const a = account(p['id']!);
    if (!a) return apiError(404, 'resourceNotFound', 'The requested resource was not found.', { resource: 'account' });
    return authorized(a) ?? list(req, a, a.pending, 'pending-transactions');
  });

  api.on('POST', '/synchronizations', (req) => {
    const denied = bearer(req);
    if (denied) return denied;
    const attrs = ((req.json as { data?: { attributes?: Record<string, string> } } | undefined)?.data?.attributes) ?? {};
    if (attrs['resourceType'] !== 'account' || !['accountDetails', 'accountTransactions', 'accountTransactionsWithUnsettled'].includes(attrs['subtype'] ?? '')) {
      return apiError(400, 'validationError', 'resourceType must be account and subtype accountDetails, accountTransactions or accountTransactionsWithUnsettled.');
    }
    const a = account(attrs['resourceId'] ?? '');
    if (!a) return apiError(404, 'resourceNotFound', 'The requested resource was not found.', { resource: 'account' });
    const exp = authorized(a);
    if (exp) return exp;
    const t = now().getTime();
    if (a.lastSyncAt !== undefined && t - a.lastSyncAt < SYNC_MIN_INTERVAL_MS) {
      return apiError(400, 'accountRecentlySynchronized', 'The account has been synchronized recently. Please wait before requesting a new synchronization.',
        { resource: 'synchronization', retryAt: new Date(a.lastSyncAt + SYNC_MIN_INTERVAL_MS).toISOString() });
    }
    a.lastSyncAt = t;
    const id = randomUUID();
    syncs.set(id, { accountId: a.id, polls: 0, status: 'pending', createdAt: t });
    return reply(201, { data: { type: 'synchronization', id, attributes: { resourceType: 'account', resourceId: a.id, subtype: attrs['subtype'], status: 'pending', errors: [], createdAt: new Date(t).toISOString(), updatedAt: new Date(t).toISOString() } } });
  });
  api.on('GET', '/synchronizations/:id', (req, p) => {
    const denied = bearer(req);
    if (denied) return denied;
    const s = syncs.get(p['id']!);
    if (!s) return apiError(404, 'resourceNotFound', 'The requested resource was not found.', { resource: 'synchronization' });
    s.polls++;
    let errors: unknown[] = [];
    if (s.status === 'pending') s.status = 'running';
    else if (s.status === 'running') {
      if (state.syncFailNext) {
        s.status = 'error';
        errors = [state.syncFailNext];
        state.syncFailNext = null;
      } else s.status = 'success';
    }
    return reply(200, { data: { type: 'synchronization', id: p['id'], attributes: { resourceType: 'account', resourceId: s.accountId, subtype: 'accountTransactions', status: s.status, errors, createdAt: new Date(s.createdAt).toISOString(), updatedAt: now().toISOString() } } });
  });

  api.on('POST', '/accounts/:id/reauthorization-requests', (req, p) => {
    const denied = bearer(req);
    if (denied) return denied;
    const a = account(p['id']!);
    if (!a) return apiError(404, 'resourceNotFound', 'The requested resource was not found.', { resource: 'account' });
    const redirectUri = ((req.json as { data?: { attributes?: { redirectUri?: string } } } | undefined)?.data?.attributes?.redirectUri) ?? '';
    if (!redirectUri) return apiError(400, 'validationError', 'redirectUri is required.', { attribute: 'redirectUri' });
    const id = randomUUID();
    reauthorizations.set(id, { accountId: a.id, redirectUri });
    return reply(201, { data: { type: 'reauthorizationRequest', id, links: { redirect: `${auth.baseUrl}/reauthorize/${id}` } } });
  });

  await api.start();
  await auth.start();

  // ---- the HTTPS front: TLS with a required client certificate, piped to the API host
  const innerPort = Number(new URL(api.baseUrl).port);
  const sockets = new Set<Socket | TLSSocket>();
  const refused: string[] = [];
  const tls: TlsServer = createTlsServer({
    key: opts.pki.serverKey, cert: opts.pki.serverCert, ca: opts.pki.ca, requestCert: true, rejectUnauthorized: true,
  }, (client) => {
    const upstream = connect(innerPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  tls.on('tlsClientError', (e) => refused.push(e.message));
  await new Promise<void>((ok, fail) => {
    tls.once('error', fail);
    tls.listen(0, '127.0.0.1', () => ok());
  });
  publicBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/ponto-connect`;

  return {
    sim: api,
    authSim: auth,
    baseUrl: publicBase,
    authUrl: `${auth.baseUrl}/oauth2/auth`,
    accounts,
    state,
    /** TLS handshakes refused (no or a wrong client certificate). */
    refused,
    balance: (accountId: string) => decimal(balanceCents(account(accountId)!)),
    /** A pending transaction posts: it leaves the pending list and appears posted under a new id. */
    postPending(accountId: string, pendingId: string, date?: string): SimTransaction {
      const a = account(accountId)!;
      const i = a.pending.findIndex((t) => t.id === pendingId);
      if (i < 0) throw new Error(`no pending ${pendingId}`);
      const [p] = a.pending.splice(i, 1);
      const t: SimTransaction = { ...p!, id: nextId(), internalReference: `IR${String(serial + 1).padStart(8, '0')}`, date: date ?? p!.date, remittanceInformation: p!.remittanceInformation.replace(' (pending)', '') };
      a.posted.push(t);
      a.posted.sort(newestFirst);
      return t;
    },
    addPosted(accountId: string, cents: number, date: string, partner = 'Late Partner'): SimTransaction {
      const a = account(accountId)!;
      const t = makeTx(cents, date, partner, `Transfer ${partner}`);
      a.posted.push(t);
      a.posted.sort(newestFirst);
      return t;
    },
    addPending(accountId: string, cents: number, date: string, partner = 'Pending Partner'): SimTransaction {
      const a = account(accountId)!;
      const t = makeTx(cents, date, partner, `Card payment ${partner} (pending)`);
      a.pending.unshift(t);
      return t;
    },
    /** The bank re-issues the ids of the transactions booked on `date` (id churn). */
    churnIds(accountId: string, date: string): number {
      const a = account(accountId)!;
      let n = 0;
      for (const t of a.posted) if (t.date === date) { t.id = nextId(); n++; }
      a.posted.sort(newestFirst);
      return n;
    },
    expireConsent(): void {
      for (const a of accounts) a.authorizationExpiresAt = now().getTime() - 1000;
    },
    /** Every token dies (as after the user revoked the app in Ponto). */
    revokeAllTokens(): void {
      for (const r of refreshTokens.values()) r.current = false;
      accessTokens.clear();
    },
    /** The access tokens die; the refresh tokens live on. */
    expireAccessTokens(): void {
      accessTokens.clear();
    },
    currentRefreshTokens: () => [...refreshTokens].filter(([, v]) => v.current).map(([k]) => k),
    /** The next matching API request gets 429 tooManyRequests with Retry-After. */
    rateLimitNext(retryAfterSeconds: number, match?: (r: SimRequest) => boolean): string {
      const requestId = rid();
      api.inject({
        kind: 'status', status: 429,
        headers: { 'retry-after': String(retryAfterSeconds), 'ibanity-request-id': requestId, 'content-type': 'application/vnd.api+json' },
        body: { errors: [{ code: 'tooManyRequests', detail: 'Too many requests. Please try again later.', meta: {} }] },
      }, match ? { match } : {});
      return requestId;
    },
    /** The next matching API request gets a 5xx with Ibanity's error body. */
    serverErrorNext(status = 500, match?: (r: SimRequest) => boolean): string {
      const requestId = rid();
      api.inject({
        kind: 'status', status,
        headers: { 'ibanity-request-id': requestId, 'content-type': 'application/vnd.api+json' },
        body: { errors: [{ code: 'internalServerError', detail: 'An unexpected error occurred. Please try again later.', meta: {} }] },
      }, match ? { match } : {});
      return requestId;
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => tls.close(() => r()));
      await api.close();
      await auth.close();
    },
  };
}

export type PontoSim = Awaited<ReturnType<typeof startPontoSimulator>>;
