// The Enable Banking client against its simulator over real HTTP, driven through the real
// sync engine and ledger: JWT auth, consent, multi-month history with paging, pending →
// posted under new ids, id churn, every documented error, faults and the unattended limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { staticConfig } from '../../../main/providers/config';
import { EnableBankingProvider } from '../../../main/providers/enablebanking/index';
import type { ProviderError } from '../../../main/providers/errors';
import type { ConnectionContext } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { startEnableBankingSimulator, type EbSimTransaction } from '../../simulators/enablebanking';

const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
/** The simulator's key of the account the journal follows. */
const UID = 'acc-eur-1';
/** Its identification_hash: the account id the client exposes (stable across sessions). */
const ACCOUNT_ID = 'hash-acc-eur-1';
const START = '2026-06-15T10:00:00Z';

type T = { after(fn: () => unknown): void };

async function setup(t: T, o: { pageSize?: number; privateKey?: string; timeoutMs?: number; refuseOlderThanDays?: number } = {}) {
  const clock = FakeClock.at(START);
  const sim = await startEnableBankingSimulator({ appId: APP_ID, publicKeyPem: keys.publicKey, now: clock.now, ...(o.pageSize ? { pageSize: o.pageSize } : {}), ...(o.refuseOlderThanDays ? { refuseOlderThanDays: o.refuseOlderThanDays } : {}) });
  const provider = new EnableBankingProvider({
    config: staticConfig('Enable Banking', { app_id: APP_ID, private_key: o.privateKey ?? keys.privateKey, base_url: sim.baseUrl }),
    now: clock.now,
    timeoutMs: o.timeoutMs ?? 3000,
    psuIpAddress: () => '192.0.2.10',
  });
  const l = tempLedger();
  const ids = seedConnection(l.db, { provider: 'enablebanking', providerAccountId: ACCOUNT_ID, currency: 'EUR' });
  const sessionId = sim.authorizeSession(90);
  l.db.prepare(`UPDATE connections SET provider_ref = ?, institution_id = 'FI:Nordea', institution_name = 'Nordea' WHERE id = ?`).run(sessionId, ids.connectionId);
  const secrets = new Map<string, string>();
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') => engine.run(ids.connectionId, provider, {
    trigger, getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => { secrets.set(k, v); },
  });
  t.after(async () => {
    await sim.close();
    l.cleanup();
  });
  const conn = () => l.db.prepare('SELECT state, state_action, retry_at, failed_logins, auto_sync FROM connections WHERE id = ?').get(ids.connectionId) as {
    state: string; state_action: string | null; retry_at: string | null; failed_logins: number; auto_sync: number;
  };
  const lines = () => listLines(l.db, { journalId: ids.journalId });
  const bankLines = () => lines().filter((x) => x.kind === 'bank');
  const balance = () => getJournal(l.db, ids.journalId)!.balance;
  const lastChatter = () => listChatter(l.db, { connectionId: ids.connectionId }).at(-1)!;
  const booked = () => sim.accounts.get(UID)!.transactions.filter((x) => x.status === 'BOOK');
  return { sim, provider, clock, ...l, ...ids, sessionId, sync, conn, lines, bankLines, balance, lastChatter, booked };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test('a multi-month history syncs page by page: ledger equals the bank, signs, ids, FX and JWT reuse', async (t) => {
  const s = await setup(t);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  const booked = s.booked();
  assert.ok(booked.length > 300, `a few hundred transactions (${booked.length})`);
  const months = new Set(booked.map((x) => x.booking_date.slice(0, 7)));
  assert.ok(months.size >= 7, 'more than six months of history');
  assert.equal(s.bankLines().length, booked.length, 'every booked transaction is one line');
  assert.equal(s.balance(), s.sim.balanceMinor(UID), 'ledger balance equals the bank balance (CLBD, not ITAV)');
  assert.deepEqual(checkIntegrity(s.db), []);
  const pages = s.db.prepare('SELECT COUNT(*) FROM sync_log').pluck().get() as number;
  assert.ok(pages >= Math.ceil(booked.length / 40), `continuation_key followed (${pages} pages)`);

  // Signs from credit_debit_indicator, ids, partner and original amounts.
  const byId = new Map(s.bankLines().map((l) => [l.provider_ids.find((p) => p.kind === 'transaction')!.id, l]));
  const find = (x: EbSimTransaction) => byId.get(x.entry_reference ?? x.transaction_id!)!;
  const rent = booked.find((x) => x.counterparty === 'Toimitilat Oy' && x.entry_reference !== undefined)!;
  assert.equal(find(rent).amount, -180000);
  assert.equal(find(rent).partner_name, 'Toimitilat Oy');
  assert.equal(find(rent).account_number, 'FI5810171000000122');
  assert.equal(find(rent).payment_ref, 'Office rent');
  assert.deepEqual(find(rent).provider_ids.find((p) => p.kind === 'internal')?.id, rent.transaction_id, 'transaction_id kept as internal id');
  const salary = booked.find((x) => x.counterparty === 'Asiakas Oy')!;
  assert.equal(find(salary).amount, salary.minor);
  assert.ok(salary.minor > 0);
  const noRef = booked.find((x) => x.entry_reference === undefined)!;
  assert.ok(noRef, 'the bank gives some bookings without entry_reference');
  assert.deepEqual(find(noRef).provider_ids, [{ kind: 'transaction', id: noRef.transaction_id }], 'falls back to transaction_id');
  const fx = booked.find((x) => x.instructed)!;
  assert.equal(find(fx).foreign_currency, 'USD');
  assert.equal(find(fx).foreign_amount, -fx.instructed!.minor);
  assert.equal(find(fx).exchange_rate, '0.9200');

  // One JWT for the whole run, PSU headers because the user is present.
  assert.equal(s.sim.tokensSeen.size, 1, 'the JWT is cached and reused');
  const accountCalls = s.sim.log.filter((q) => q.path.startsWith('/accounts/'));
  assert.ok(accountCalls.every((q) => q.headers['psu-ip-address'] === '192.0.2.10' && typeof q.headers['psu-user-agent'] === 'string'));
  const first = s.sim.log.find((q) => q.path.endsWith('/transactions'))!;
  assert.equal(first.query.get('date_to') !== null && first.query.get('date_from') !== null, true);

  // (d) A second sync (ten minutes later, same JWT) brings nothing doubled.
  s.clock.ms += 10 * 60_000;
  const again = await s.sync();
  assert.equal(s.sim.tokensSeen.size, 1, 'the JWT is reused until near its expiry');
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0);
  assert.equal(s.bankLines().length, booked.length);
  assert.equal(s.balance(), s.sim.balanceMinor(UID));
  assert.deepEqual(checkIntegrity(s.db), []);

  // Two hours later the JWT (1 h) is renewed.
  s.clock.ms += 2 * 3_600_000;
  assert.equal((await s.sync()).ok, true);
  assert.equal(s.sim.tokensSeen.size, 2);
});

test('consent: /aspsps, /auth, the bank page redirect with code and state, /sessions, accounts masked with the booked balance', async (t) => {
  const s = await setup(t);
  const institutions = await s.provider.listInstitutions();
  const nordea = institutions.find((i) => i.id === 'FI:Nordea')!;
  assert.equal(nordea.name, 'Nordea');
  assert.equal(nordea.bic, 'NDEAFIHH');
  assert.equal(nordea.beta, false);
  assert.equal(nordea.historyDays, 730);
  assert.equal(nordea.unattendedPerDay, 4);
  assert.equal(institutions.find((i) => i.id === 'SE:SEB')!.beta, true);

  const { url } = await s.provider.startConsent({ institutionId: 'FI:Nordea', redirectUri: 'http://127.0.0.1:45678/callback', state: 'st-123', mode: 'new' });
  const auth = s.sim.log.find((q) => q.path === '/auth')!;
  const body = auth.json as { access: { valid_until: string }; aspsp: { name: string; country: string }; psu_type: string; state: string; redirect_url: string };
  assert.deepEqual(body.aspsp, { name: 'Nordea', country: 'FI' });
  assert.equal(body.psu_type, 'business');
  assert.equal(body.state, 'st-123');
  assert.equal(body.redirect_url, 'http://127.0.0.1:45678/callback');
  assert.equal(body.access.valid_until, new Date(Date.parse(START) + 180 * 86_400_000).toISOString(), "the bank's maximum consent validity");

  const page = await fetch(url, { redirect: 'manual' });
  assert.equal(page.status, 302);
  const back = new URL(page.headers.get('location')!);
  assert.equal(back.origin + back.pathname, 'http://127.0.0.1:45678/callback');
  assert.equal(back.searchParams.get('state'), 'st-123');
  const params = Object.fromEntries(back.searchParams);
  const result = await s.provider.completeConsent({ institutionId: 'FI:Nordea', params, now: s.clock.now() });
  assert.match(result.providerRef, /^sess-/);
  assert.deepEqual(result.secrets, {}, 'the session id is not a secret; nothing for the vault');
  assert.equal(result.consentExpiresAt, body.access.valid_until);
  // The code is single use.
  await assert.rejects(s.provider.completeConsent({ institutionId: 'FI:Nordea', params, now: s.clock.now() }), (e: ProviderError) => e.providerCode === 'WRONG_AUTHORIZATION_CODE');

  const ctx: ConnectionContext = {
    connectionId: 1, institutionId: 'FI:Nordea', providerRef: result.providerRef, interactive: true, now: s.clock.now,
    getSecret: async () => undefined, setSecret: async () => undefined,
  };
  const accounts = await s.provider.listAccounts(ctx);
  assert.deepEqual(accounts.map((a) => a.id), ['hash-acc-eur-1', 'hash-acc-eur-2'], 'identification_hash, not the per-session uid');
  assert.equal(accounts[0]!.accountNumber, 'FI14 **** 3458');
  assert.equal(accounts[0]!.currency, 'EUR');
  assert.equal(accounts[0]!.name, 'Business current account');
  const cents = s.sim.balanceMinor(UID);
  assert.equal(accounts[0]!.balance, `${(cents / 100).toFixed(2)}`, 'CLBD as exact decimal text');

  // Revoke ends the session at Enable Banking; a second revoke is harmless.
  await s.provider.revoke(ctx);
  assert.equal(s.sim.sessions.get(result.providerRef)!.status, 'REVOKED');
  await s.provider.revoke(ctx);
  await assert.rejects(s.provider.listAccounts(ctx), (e: ProviderError) => e.code === 'consent_expired');

  // A cancelled consent comes back with error=access_denied.
  const { url: url2 } = await s.provider.startConsent({ institutionId: 'FI:Nordea', redirectUri: 'http://127.0.0.1:45678/callback', state: 'st-2', mode: 'new' });
  const denied = new URL((await fetch(`${url2}?deny=1`, { redirect: 'manual' })).headers.get('location')!);
  assert.equal(denied.searchParams.get('code'), null);
  await assert.rejects(
    s.provider.completeConsent({ institutionId: 'FI:Nordea', params: Object.fromEntries(denied.searchParams), now: s.clock.now() }),
    (e: ProviderError) => e.code === 'user_action_required' && e.providerCode === 'ACCESS_DENIED',
  );
});

test('pending then posted under new ids gives one line; id churn and a booking without entry_reference bring no duplicate', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const count = s.bankLines().length;
  const today = isoDay(s.clock.ms);
  const yesterday = isoDay(s.clock.ms - 86_400_000);
  const pid = s.sim.addPending(UID, { minor: -4599, date: yesterday, counterparty: 'Cafe Regatta' });
  const r1 = await s.sync();
  assert.equal(r1.ok, true);
  assert.equal(r1.pending, 1);
  assert.equal(s.bankLines().length, count, 'a pending transaction is not a statement line');
  assert.deepEqual(listPendingLines(s.db, s.journalId).map((p) => [p.provider_id, p.amount]), [[pid, -4599]]);
  const bankBalance = s.db.prepare('SELECT balance FROM online_accounts WHERE id = ?').pluck().get(s.accountId) as number;
  assert.equal(bankBalance, s.sim.balanceMinor(UID), 'the booked balance (CLBD), not the available one (ITAV) that counts the pending payment');
  assert.deepEqual(checkIntegrity(s.db), []);

  s.clock.ms += 86_400_000;
  const posted = s.sim.postPending(UID, pid, today);
  const r2 = await s.sync();
  assert.equal(r2.ok, true);
  assert.equal(r2.stored, 1);
  assert.equal(s.bankLines().length, count + 1);
  assert.equal(listPendingLines(s.db, s.journalId).length, 0, 'the pending line is replaced');
  const line = s.bankLines().find((l) => l.provider_ids.some((p) => p.id === posted.entryReference))!;
  assert.equal(line.amount, -4599);
  assert.ok(line.provider_ids.some((p) => p.id === pid), 'the line keeps the pending id it replaced');
  assert.equal(s.balance(), s.sim.balanceMinor(UID));

  // The bank re-issues every transaction_id; entry_reference stays: nothing doubles.
  s.sim.churnTransactionIds(UID);
  s.sim.addBooked(UID, { minor: 12500, date: isoDay(s.clock.ms), counterparty: 'Cash deposit', entryReference: null, transactionId: 'no-ref-1' });
  const r3 = await s.sync();
  assert.equal(r3.ok, true);
  assert.equal(r3.stored, 1, 'only the new booking');
  assert.ok(r3.duplicates > 0, 'the overlap came back with new transaction_ids and was recognized');
  assert.deepEqual(s.bankLines().find((l) => l.amount === 12500)!.provider_ids, [{ kind: 'transaction', id: 'no-ref-1' }]);
  assert.equal(s.balance(), s.sim.balanceMinor(UID));
  assert.deepEqual(checkIntegrity(s.db), []);
});

interface ErrorCase {
  name: string;
  arrange: (s: Awaited<ReturnType<typeof setup>>) => void | Promise<void>;
  state: string;
  action: string | null;
  providerCode: string;
  /** An exact request id we injected, else the simulator's. */
  requestId?: string;
  description?: RegExp;
}

const inject = (status: number, error: string | null, message: string, path: RegExp, requestId: string) =>
  (s: Awaited<ReturnType<typeof setup>>) => s.sim.inject(
    { kind: 'status', status, body: { message, code: status, error, detail: null }, headers: { 'x-request-id': requestId } },
    { match: (q) => path.test(q.path) },
  );

const ERROR_CASES: ErrorCase[] = [
  { name: 'session status EXPIRED', arrange: (s) => s.sim.expireSession(s.sessionId), state: 'waiting_for_user', action: 'reconnect', providerCode: 'SESSION_EXPIRED' },
  { name: 'session status REVOKED', arrange: (s) => s.sim.revokeSession(s.sessionId), state: 'waiting_for_user', action: 'reconnect', providerCode: 'SESSION_REVOKED' },
  { name: 'EXPIRED_SESSION on transactions', arrange: inject(401, 'EXPIRED_SESSION', 'Session is expired', /transactions$/, 'req-exp-1'), state: 'waiting_for_user', action: 'reconnect', providerCode: 'EXPIRED_SESSION', requestId: 'req-exp-1' },
  { name: 'REVOKED_SESSION on balances', arrange: inject(401, 'REVOKED_SESSION', 'Session is revoked', /balances$/, 'req-rev-1'), state: 'waiting_for_user', action: 'reconnect', providerCode: 'REVOKED_SESSION', requestId: 'req-rev-1' },
  { name: 'CLOSED_SESSION', arrange: inject(401, 'CLOSED_SESSION', 'Session is closed', /transactions$/, 'req-clo-1'), state: 'waiting_for_user', action: 'reconnect', providerCode: 'CLOSED_SESSION', requestId: 'req-clo-1' },
  { name: 'ASPSP_PSU_ACTION_REQUIRED', arrange: (s) => s.sim.requirePsuAction(UID), state: 'waiting_for_user', action: 'mfa', providerCode: 'ASPSP_PSU_ACTION_REQUIRED', description: /new terms/ },
  { name: 'ASPSP_ERROR (502)', arrange: inject(502, 'ASPSP_ERROR', 'Error interacting with ASPSP', /transactions$/, 'req-aspsp-1'), state: 'error', action: null, providerCode: 'ASPSP_ERROR', requestId: 'req-aspsp-1' },
  { name: 'ASPSP_TIMEOUT', arrange: inject(504, 'ASPSP_TIMEOUT', 'ASPSP did not respond in time', /balances$/, 'req-to-1'), state: 'error', action: null, providerCode: 'ASPSP_TIMEOUT', requestId: 'req-to-1' },
  { name: 'a bare 503', arrange: inject(503, null, 'Service Unavailable', /sessions/, 'req-503'), state: 'error', action: null, providerCode: 'HTTP_503', requestId: 'req-503' },
  { name: 'the JWT is refused (wrong key: configuration problem)', arrange: (s) => s.sim.setApplication(APP_ID, otherKeys.publicKey), state: 'error', action: null, providerCode: 'UNAUTHORIZED_ACCESS', description: /configuration problem.*ENABLEBANKING_PRIVATE_KEY/ },
  { name: 'an unknown error', arrange: inject(422, 'SOMETHING_NEW', 'Something new went wrong', /transactions$/, 'req-unk-1'), state: 'error', action: null, providerCode: 'SOMETHING_NEW', requestId: 'req-unk-1', description: /Something new went wrong/ },
];

for (const c of ERROR_CASES) {
  test(`error: ${c.name} → ${c.state}${c.action ? `/${c.action}` : ''} with the request id as reference`, async (t) => {
    const s = await setup(t);
    await c.arrange(s);
    const r = await s.sync();
    assert.equal(r.ok, false);
    const conn = s.conn();
    assert.equal(conn.state, c.state);
    assert.equal(conn.state_action, c.action);
    assert.equal(conn.failed_logins, 0, 'never counted as a refused bank login');
    assert.equal(s.bankLines().length, 0);
    const run = s.db.prepare('SELECT error_description, reference FROM sync_runs ORDER BY id DESC LIMIT 1').get() as { error_description: string; reference: string };
    const chatter = s.lastChatter();
    assert.equal(chatter.reference, run.reference);
    if (c.requestId) assert.equal(chatter.reference, `enablebanking:${c.requestId}`);
    else assert.match(chatter.reference ?? '', /^enablebanking:eb-req-\d{6}$/);
    if (c.description) assert.match(chatter.error_description ?? '', c.description);
    // The provider code reaches the error the engine saw.
    const e = await s.provider.listAccounts({
      connectionId: s.connectionId, institutionId: 'FI:Nordea', providerRef: s.sessionId, interactive: true, now: s.clock.now,
      getSecret: async () => undefined, setSecret: async () => undefined,
    }).then(() => null, (x: unknown) => x as ProviderError);
    if (e !== null) assert.equal(e.providerCode, c.providerCode);
    else assert.ok(c.requestId, 'an injected one-shot error may be gone by now');
  });
}

test('unattended: 4 requests a day without PSU headers, the 5th is ASPSP_RATE_LIMIT_EXCEEDED → rate_limited with retryAt; the user present still syncs', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync('manual')).ok, true);
  const firstUnattended = s.clock.ms;
  for (let i = 0; i < 4; i++) {
    const r = await s.sync('scheduled');
    assert.equal(r.ok, true, `unattended run ${i + 1}: ${JSON.stringify(r.error)}`);
    s.clock.ms += 3_600_000;
  }
  assert.equal(s.sim.unattendedUsed(UID, 'transactions'), 4);
  const unattendedCalls = s.sim.log.filter((q) => q.path.startsWith('/accounts/') && q.headers['psu-ip-address'] === undefined);
  assert.ok(unattendedCalls.length >= 8, 'scheduled runs send no PSU headers');

  const r = await s.sync('scheduled');
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'rate_limited');
  const conn = s.conn();
  assert.equal(conn.state, 'connected', 'a rate limit keeps the state');
  const expected = new Date(firstUnattended + 86_400_000).toISOString();
  assert.equal(conn.retry_at, expected, 'retry when the oldest unattended request leaves the 24 h window');
  assert.match(s.lastChatter().reference ?? '', /^enablebanking:eb-req-\d+$/);
  const quota = s.db.prepare('SELECT daily_limit, remaining, reset_at FROM account_quotas WHERE online_account_id = ?').get(s.accountId) as { daily_limit: number; remaining: number; reset_at: string };
  assert.deepEqual(quota, { daily_limit: 4, remaining: 0, reset_at: expected }, 'the budget is reported');

  // With the user present (PSU headers) the bank's limit does not apply.
  s.sim.addBooked(UID, { minor: -999, date: isoDay(s.clock.ms), counterparty: 'Kiosk' });
  const manual = await s.sync('manual');
  assert.equal(manual.ok, true);
  assert.equal(manual.stored, 1);
  assert.equal(s.balance(), s.sim.balanceMinor(UID));
});

const FAULTS = [
  { name: '500', fault: { kind: 'status', status: 500, body: { message: 'Internal Server Error', code: 500, error: null, detail: null }, headers: { 'x-request-id': 'req-500' } } as const, code: 'institution_down', state: 'error' },
  { name: 'timeout', fault: { kind: 'timeout' } as const, code: 'network', state: 'error' },
  { name: 'malformed JSON', fault: { kind: 'malformed' } as const, code: 'invalid_response', state: 'error' },
  { name: 'truncated page', fault: { kind: 'truncated' } as const, code: 'network', state: 'error' },
];

for (const f of FAULTS) {
  test(`fault on a middle page (${f.name}): the sync fails clearly, stores nothing of the bad page, and the next sync completes`, async (t) => {
    const s = await setup(t, { timeoutMs: 800 });
    // The third page of the first sync fails.
    let pages = 0;
    s.sim.inject(f.fault, { match: (q) => q.path.endsWith('/transactions') && ++pages === 3 });
    const r = await s.sync();
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, f.code);
    assert.equal(s.conn().state, f.state);
    assert.equal(s.bankLines().length, 80, 'the two good pages (40 each) are kept, nothing of the bad one');
    const cursor = s.db.prepare('SELECT cursor, cursor_mid_run FROM online_accounts WHERE id = ?').get(s.accountId) as { cursor: string; cursor_mid_run: number };
    assert.equal(cursor.cursor_mid_run, 1);
    assert.match(cursor.cursor, /"k":"[0-9a-f]+"/);

    const ok = await s.sync();
    assert.equal(ok.ok, true, JSON.stringify(ok.error));
    assert.equal(s.conn().state, 'connected');
    assert.equal(s.bankLines().length, s.booked().length);
    assert.equal(s.balance(), s.sim.balanceMinor(UID));
    assert.deepEqual(checkIntegrity(s.db), []);
  });
}

test('the simulator refuses expired, over-long and foreign JWTs with an Enable Banking error body', async (t) => {
  const s = await setup(t);
  const { SignJWT, importPKCS8 } = await import('jose');
  const key = await importPKCS8(keys.privateKey, 'RS256');
  const sign = (iat: number, exp: number, kid = APP_ID) => new SignJWT({}).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid })
    .setIssuer('enablebanking.com').setAudience('api.enablebanking.com').setIssuedAt(iat).setExpirationTime(exp).sign(key);
  const now = Math.floor(s.clock.ms / 1000);
  const ask = async (token: string) => {
    const res = await fetch(`${s.sim.baseUrl}/aspsps`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { error: string; code: number; message: string } };
  };
  assert.equal((await ask(await sign(now, now + 600))).status, 200);
  for (const token of [await sign(now - 7200, now - 3600), await sign(now, now + 2 * 86_400), await sign(now, now + 600, 'someone-else')]) {
    const r = await ask(token);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'UNAUTHORIZED_ACCESS');
    assert.equal(r.body.code, 401);
  }
  // A client with a private key that is not PEM says it is a configuration problem.
  const broken = new EnableBankingProvider({ config: staticConfig('Enable Banking', { app_id: APP_ID, private_key: 'not a key', base_url: s.sim.baseUrl }) });
  await assert.rejects(broken.listInstitutions(), (e: ProviderError) => e.code === 'other' && e.providerCode === 'INVALID_PRIVATE_KEY' && /configuration/.test(e.description));
  const missing = new EnableBankingProvider({ config: staticConfig('Enable Banking', { base_url: s.sim.baseUrl }) });
  await assert.rejects(missing.listInstitutions(), (e: ProviderError) => e.providerCode === 'NOT_CONFIGURED' && /APP_ID/.test(e.message));
});

test('reconnect: a new session gives new account uids; the journal carries on by identification_hash with nothing doubled', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const count = s.bankLines().length;
  const oldUids = new Set(s.sim.log.filter((q) => q.path.endsWith('/transactions')).map((q) => q.path));
  s.sim.expireSession(s.sessionId);
  assert.equal((await s.sync()).ok, false);
  assert.deepEqual([s.conn().state, s.conn().state_action], ['waiting_for_user', 'reconnect']);

  const ctx: ConnectionContext = {
    connectionId: s.connectionId, institutionId: 'FI:Nordea', providerRef: s.sessionId, interactive: true, now: s.clock.now,
    getSecret: async () => undefined, setSecret: async () => undefined,
  };
  const { url } = await s.provider.startConsent({ institutionId: 'FI:Nordea', redirectUri: 'http://127.0.0.1:45678/cb', state: 'rc-1', mode: 'reconnect', connection: ctx });
  const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const result = await s.provider.completeConsent({ institutionId: 'FI:Nordea', params: Object.fromEntries(back.searchParams), now: s.clock.now() });
  assert.notEqual(result.providerRef, s.sessionId);
  s.db.prepare(`UPDATE connections SET provider_ref = ?, state = 'connected', state_action = NULL WHERE id = ?`).run(result.providerRef, s.connectionId);
  s.sim.addBooked(UID, { minor: 31000, date: isoDay(s.clock.ms), counterparty: 'Asiakas Oy' });
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, 1);
  assert.equal(s.bankLines().length, count + 1);
  const newPaths = s.sim.log.filter((q) => q.path.endsWith('/transactions')).map((q) => q.path).filter((p) => !oldUids.has(p));
  assert.ok(newPaths.length > 0, 'the new session uid is used');
  assert.equal(s.balance(), s.sim.balanceMinor(UID));
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('a bank refusing 730 days (WRONG_TRANSACTIONS_PERIOD) is asked its last 90 days; the opening line makes up the rest', async (t) => {
  const s = await setup(t, { refuseOlderThanDays: 100 });
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  const asked = s.sim.log.filter((q) => q.path.endsWith('/transactions') && !q.query.get('continuation_key')).map((q) => q.query.get('date_from'));
  assert.equal(asked.length, 2, 'refused once, then asked again');
  const since = isoDay(Date.parse(START) - 89 * 86_400_000);
  assert.ok(asked[1]! >= since && asked[1]! <= isoDay(Date.parse(START) - 88 * 86_400_000), `asked from ${asked[1]}`);
  assert.equal(s.bankLines().length, s.booked().filter((x) => x.booking_date >= asked[1]!).length);
  assert.equal(s.lines().filter((l) => l.kind === 'opening').length, 1);
  assert.equal(s.balance(), s.sim.balanceMinor(UID));
  assert.deepEqual(checkIntegrity(s.db), []);
});
