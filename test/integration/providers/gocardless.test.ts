// GoCardless Bank Account Data through the real sync engine, against its simulator over
// loopback HTTP: multi-month history, consent, pending → posted, every documented error,
// faults and rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { staticConfig } from '../../../main/providers/config';
import { DERIVED_ID_PREFIX, GoCardlessProvider } from '../../../main/providers/gocardless/index';
import type { ConnectionContext } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { GCL_ACCOUNT, GCL_HISTORY_DAYS, GCL_INSTITUTION, GCL_SECRET_ID, GCL_SECRET_KEY, startGoCardlessSimulator, type GoCardlessSimOptions } from '../../simulators/gocardless';

const NOW = '2026-06-15T10:00:00Z';

function minor(decimalText: string): number {
  const neg = decimalText.startsWith('-');
  const [w, f = ''] = (neg ? decimalText.slice(1) : decimalText).split('.');
  const n = Number(w) * 100 + Number(f.padEnd(2, '0'));
  return neg ? -n : n;
}

async function setup(t: { after(fn: () => unknown): void }, o: { sim?: GoCardlessSimOptions; keys?: { id: string; key: string }; timeoutMs?: number } = {}) {
  const clock = FakeClock.at(NOW);
  const gcl = await startGoCardlessSimulator({ now: clock.now, ...o.sim });
  t.after(() => gcl.close());
  const l = tempLedger();
  t.after(l.cleanup);
  const provider = new GoCardlessProvider({
    config: staticConfig('GoCardless', { secret_id: o.keys?.id ?? GCL_SECRET_ID, secret_key: o.keys?.key ?? GCL_SECRET_KEY, base_url: gcl.baseUrl }),
    now: clock.now,
    timeoutMs: o.timeoutMs ?? 2_000,
  });
  const ids = seedConnection(l.db, { provider: 'gocardless', providerAccountId: GCL_ACCOUNT, currency: 'EUR' });
  const requisitionId = gcl.linkedRequisition();
  l.db.prepare('UPDATE connections SET provider_ref = ?, institution_id = ? WHERE id = ?').run(requisitionId, GCL_INSTITUTION, ids.connectionId);
  const secrets = new Map<string, string>();
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const sync = () => engine.run(ids.connectionId, provider, {
    trigger: 'manual',
    getSecret: async (k) => secrets.get(k),
    setSecret: async (k, v) => { secrets.set(k, v); },
  });
  const conn = () => l.db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(ids.connectionId) as
    { state: string; state_action: string | null; retry_at: string | null };
  const lastChatter = () => listChatter(l.db, { connectionId: ids.connectionId }).at(-1)!;
  const bankLines = () => listLines(l.db, { journalId: ids.journalId }).filter((x) => x.kind === 'bank');
  const balance = () => getJournal(l.db, ids.journalId)!.balance;
  const ctx: ConnectionContext = {
    connectionId: ids.connectionId, institutionId: GCL_INSTITUTION, providerRef: requisitionId, interactive: true,
    getSecret: async () => undefined, setSecret: async () => undefined, now: clock.now,
  };
  return { gcl, db: l.db, ...ids, provider, sync, conn, lastChatter, bankLines, balance, clock, requisitionId, secrets, ctx };
}

test('a multi-month history syncs exactly: ledger equals the bank, every id kept, FX and signs right; a second sync doubles nothing', async (t) => {
  const s = await setup(t);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  const booked = s.gcl.account.booked;
  assert.ok(booked.length > 250, `a few hundred transactions (${booked.length})`);
  const months = new Set(booked.map((x) => x.bookingDate!.slice(0, 7)));
  assert.ok(months.size >= 6, 'over six months');
  assert.equal(r.stored, booked.length);
  assert.equal(s.bankLines().length, booked.length);
  assert.equal(listLines(s.db, { journalId: s.journalId }).some((x) => x.kind === 'opening'), false, 'the fetched lines explain the whole balance');
  assert.equal(s.balance(), minor(s.gcl.balance()), 'ledger balance = the bank\'s closingBooked');
  assert.deepEqual(checkIntegrity(s.db), []);

  // Ids: all three kinds kept on one line; the first present is the main one.
  const full = s.bankLines().find((x) => x.provider_ids.some((p) => p.kind === 'internal') && x.provider_ids.some((p) => p.kind === 'entry_reference'))!;
  assert.ok(full, 'a line with transaction, internal and entry reference ids');
  assert.ok(full.provider_ids.some((p) => p.kind === 'transaction' && p.id.startsWith('TX')));
  const internalOnly = booked.find((x) => x.internalTransactionId && !x.transactionId)!;
  assert.ok(s.bankLines().some((x) => x.provider_ids.some((p) => p.id === internalOnly.internalTransactionId)));
  const entryOnly = booked.find((x) => x.entryReference && !x.transactionId && !x.internalTransactionId)!;
  assert.ok(s.bankLines().some((x) => x.provider_ids.some((p) => p.id === entryOnly.entryReference)));
  const derived = s.bankLines().filter((x) => x.provider_ids.some((p) => p.id.startsWith(DERIVED_ID_PREFIX)));
  assert.equal(derived.length, booked.filter((x) => !x.transactionId && !x.internalTransactionId && !x.entryReference).length);

  // Signs, texts, partners, foreign currency.
  const rent = s.bankLines().find((x) => x.payment_ref.startsWith('Rent '))!;
  assert.equal(rent.amount, -125000);
  assert.equal(rent.partner_name, 'Immo Verhuur');
  const salary = s.bankLines().find((x) => x.payment_ref === 'Salary')!;
  assert.equal(salary.amount, 320000);
  assert.equal(salary.partner_name, 'Acme SA');
  const fx = s.bankLines().find((x) => x.payment_ref === 'USD purchase')!;
  assert.equal(fx.amount, -4321);
  assert.equal(fx.foreign_currency, 'USD');
  assert.equal(fx.foreign_amount, -4688);
  assert.equal(fx.exchange_rate, '1.0850');

  // Pending lines are apart; the quota headers were reported.
  assert.equal(listPendingLines(s.db, s.journalId).length, 2);
  const quota = s.db.prepare('SELECT daily_limit, remaining, reset_at FROM account_quotas WHERE online_account_id = ?').get(s.accountId) as { daily_limit: number; remaining: number; reset_at: string };
  assert.equal(quota.daily_limit, 1000);
  assert.equal(quota.remaining, 999);
  assert.equal(quota.reset_at, new Date(Date.parse(NOW) + 86_400_000).toISOString());
  const tx = s.gcl.sim.log.find((x) => x.path.includes('/transactions'))!;
  assert.equal(tx.query.get('date_to'), '2026-06-16');

  // (d) A second sync brings nothing doubled, and reuses the cached app token.
  s.clock.ms += 3_600_000;
  const again = await s.sync();
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0);
  assert.equal(s.bankLines().length, booked.length);
  assert.equal(s.balance(), minor(s.gcl.balance()));
  assert.deepEqual(checkIntegrity(s.db), []);
  assert.equal(s.gcl.sim.log.filter((x) => x.path.endsWith('/token/new/') || x.path.endsWith('/token/new')).length, 1, 'app tokens cached in memory');
  assert.equal(s.secrets.size, 0, 'no per-connection secret: app tokens are not stored with the connection');
  assert.equal(s.gcl.sim.log.filter((x) => x.path.endsWith('/details/')).length, 1, 'account details are fetched once (each call costs a daily request)');
});

test('consent: agreement with the institution\'s history, requisition with our state as reference, bank redirect with ?ref, completeConsent', async (t) => {
  const s = await setup(t);
  const institutions = await s.provider.listInstitutions();
  const sandbox = institutions.find((i) => i.id === GCL_INSTITUTION)!;
  assert.equal(sandbox.historyDays, GCL_HISTORY_DAYS, 'transaction_total_days read from its string');
  assert.equal(sandbox.bic, 'SFIN0000');
  assert.equal(institutions.find((i) => i.id === 'KBC_KREDBEBB')!.country, 'BE');

  const state = 'a'.repeat(32);
  const redirectUri = 'http://127.0.0.1:45678/callback';
  const { url } = await s.provider.startConsent({ institutionId: 'KBC_KREDBEBB', redirectUri, state, mode: 'new' });
  const agreement = s.gcl.sim.log.find((x) => x.method === 'POST' && x.path.includes('/agreements/enduser'))!.json as Record<string, unknown>;
  assert.equal(agreement['max_historical_days'], 540);
  assert.equal(agreement['access_valid_for_days'], 90, 'capped at the institution\'s max_access_valid_for_days');
  assert.deepEqual(agreement['access_scope'], ['balances', 'details', 'transactions']);
  const requisition = s.gcl.sim.log.find((x) => x.method === 'POST' && x.path.includes('/requisitions'))!.json as Record<string, unknown>;
  assert.equal(requisition['reference'], state);
  assert.equal(requisition['user_language'], 'EN');

  const answer = await fetch(url, { redirect: 'manual' });
  assert.equal(answer.status, 302);
  const back = new URL(answer.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, redirectUri);
  const params = Object.fromEntries(back.searchParams);
  assert.equal(params['ref'], state);
  assert.equal(params['state'], state, 'the core\'s loopback listener finds its state');

  // A forged reference is refused.
  await assert.rejects(s.provider.completeConsent({ institutionId: 'KBC_KREDBEBB', params: { ...params, ref: 'b'.repeat(32), state: 'b'.repeat(32) }, now: s.clock.now() }),
    /reference is not the expected one/);
  const done = await s.provider.completeConsent({ institutionId: 'KBC_KREDBEBB', params, now: s.clock.now() });
  const req = [...s.gcl.requisitions.values()].find((r) => r.reference === state)!;
  assert.equal(done.providerRef, req.id);
  assert.deepEqual(done.secrets, {});
  assert.equal(done.consentExpiresAt, new Date(Date.parse(NOW) + 90 * 86_400_000).toISOString());

  const accounts = await s.provider.listAccounts({ ...s.ctx, providerRef: done.providerRef, institutionId: 'KBC_KREDBEBB' });
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0]!.id, GCL_ACCOUNT);
  assert.equal(accounts[0]!.accountNumber, 'BE68 **** 7034', 'the IBAN is masked');
  assert.equal(accounts[0]!.balance, s.gcl.balance(), 'closingBooked as decimal text');
  assert.equal(accounts[0]!.currency, 'EUR');

  // The user cancels at the bank: the redirect says so and nothing is connected.
  s.gcl.failNextConsent();
  const second = await s.provider.startConsent({ institutionId: GCL_INSTITUTION, redirectUri, state: 'c'.repeat(32), mode: 'new' });
  const cancelled = Object.fromEntries(new URL((await fetch(second.url, { redirect: 'manual' })).headers.get('location')!).searchParams);
  await assert.rejects(s.provider.completeConsent({ institutionId: GCL_INSTITUTION, params: cancelled, now: s.clock.now() }),
    (e: Error & { code?: string }) => e.code === 'user_action_required' && /User cancelled/.test((e as { description?: string }).description ?? ''));
});

test('pending then posted under a new id gives one line, no duplicate', async (t) => {
  const s = await setup(t);
  await s.sync();
  const before = s.bankLines().length;
  assert.deepEqual(listPendingLines(s.db, s.journalId).map((p) => p.payment_ref).sort(), ['Card payment Bakery', 'Subscription']);
  s.clock.advanceDays(1);
  const posted = s.gcl.postPending(0); // the bakery payment, booked today under new ids
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(s.bankLines().length, before + 1);
  const line = s.bankLines().find((x) => x.provider_ids.some((p) => p.id === posted.transactionId))!;
  assert.equal(line.amount, -4250);
  assert.ok(line.provider_ids.some((p) => p.id === 'pend-a-1'), 'the line keeps the pending id');
  assert.deepEqual(listPendingLines(s.db, s.journalId).map((p) => p.payment_ref), ['Subscription']);
  assert.equal(s.balance(), minor(s.gcl.balance()));
  assert.deepEqual(checkIntegrity(s.db), []);
  const again = await s.sync();
  assert.equal(again.stored, 0);
  assert.equal(s.bankLines().length, before + 1);
});

test('two identical same-day payments without any id collide on their derived id and count as one (known limit)', async (t) => {
  const s = await setup(t);
  await s.sync();
  s.clock.advanceDays(1);
  const day = '2026-06-16';
  const twin = { bookingDate: day, valueDate: day, minor: -250, creditorName: 'Parking', remittance: 'Parking meter' };
  s.gcl.addBooked({ ...twin });
  s.gcl.addBooked({ ...twin });
  const r = await s.sync();
  assert.equal(r.ok, true);
  const lines = s.bankLines().filter((x) => x.payment_ref === 'Parking meter');
  assert.equal(lines.length, 1, 'one line for the two payments');
  assert.ok(lines[0]!.provider_ids[0]!.id.startsWith(DERIVED_ID_PREFIX));
  assert.equal(r.stored, 1, 'the second payment is taken for the first');
  // The ledger is then short of one payment: the statement shows the difference.
  assert.equal(s.balance() - minor(s.gcl.balance()), 250);
  assert.ok(checkIntegrity(s.db).some((p) => p.kind === 'balance_mismatch'));
  // The derived id is stable: a later sync still sees the same one and adds nothing.
  const again = await s.sync();
  assert.equal(again.stored, 0);
});

async function expectState(
  s: Awaited<ReturnType<typeof setup>>,
  o: { state: string; action: string | null; code: string; requestId?: string | RegExp; description?: RegExp },
) {
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, o.code, JSON.stringify(r.error));
  const c = s.conn();
  assert.equal(c.state, o.state);
  assert.equal(c.state_action, o.action);
  const chat = s.lastChatter();
  if (o.requestId instanceof RegExp) assert.match(chat.reference ?? '', o.requestId);
  else if (o.requestId) assert.equal(chat.reference, `gocardless:${o.requestId}`);
  if (o.description) assert.match(chat.error_description ?? '', o.description);
  return { r, c, chat };
}

test('an expired end-user agreement (401 EUA expired) waits for Reconnect, with the request id as reference', async (t) => {
  const s = await setup(t);
  s.gcl.expireAgreement(s.requisitionId);
  await expectState(s, { state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired', requestId: /^gocardless:gcl-req-\d+$/, description: /End User Agreement \(EUA\) .* has expired/ });
  assert.equal(s.bankLines().length, 0);
});

test('an EUA expiry answered as 400 also waits for Reconnect', async (t) => {
  const s = await setup(t);
  s.gcl.sim.inject({ kind: 'status', status: 400, headers: { 'X-Request-Id': 'req-eua-400' }, body: { summary: 'End User Agreement (EUA) 3fa8 has expired', detail: 'EUA was valid for 90 days and it expired at 2026-06-01.', status_code: 400 } },
    { match: (r) => r.path.includes('/transactions') });
  await expectState(s, { state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired', requestId: 'req-eua-400' });
});

for (const status of ['EX', 'RJ', 'SU'] as const) {
  test(`a requisition in status ${status} waits for Reconnect`, async (t) => {
    const s = await setup(t);
    s.gcl.setRequisitionStatus(s.requisitionId, status);
    await expectState(s, { state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired', requestId: /^gocardless:gcl-req-\d+$/, description: /consent/ });
  });
}

test('access to the account withdrawn (403) waits for Reconnect', async (t) => {
  const s = await setup(t);
  s.gcl.sim.inject({ kind: 'status', status: 403, headers: { 'X-Request-Id': 'req-403' }, body: { summary: 'Access to account forbidden', detail: 'The user has revoked access to this account.', status_code: 403 } },
    { match: (r) => r.path.includes('/balances') });
  await expectState(s, { state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired', requestId: 'req-403', description: /revoked access/ });
});

test('revoke deletes the requisition; the next sync says to Reconnect', async (t) => {
  const s = await setup(t);
  await s.provider.revoke(s.ctx);
  assert.equal(s.gcl.requisitions.has(s.requisitionId), false);
  await s.provider.revoke(s.ctx); // already gone: fine
  await expectState(s, { state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired', requestId: /^gocardless:gcl-req-\d+$/ });
});

test('the 4/day rate limit (429) is rate_limited with retryAt from "try again in N seconds"', async (t) => {
  const s = await setup(t, { sim: { dailyLimit: 4 } });
  for (let i = 0; i < 4; i++) {
    const r = await s.sync();
    assert.equal(r.ok, true, `sync ${i + 1} is within the budget`);
    s.clock.ms += 60_000;
  }
  const quota = s.db.prepare('SELECT remaining FROM account_quotas WHERE online_account_id = ?').pluck().get(s.accountId);
  assert.equal(quota, 0, 'the budget the headers report');
  const lines = s.bankLines().length;
  const { r, c, chat } = await expectState(s, { state: 'connected', action: null, code: 'rate_limited', requestId: /^gocardless:gcl-req-\d+$/, description: /The rate limit for this resource is 4\/day/ });
  // Details are cached, balances were used 4 times: the balances call is refused; it resets one day after the first.
  const expected = new Date(Date.parse(NOW) + 86_400_000).toISOString();
  assert.equal(c.retry_at, expected);
  assert.match(chat.text, new RegExp(expected.replace(/[.]/g, '\\.')));
  assert.equal(r.error?.code, 'rate_limited');
  assert.equal(s.bankLines().length, lines);
});

test('a 429 with only the X-RateLimit headers still gives retryAt', async (t) => {
  const s = await setup(t);
  s.gcl.sim.inject({ kind: 'status', status: 429, headers: { 'X-Request-Id': 'req-429', 'X-RateLimit-Account-Success-Remaining': '0', 'X-RateLimit-Account-Success-Reset': '3600' },
    body: { summary: 'Rate limit exceeded', detail: 'Too many requests.', status_code: 429 } }, { match: (r) => r.path.includes('/transactions') });
  const { c } = await expectState(s, { state: 'connected', action: null, code: 'rate_limited', requestId: 'req-429' });
  assert.equal(c.retry_at, new Date(Date.parse(NOW) + 3_600_000).toISOString());
});

test('bank down (5xx) puts the connection in error with a back-off; the next sync carries on', async (t) => {
  const s = await setup(t);
  s.gcl.sim.inject({ kind: 'status', status: 503, headers: { 'X-Request-Id': 'req-503' }, body: { summary: 'Service Unavailable', detail: 'Couldn\'t connect to the bank (ASPSP). Please try again later.', status_code: 503 } },
    { match: (r) => r.path.includes('/transactions') });
  const { c } = await expectState(s, { state: 'error', action: null, code: 'institution_down', requestId: 'req-503', description: /ASPSP/ });
  assert.ok(c.retry_at);
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(s.balance(), minor(s.gcl.balance()));
});

test('bad app keys (401 on /token/new/) fail with a message to check the keys', async (t) => {
  const s = await setup(t, { keys: { id: 'wrong', key: 'wrong' } });
  await expectState(s, { state: 'error', action: null, code: 'other', requestId: /^gocardless:gcl-req-\d+$/, description: /Check the GoCardless secret id and secret key/ });
});

test('an expired access token is renewed with the refresh token, transparently', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  s.gcl.expireAccessTokens();
  s.clock.ms += 3_600_000;
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.gcl.sim.log.filter((x) => x.path.includes('/token/refresh')).length, 1);
  assert.equal(s.gcl.sim.log.filter((x) => x.path.includes('/token/new')).length, 1);
  // After 24 h the cached token is known to be stale and is refreshed before use.
  s.clock.advanceDays(1);
  assert.equal((await s.sync()).ok, true);
  assert.equal(s.gcl.sim.log.filter((x) => x.path.includes('/token/refresh')).length, 2);
  // After 30 days the refresh token is dead too: new tokens from the keys.
  s.clock.advanceDays(31);
  assert.equal((await s.sync()).ok, true);
  assert.equal(s.gcl.sim.log.filter((x) => x.path.includes('/token/new')).length, 2);
});

for (const fault of [
  { name: '500', f: { kind: 'status', status: 500, headers: { 'X-Request-Id': 'req-500' }, body: { summary: 'Internal Server Error', detail: 'An unexpected error occurred.', status_code: 500 } }, code: 'institution_down', state: 'error' },
  { name: 'timeout', f: { kind: 'timeout' }, code: 'network', state: 'error' },
  { name: 'malformed JSON', f: { kind: 'malformed' }, code: 'invalid_response', state: 'error' },
  { name: 'truncated page', f: { kind: 'truncated' }, code: 'network', state: 'error' },
] as const) {
  test(`fault on the transactions call (${fault.name}): the sync fails clearly, stores nothing, the next sync carries on`, async (t) => {
    const s = await setup(t, { timeoutMs: 300 });
    s.gcl.sim.inject(fault.f, { match: (r) => r.path.includes('/transactions') });
    const r = await s.sync();
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, fault.code);
    assert.ok((r.error?.reference ?? '').length > 0);
    assert.equal(s.conn().state, fault.state);
    assert.equal(listLines(s.db, { journalId: s.journalId }).length, 0, 'nothing of the bad page');
    assert.equal(listPendingLines(s.db, s.journalId).length, 0);
    const next = await s.sync();
    assert.equal(next.ok, true, JSON.stringify(next.error));
    assert.equal(s.conn().state, 'connected');
    assert.equal(s.balance(), minor(s.gcl.balance()));
    assert.equal(s.bankLines().length, s.gcl.account.booked.length);
    assert.deepEqual(checkIntegrity(s.db), []);
  });
}

test('a bad amount in a transaction is invalid_response and nothing is stored', async (t) => {
  const s = await setup(t);
  s.gcl.sim.inject({ kind: 'status', status: 200, body: { transactions: { booked: [{ transactionId: 'x1', bookingDate: '2026-06-10', transactionAmount: { amount: '12,30', currency: 'EUR' } }], pending: [] } } },
    { match: (r) => r.path.includes('/transactions') });
  const r = await s.sync();
  assert.equal(r.error?.code, 'invalid_response');
  assert.equal(listLines(s.db, { journalId: s.journalId }).length, 0);
});
