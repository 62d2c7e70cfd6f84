// The Salt Edge client against its simulator, through the real sync engine and ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { parseAmount } from '../../../main/ledger/money';
import { staticConfig } from '../../../main/providers/config';
import type { ProviderError } from '../../../main/providers/errors';
import { SaltEdgeProvider } from '../../../main/providers/saltedge/index';
import type { ConnectionContext, QuotaReport } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { accountQuotas } from '../../../main/sync/quotas';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { SANDBOX_PROVIDER, SIM_APP_ID, SIM_SECRET, startSaltEdgeSimulator, type SaltEdgeSimOptions } from '../../simulators/saltedge';

type T = { after(fn: () => unknown): void };
const NOW = '2026-06-15T10:00:00Z';

async function setup(t: T, o: { sim?: SaltEdgeSimOptions; privateKey?: string; clock?: () => Date; timeoutMs?: number } = {}) {
  const clock = FakeClock.at(NOW);
  const se = await startSaltEdgeSimulator({ now: clock.now, ...o.sim });
  t.after(() => se.close());
  const values: Record<string, string> = { app_id: SIM_APP_ID, secret: SIM_SECRET, base_url: se.baseUrl };
  if (o.privateKey) values['private_key'] = o.privateKey;
  const provider = new SaltEdgeProvider({
    config: staticConfig('Salt Edge', values), timeoutMs: o.timeoutMs ?? 3000, includeSandboxes: true, clock: o.clock ?? clock.now,
  });
  const conn = se.seedConnection();
  const acc = conn.accounts[0]!;
  const l = tempLedger();
  t.after(l.cleanup);
  const ids = seedConnection(l.db, { provider: 'saltedge', providerAccountId: acc.id, currency: 'EUR' });
  const providerRef = `${conn.customerId}:${conn.id}`;
  l.db.prepare('UPDATE connections SET provider_ref = ?, institution_id = ? WHERE id = ?').run(providerRef, SANDBOX_PROVIDER, ids.connectionId);
  const secrets = new Map<string, string>();
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') =>
    engine.run(ids.connectionId, provider, { trigger, getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => void secrets.set(k, v) });
  const ledger = () => getJournal(l.db, ids.journalId)!.balance;
  const bank = () => parseAmount(se.balance(acc.id), 'EUR');
  const bankLines = () => listLines(l.db, { journalId: ids.journalId }).filter((x) => x.kind === 'bank');
  const connRow = () => l.db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(ids.connectionId) as {
    state: string; state_action: string | null; retry_at: string | null;
  };
  const ctx = (interactive = true, reports: QuotaReport[] = []): ConnectionContext => ({
    connectionId: ids.connectionId, institutionId: SANDBOX_PROVIDER, providerRef, interactive, now: clock.now,
    getSecret: async () => undefined, setSecret: async () => undefined, reportQuota: (q) => void reports.push(q),
  });
  return { ...l, ...ids, clock, se, provider, conn, acc, sync, ledger, bank, bankLines, connRow, ctx, providerRef };
}

test('a multi-month history syncs page by page: ledger equals the bank, signs, currencies, foreign amounts; a second sync doubles nothing', async (t) => {
  const s = await setup(t);
  const posted = s.se.transactions(s.acc.id);
  assert.ok(posted.length > 200, `a few hundred transactions (${posted.length})`);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, posted.length);
  assert.equal(r.pending, 2);
  const txCalls = s.se.sim.log.filter((x) => x.path.endsWith('/transactions') && x.query.get('pending') !== 'true');
  assert.ok(txCalls.length >= 3, 'paged with from_id / meta.next_id');
  assert.ok(txCalls.slice(1).every((x) => x.query.get('from_id')), 'later pages ask from_id');
  assert.equal(s.ledger(), s.bank(), 'ledger balance equals the bank balance');
  assert.deepEqual(checkIntegrity(s.db), []);
  const lines = s.bankLines();
  const months = new Set(lines.map((x) => x.date.slice(0, 7)));
  assert.ok(months.size >= 7, `history over ${months.size} months`);
  const salary = lines.find((x) => x.payment_ref === 'Salary')!;
  assert.equal(salary.amount, 285000, 'money in is positive');
  assert.equal(salary.partner_name, 'ACME SA');
  const card = lines.find((x) => x.payment_ref.startsWith('Card payment'))!;
  assert.ok(card.amount < 0, 'money out is negative');
  const foreign = lines.find((x) => x.foreign_currency === 'USD');
  assert.ok(foreign && foreign.foreign_amount !== null && foreign.foreign_amount < 0, 'original amount and currency kept');
  const sim = posted.find((x) => x.id === card.provider_ids.find((p) => p.kind === 'transaction')!.id)!;
  assert.equal(card.amount, sim.amount, 'exact amount, no float');
  assert.ok(card.provider_ids.some((p) => p.kind === 'internal' && p.id === `bank:${sim.bankId}`), "the bank's own id is kept");
  assert.equal(listPendingLines(s.db, s.journalId).length, 2);

  s.se.sim.log.length = 0;
  s.clock.advanceDays(1);
  const again = await s.sync();
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0, 'nothing new, nothing doubled');
  assert.equal(s.bankLines().length, posted.length);
  const first = s.se.sim.log.find((x) => x.path.endsWith('/transactions'))!;
  assert.equal(first.query.get('from_id'), posted.at(-1)!.id, 'the next sync starts at the last posted id');
  assert.equal(s.ledger(), s.bank());

  const fresh = s.se.addPosted(s.acc.id, 12345, 'Refund');
  s.clock.advanceDays(1);
  const third = await s.sync();
  assert.equal(third.stored, 1);
  assert.ok(s.bankLines().some((x) => x.provider_ids.some((p) => p.id === fresh.id)));
  assert.equal(s.ledger(), s.bank());
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('pending transactions that post under new ids give one line each, no duplicate', async (t) => {
  const s = await setup(t);
  await s.sync();
  const before = s.bankLines().length;
  assert.equal(listPendingLines(s.db, s.journalId).length, 2);
  const postedNow = s.se.postPending(s.acc.id);
  assert.equal(postedNow.length, 2);
  s.clock.advanceDays(1);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.bankLines().length, before + 2, 'each posted once');
  assert.equal(listPendingLines(s.db, s.journalId).length, 0, 'the pending lines are gone');
  assert.equal(s.ledger(), s.bank());
  assert.deepEqual(checkIntegrity(s.db), []);
  await s.sync();
  assert.equal(s.bankLines().length, before + 2);
});

test('institutions are listed to the last page; sandboxes only when asked', async (t) => {
  const s = await setup(t);
  const all = await s.provider.listInstitutions();
  assert.equal(all.length, 232, 'every page (disabled ones left out)');
  assert.ok(s.se.sim.log.some((x) => x.path.endsWith('/providers') && x.query.get('from_id')), 'paged with from_id');
  const fake = all.find((x) => x.id === SANDBOX_PROVIDER)!;
  assert.equal(fake.country, 'XF');
  assert.equal(fake.historyDays, 365);
  assert.equal(all.find((x) => x.id === 'fakebank_interactive_xf')!.automaticSync, false);
  assert.equal(all.find((x) => x.id === 'bank_001_be')!.unattendedPerDay, 4);
  assert.equal(all.some((x) => x.id === 'fakebank_disabled_xf'), false);
  const be = new SaltEdgeProvider({ config: staticConfig('Salt Edge', { app_id: SIM_APP_ID, secret: SIM_SECRET, base_url: s.se.baseUrl }), countries: ['XF'] });
  assert.deepEqual(await be.listInstitutions(), [], 'no sandbox without include_sandboxes');
});

test('consent: customer, connect URL, the consent page redirects with connection_id and state; reconnect keeps the connection', async (t) => {
  const s = await setup(t);
  const redirectUri = 'http://127.0.0.1:45678/callback';
  const { url } = await s.provider.startConsent({ institutionId: SANDBOX_PROVIDER, redirectUri, state: 'st4te', mode: 'new' });
  const connect = s.se.sim.log.find((x) => x.path.endsWith('/connections/connect'))!;
  const body = connect.json as { data: { customer_id: string; consent: { scopes: string[]; from_date: string }; attempt: { return_to: string }; provider: { code: string }; return_connection_id: boolean } };
  assert.deepEqual(body.data.consent.scopes, ['accounts', 'transactions']);
  assert.equal(body.data.consent.from_date, '2025-06-15', "as far back as the institution's max_fetch_interval");
  assert.equal(body.data.provider.code, SANDBOX_PROVIDER);
  assert.equal(body.data.return_connection_id, true);
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, redirectUri);
  const params = Object.fromEntries(location.searchParams);
  assert.equal(params['state'], 'st4te');
  const result = await s.provider.completeConsent({ institutionId: SANDBOX_PROVIDER, params, now: s.clock.now() });
  const conn = s.se.connection(params['connection_id']);
  assert.equal(result.providerRef, `${body.data.customer_id}:${conn.id}`);
  assert.deepEqual(result.secrets, {});
  assert.equal(result.consentExpiresAt, '2026-09-13T10:00:00.000Z');

  // Reconnect: same connection, new consent.
  s.clock.advanceDays(80);
  const reconnectCtx = { ...s.ctx(), providerRef: result.providerRef };
  const again = await s.provider.startConsent({ institutionId: SANDBOX_PROVIDER, redirectUri, state: 'two', mode: 'reconnect', connection: reconnectCtx });
  assert.ok(s.se.sim.log.some((x) => x.path.endsWith(`/connections/${conn.id}/reconnect`)));
  const back = new URL((await fetch(again.url, { redirect: 'manual' })).headers.get('location')!);
  assert.equal(back.searchParams.get('connection_id'), conn.id);
  const renewed = await s.provider.completeConsent({ institutionId: SANDBOX_PROVIDER, params: Object.fromEntries(back.searchParams), now: s.clock.now() });
  assert.equal(renewed.providerRef, result.providerRef);
  assert.equal(renewed.consentExpiresAt, '2026-12-02T10:00:00.000Z');

  // A refused consent comes back as Salt Edge's error class.
  s.se.state.nextConsentFailure = { class: 'InvalidCredentials', message: 'Invalid login or password.' };
  const third = await s.provider.startConsent({ institutionId: SANDBOX_PROVIDER, redirectUri, state: 'x', mode: 'new' });
  const failed = new URL((await fetch(third.url, { redirect: 'manual' })).headers.get('location')!);
  await assert.rejects(s.provider.completeConsent({ institutionId: SANDBOX_PROVIDER, params: Object.fromEntries(failed.searchParams), now: s.clock.now() }),
    (e: ProviderError) => e.code === 'login_required' && e.description === 'Invalid login or password.');
  await assert.rejects(s.provider.startConsent({ institutionId: 'nope_xf', redirectUri, state: 'x', mode: 'new' }), (e: ProviderError) => e.providerCode === 'ProviderNotFound');
});

test('signed requests: verified with the public key; bad, expired or missing signatures are refused with the reference', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const s = await setup(t, { sim: { publicKey }, privateKey: pem, clock: () => new Date() });
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.ledger(), s.bank());
  assert.ok(s.se.sim.log.every((x) => x.path.includes('/connect/') || (x.headers['signature'] && x.headers['expires-at'])), 'every API request is signed');
  const exp = Number(s.se.sim.log[0]!.headers['expires-at']);
  assert.ok(exp > Date.now() / 1000 && exp <= Date.now() / 1000 + 3600, 'Expires-at within the hour');

  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cases: { name: string; provider: SaltEdgeProvider; cls: string }[] = [
    { name: 'wrong key', cls: 'InvalidSignature', provider: new SaltEdgeProvider({ config: staticConfig('Salt Edge', { app_id: SIM_APP_ID, secret: SIM_SECRET, base_url: s.se.baseUrl, private_key: other }) }) },
    { name: 'expired', cls: 'ExpiredSignature', provider: new SaltEdgeProvider({ config: staticConfig('Salt Edge', { app_id: SIM_APP_ID, secret: SIM_SECRET, base_url: s.se.baseUrl, private_key: pem }), clock: () => new Date(Date.now() - 2 * 3_600_000) }) },
    { name: 'unsigned', cls: 'MissingSignature', provider: new SaltEdgeProvider({ config: staticConfig('Salt Edge', { app_id: SIM_APP_ID, secret: SIM_SECRET, base_url: s.se.baseUrl }) }) },
    { name: 'bad secret', cls: 'ClientNotFound', provider: new SaltEdgeProvider({ config: staticConfig('Salt Edge', { app_id: SIM_APP_ID, secret: 'nope', base_url: s.se.baseUrl, private_key: pem }) }) },
  ];
  for (const c of cases) {
    await assert.rejects(c.provider.listAccounts(s.ctx()), (e: ProviderError) => {
      assert.equal(e.code, 'other', c.name);
      assert.equal(e.providerCode, c.cls, c.name);
      assert.equal(e.requestId, s.se.state.requestIds.at(-1), c.name);
      return true;
    });
  }
  const engine = new SyncEngine(s.db, { now: s.clock.now, random: () => 0.5 });
  const failed = await engine.run(s.connectionId, cases[0]!.provider, { trigger: 'manual' });
  assert.equal(failed.ok, false);
  assert.equal(failed.error!.reference, `saltedge:${s.se.state.requestIds.at(-1)}`);
  assert.match(failed.error!.description!, /App-id, Secret and private key/);
});

test('each documented error lands in the right state with the request id as reference', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const cases: { cls: string; state: string; action: string | null; code: string }[] = [
    { cls: 'InvalidCredentials', state: 'waiting_for_user', action: 'update_credentials', code: 'login_required' },
    { cls: 'ConnectionDisabled', state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired' },
    { cls: 'AispConsentExpired', state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired' },
    { cls: 'AispConsentRevoked', state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired' },
    { cls: 'ConnectionNotFound', state: 'waiting_for_user', action: 'reconnect', code: 'consent_expired' },
    { cls: 'InteractiveTimeout', state: 'waiting_for_user', action: 'mfa', code: 'user_action_required' },
    { cls: 'ProviderUnavailable', state: 'error', action: null, code: 'institution_down' },
    { cls: 'ProviderError', state: 'error', action: null, code: 'institution_down' },
    { cls: 'RateLimitExceeded', state: 'connected', action: null, code: 'rate_limited' },
    { cls: 'SomethingUnheardOf', state: 'error', action: null, code: 'other' },
  ];
  for (const c of cases) {
    s.db.prepare(`UPDATE connections SET state = 'connected', state_action = NULL, failed_logins = 0, retry_at = NULL WHERE id = ?`).run(s.connectionId);
    s.clock.advanceDays(1);
    s.se.fail(s.conn.id, c.cls, `${c.cls}: the bank says no`);
    const r = await s.sync();
    assert.equal(r.ok, false, c.cls);
    assert.equal(r.error!.code, c.code, c.cls);
    const row = s.connRow();
    assert.equal(row.state, c.state, c.cls);
    assert.equal(row.state_action, c.action, c.cls);
    const last = listChatter(s.db, { connectionId: s.connectionId }).at(-1)!;
    assert.equal(last.reference, `saltedge:${s.se.state.requestIds.at(-1)}`, c.cls);
    assert.equal(last.error_description, `${c.cls}: the bank says no`, c.cls);
    s.se.clearFailure(s.conn.id);
  }
  // A real consent expiry (not injected): 90 days later.
  s.db.prepare(`UPDATE connections SET state = 'connected', state_action = NULL, retry_at = NULL WHERE id = ?`).run(s.connectionId);
  s.clock.advanceDays(90);
  const expired = await s.sync();
  assert.equal(expired.error!.code, 'consent_expired');
  assert.equal(s.connRow().state_action, 'reconnect');
  // Revoke: the connection is gone at Salt Edge; revoking twice is fine.
  await s.provider.revoke(s.ctx());
  assert.equal(s.se.connections.has(s.conn.id), false);
  await s.provider.revoke(s.ctx());
  await assert.rejects(s.provider.listAccounts(s.ctx()), (e: ProviderError) => e.code === 'consent_expired' && e.providerCode === 'ConnectionNotFound');
});

for (const fault of ['500', 'timeout', 'malformed', 'truncated'] as const) {
  test(`fault on a later page (${fault}) fails the sync, stores nothing of it, and the next sync carries on`, async (t) => {
    const s = await setup(t, { timeoutMs: 400 });
    const match = (r: { path: string; query: URLSearchParams }) => r.path.endsWith('/transactions') && r.query.get('from_id') !== null && r.query.get('pending') !== 'true';
    s.se.sim.inject(
      fault === '500' ? { kind: 'status', status: 500, body: { error: 'Internal Server Error' }, headers: { 'x-request-id': 'se-boom-1' } } : { kind: fault },
      { match },
    );
    const r = await s.sync();
    assert.equal(r.ok, false);
    const expected = { '500': 'institution_down', timeout: 'network', malformed: 'invalid_response', truncated: 'network' }[fault];
    assert.equal(r.error!.code, expected);
    assert.equal(s.connRow().state, 'error');
    assert.equal(s.bankLines().length, 100, 'only the first page (100) is stored');
    if (fault === '500') assert.equal(r.error!.reference, 'saltedge:se-boom-1');
    s.clock.advanceDays(1);
    const next = await s.sync();
    assert.equal(next.ok, true, JSON.stringify(next.error));
    assert.equal(s.bankLines().length, s.se.transactions(s.acc.id).length);
    assert.equal(s.ledger(), s.bank());
    assert.deepEqual(checkIntegrity(s.db), []);
  });
}

test('rate limits: RateLimitExceeded gives retryAt from Retry-After; a refresh asked too early still fetches; background limit reports the quota', async (t) => {
  const s = await setup(t);
  // Refresh too early (the connection was just made): the sync fetches what Salt Edge has.
  const first = await s.sync();
  assert.equal(first.ok, true);
  const info = listChatter(s.db, { connectionId: s.connectionId }).find((c) => c.text.includes('limited number of refreshes'));
  assert.ok(info && info.text.includes(s.conn.nextRefreshPossibleAt), 'retryAt is next_refresh_possible_at');

  s.clock.advanceDays(1);
  s.se.sim.inject({ kind: 'status', status: 429, body: { error: { class: 'RateLimitExceeded', message: 'Too many requests.' } }, headers: { 'Retry-After': '120', 'X-Request-Id': 'se-rl-1' } },
    { match: (r) => r.path.endsWith('/accounts') });
  const r = await s.sync();
  assert.equal(r.error!.code, 'rate_limited');
  assert.equal(r.error!.reference, 'saltedge:se-rl-1');
  assert.equal(s.connRow().retry_at, new Date(s.clock.ms + 120_000).toISOString());
  assert.equal(s.connRow().state, 'connected');

  // Unattended: Salt Edge's background limit.
  s.clock.advanceDays(1);
  s.se.sim.inject({ kind: 'status', status: 429, body: { error: { class: 'BackgroundFetchLimitExceeded', message: 'Background fetch limit exceeded.' } }, headers: { 'Retry-After': '3600' } },
    { match: (r) => r.path.endsWith('/transactions') });
  const bg = await s.sync('scheduled');
  assert.equal(bg.error!.code, 'rate_limited');
  const q = accountQuotas(s.db, s.connectionId)[0]!;
  assert.equal(q.remaining, 0);
  assert.equal(q.reset_at, new Date(s.clock.ms + 3_600_000).toISOString());
});

test('refresh: foreground when the user is present, background ones limited to 4 a day', async (t) => {
  const s = await setup(t);
  const reports: QuotaReport[] = [];
  for (let i = 0; i < 4; i++) {
    s.clock.ms += 2 * 3_600_000;
    await s.provider.requestRefresh(s.ctx(false, reports));
  }
  s.clock.ms += 2 * 3_600_000;
  await assert.rejects(s.provider.requestRefresh(s.ctx(false, reports)), (e: ProviderError) => e.code === 'rate_limited' && e.providerCode === 'BackgroundFetchLimitExceeded' && e.retryAt !== undefined);
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.remaining, 0);
  // With the user present it is a foreground refresh: not counted.
  await s.provider.requestRefresh(s.ctx(true));
  const last = s.se.sim.log.filter((x) => x.path.endsWith('/refresh')).at(-1)!;
  assert.equal((last.json as { data: { attempt: { customer_last_logged_at: string } } }).data.attempt.customer_last_logged_at, s.clock.now().toISOString());
  await assert.rejects(s.provider.requestRefresh(s.ctx(true)), (e: ProviderError) => e.providerCode === 'ConnectionCannotBeRefreshed' && e.retryAt === s.conn.nextRefreshPossibleAt);
});
