// The Plaid client through the real sync engine against the Plaid simulator: multi-month
// history, Hosted Link consent, update mode, sandbox connect, institutions paging, pending →
// posted under a new id, re-syncs, every documented error, faults, rate limits, Plaid's
// mutation-during-pagination restart and the persisted loop-start cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { parseAmount } from '../../../main/ledger/money';
import { staticConfig } from '../../../main/providers/config';
import type { ConnectionContext } from '../../../main/providers/types';
import { PlaidProvider } from '../../../main/providers/plaid/index';
import { OPENING_LINE_LABEL, SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { CHECKING, PLAID_CLIENT_ID, PLAID_SECRET, startPlaidSimulator, type PlaidErrorSpec, type PlaidSimOptions, type PlaidSimulator } from '../../simulators/plaid';

type T = { after(fn: () => unknown): void };

const NOW = '2026-06-15T15:00:00Z';

async function simulator(t: T, o: PlaidSimOptions = {}, clock = FakeClock.at(NOW)): Promise<PlaidSimulator> {
  const sim = await startPlaidSimulator({ now: clock.now, ...o });
  t.after(() => sim.close());
  return sim;
}

function client(sim: PlaidSimulator, o: { timeoutMs?: number; pageSize?: number; secret?: string; clock?: FakeClock } = {}): PlaidProvider {
  return new PlaidProvider({
    config: staticConfig('Plaid', { client_id: PLAID_CLIENT_ID, secret: o.secret ?? PLAID_SECRET, base_url: sim.baseUrl, env: 'sandbox' }),
    timeoutMs: o.timeoutMs ?? 5_000,
    pageSize: o.pageSize ?? 100,
    sandbox: true,
    ...(o.clock ? { now: o.clock.now } : {}),
  });
}

async function setup(t: T, o: { sim?: PlaidSimOptions; timeoutMs?: number; pageSize?: number; secret?: string; shared?: PlaidSimulator } = {}) {
  const clock = FakeClock.at(NOW);
  const sim = o.shared ?? (await simulator(t, o.sim, clock));
  const item = sim.createItem();
  const l = tempLedger();
  t.after(l.cleanup);
  const ids = seedConnection(l.db, { provider: 'plaid', providerAccountId: CHECKING, currency: 'USD', timezone: 'America/New_York', code: 'PLD' });
  l.db.prepare(`UPDATE connections SET provider_ref = ?, institution_id = 'ins_109508', institution_name = 'First Platypus Bank' WHERE id = ?`).run(item.item_id, ids.connectionId);
  const secrets = new Map<string, string>([['access_token', item.access_token]]);
  const provider = client(sim, { ...o, clock });
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const run = (p: PlaidProvider = provider, trigger: 'manual' | 'scheduled' = 'manual') => engine.run(ids.connectionId, p, {
    trigger,
    getSecret: async (k) => secrets.get(k),
    setSecret: async (k, v) => { secrets.set(k, v); },
  });
  const bankLines = () => listLines(l.db, { journalId: ids.journalId, limit: 100_000 }).filter((x) => x.kind === 'bank');
  const connection = () => l.db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(ids.connectionId) as { state: string; state_action: string | null; retry_at: string | null };
  const ctx: ConnectionContext = {
    connectionId: ids.connectionId, institutionId: 'ins_109508', providerRef: item.item_id, interactive: true, now: clock.now,
    getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => { secrets.set(k, v); },
  };
  return { ...l, ...ids, sim, item, clock, provider, engine, run, bankLines, connection, ctx, secrets };
}

type Setup = Awaited<ReturnType<typeof setup>>;

function assertLedgerEqualsBank(s: Setup): void {
  const j = getJournal(s.db, s.journalId)!;
  assert.equal(j.balance, parseAmount(s.sim.balance(), 'USD'), 'ledger balance = the bank balance');
  assert.equal(j.bank_balance, j.balance);
  assert.deepEqual(checkIntegrity(s.db), []);
  const ids = s.bankLines().flatMap((x) => x.provider_ids.filter((p) => p.kind === 'transaction').map((p) => p.id));
  assert.equal(new Set(ids).size, ids.length, 'no provider id twice');
  const posted = s.sim.transactions().filter((x) => !x.pending).map((x) => x.transaction_id).sort();
  assert.deepEqual([...ids].sort(), posted, 'exactly the posted transactions of the bank');
}

test('a multi-month history syncs page by page: exact amounts, Plaid sign inverted, ledger = bank, pending kept apart', async (t) => {
  const s = await setup(t);
  const r = await s.run();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, 300);
  assert.equal(r.pending, 3);
  assertLedgerEqualsBank(s);
  const lines = s.bankLines();
  assert.ok(new Set(lines.map((x) => x.date.slice(0, 7))).size >= 7, 'history spans more than six months');
  const opening = listLines(s.db, { journalId: s.journalId, limit: 100_000 }).filter((x) => x.kind === 'opening');
  assert.equal(opening.length, 1);
  assert.equal(opening[0]!.payment_ref, OPENING_LINE_LABEL);
  assert.equal(opening[0]!.amount, parseAmount(s.sim.openingBalance(), 'USD'), 'the fetched lines explain everything but the opening balance');
  // Plaid's positive = money out: a payroll deposit (negative at Plaid) is money in.
  const deposit = s.sim.transactions().find((x) => x.minor < 0)!;
  const line = lines.find((x) => x.provider_ids.some((p) => p.id === deposit.transaction_id))!;
  assert.equal(line.amount, -deposit.minor);
  assert.equal(line.currency, 'USD');
  const debit = s.sim.transactions().find((x) => x.minor > 0 && !x.pending)!;
  assert.equal(lines.find((x) => x.provider_ids.some((p) => p.id === debit.transaction_id))!.amount, -debit.minor);
  assert.equal(listPendingLines(s.db, s.journalId).length, 3);
  // count paging, one stream per account, cursor carried from page to page
  const syncs = s.sim.requests('/transactions/sync').map((x) => x.json as { cursor?: string; count: number; options: { account_id: string } });
  assert.equal(syncs.length, 4); // 303 changes of the checking account, 100 a page
  assert.equal(syncs[0]!.cursor, undefined);
  assert.ok(syncs.slice(1).every((x) => typeof x.cursor === 'string' && x.count === 100 && x.options.account_id === CHECKING));
  assert.equal(s.sim.requests('/transactions/refresh').length, 1, 'a manual sync asks Plaid to refresh first');
  const acc = s.db.prepare('SELECT cursor, cursor_mid_run FROM online_accounts WHERE id = ?').get(s.accountId) as { cursor: string; cursor_mid_run: number };
  assert.equal(acc.cursor_mid_run, 0);
  assert.ok(!acc.cursor.startsWith('{'), 'after the loop, Plaid\'s own next_cursor is kept');
});

test('Hosted Link consent: link token, hosted page, redirect with our state, /link/token/get, exchange', async (t) => {
  const sim = await simulator(t);
  const p = client(sim);
  const { url } = await p.startConsent({ institutionId: 'ins_109508', redirectUri: 'http://127.0.0.1:53682/callback', state: 'st-8f2a', mode: 'new' });
  assert.ok(url.startsWith(`${sim.baseUrl}/hosted/`));
  const created = sim.requests('/link/token/create')[0]!.json as Record<string, unknown>;
  assert.deepEqual(created.products, ['transactions']);
  assert.deepEqual(created.transactions, { days_requested: 730 });
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:53682/callback');
  const params = Object.fromEntries(location.searchParams);
  assert.equal(params.state, 'st-8f2a');
  const result = await p.completeConsent({ institutionId: 'ins_109508', params, now: new Date(NOW) });
  assert.match(result.providerRef, /^item-/);
  assert.match(result.secrets.access_token!, /^access-sandbox-/);
  const ctx: ConnectionContext = { connectionId: 1, institutionId: 'ins_109508', providerRef: result.providerRef, interactive: true, now: () => new Date(NOW),
    getSecret: async (k) => result.secrets[k], setSecret: async () => {} };
  const accounts = await p.listAccounts(ctx);
  assert.deepEqual(accounts.map((a) => [a.id, a.currency, a.accountNumber, a.balance]), [
    [CHECKING, 'USD', '••••0000', sim.balance(CHECKING)],
    ['acc-savings-1111', 'USD', '••••1111', sim.balance('acc-savings-1111')],
  ]);
  // a redirect nobody started is refused
  await assert.rejects(p.completeConsent({ institutionId: 'ins_109508', params: { state: 'forged' }, now: new Date(NOW) }), /no consent under way/);
});

test('update mode passes the access token, asks no product, and keeps the Item and its token', async (t) => {
  const s = await setup(t);
  const { url } = await s.provider.startConsent({ institutionId: 'ins_109508', redirectUri: 'http://127.0.0.1:53682/cb', state: 'st-up', mode: 'update', connection: s.ctx });
  const created = s.sim.requests('/link/token/create')[0]!.json as Record<string, unknown>;
  assert.equal(created.access_token, s.item.access_token);
  assert.equal(created.products, undefined);
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const result = await s.provider.completeConsent({ institutionId: 'ins_109508', params: Object.fromEntries(location.searchParams), now: new Date(NOW) });
  assert.deepEqual(result, { providerRef: s.item.item_id, secrets: { access_token: s.item.access_token } });
  assert.equal(s.sim.requests('/item/public_token/exchange').length, 0);
});

test('sandbox connect, institutions paged to the end, revoke', async (t) => {
  const sim = await simulator(t, { institutions: 1203 });
  const p = client(sim);
  const inst = await p.listInstitutions();
  assert.equal(inst.length, 1203);
  assert.equal(new Set(inst.map((i) => i.id)).size, 1203);
  assert.deepEqual(sim.requests('/institutions/get').map((r) => (r.json as { offset: number }).offset), [0, 500, 1000]);
  assert.equal(inst[0]!.name, 'First Platypus Bank');
  const res = await p.sandboxConnect('ins_109508');
  assert.match(res.secrets.access_token!, /^access-sandbox-/);
  const ctx: ConnectionContext = { connectionId: 1, institutionId: 'ins_109508', providerRef: res.providerRef, interactive: true, now: () => new Date(NOW),
    getSecret: async (k) => res.secrets[k], setSecret: async () => {} };
  assert.equal((await p.listAccounts(ctx)).length, 2);
  await p.revoke(ctx);
  await assert.rejects(p.listAccounts(ctx), (e: { code?: string; providerCode?: string }) => e.code === 'login_required' && e.providerCode === 'INVALID_ACCESS_TOKEN');
  await assert.rejects(p.sandboxConnect('ins_nope'), (e: { providerCode?: string }) => e.providerCode === 'INVALID_INSTITUTION');
});

test('a pending transaction that posts under a new id becomes one line; a second sync doubles nothing', async (t) => {
  const s = await setup(t);
  assert.equal((await s.run()).ok, true);
  const before = s.bankLines().length;
  const pendingId = s.sim.transactions().find((x) => x.pending)!.transaction_id;
  const posted = s.sim.postPending(pendingId);
  const r = await s.run();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, 1);
  const lines = s.bankLines();
  assert.equal(lines.length, before + 1);
  const line = lines.find((x) => x.provider_ids.some((p) => p.id === posted.transaction_id))!;
  assert.equal(line.amount, -posted.minor);
  assert.ok(line.provider_ids.some((p) => p.id === pendingId && p.kind === 'pending'), 'the line keeps the pending id Plaid linked');
  assert.equal(listPendingLines(s.db, s.journalId).length, 2);
  assert.ok(!listPendingLines(s.db, s.journalId).some((p) => p.provider_id === pendingId));
  assertLedgerEqualsBank(s);

  const again = await s.run();
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0);
  assert.equal(s.bankLines().length, before + 1);
  // the next sync starts from the saved cursor: nothing is fetched twice
  assert.equal(again.fetched, 0);
  const added = s.sim.addTransaction({ minor: 4_599, name: 'COFFEE BEANS' });
  const third = await s.run();
  assert.equal(third.stored, 1);
  assert.equal(s.bankLines().find((x) => x.provider_ids.some((p) => p.id === added.transaction_id))!.amount, -4599);
  assertLedgerEqualsBank(s);
});

const ERRORS: { err: PlaidErrorSpec; code: string; state: string; action: string | null; ok?: boolean }[] = [
  { err: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, code: 'login_required', state: 'waiting_for_user', action: 'update_credentials' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: 'OAUTH_CONSENT_EXPIRED' }, code: 'consent_expired', state: 'waiting_for_user', action: 'reconnect' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: 'OAUTH_INVALID_TOKEN' }, code: 'consent_expired', state: 'waiting_for_user', action: 'reconnect' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: 'OAUTH_USER_REVOKED' }, code: 'consent_expired', state: 'waiting_for_user', action: 'reconnect' },
  { err: { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN' }, code: 'login_required', state: 'waiting_for_user', action: 'update_credentials' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' }, code: 'locked', state: 'blocked', action: 'reactivate' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'INVALID_MFA' }, code: 'user_action_required', state: 'waiting_for_user', action: 'mfa' },
  { err: { error_type: 'ITEM_ERROR', error_code: 'INSUFFICIENT_CREDENTIALS' }, code: 'user_action_required', state: 'waiting_for_user', action: 'mfa' },
  { err: { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_SYNC_LIMIT', status: 429 }, code: 'rate_limited', state: 'connected', action: null },
  { err: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN' }, code: 'institution_down', state: 'error', action: null },
  { err: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_NOT_RESPONDING' }, code: 'institution_down', state: 'error', action: null },
  { err: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', status: 500 }, code: 'institution_down', state: 'error', action: null },
  { err: { error_type: 'ITEM_ERROR', error_code: 'PRODUCT_NOT_READY' }, code: 'not_ready', state: 'connected', action: null, ok: true },
  { err: { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' }, code: 'other', state: 'error', action: null },
];

test('each documented Plaid error lands in the right state with the request id as reference', async (t) => {
  const clock = FakeClock.at(NOW);
  const shared = await simulator(t, {}, clock);
  for (const e of ERRORS) {
    const s = await setup(t, { shared });
    const initial = s.connection().state;
    assert.equal(initial, 'connected');
    s.sim.failNext('/transactions/sync', { ...e.err, error_message: `simulated ${e.err.error_code}`, display_message: `Display ${e.err.error_code}` });
    const r = await s.run();
    const label = `${e.err.error_code}/${e.err.error_code_reason ?? ''}`;
    assert.equal(r.ok, e.ok ?? false, label);
    const body = s.sim.responses.filter((x) => x.path === '/transactions/sync' && x.status >= 400).at(-1)!.body as { request_id: string };
    const c = s.connection();
    assert.equal(c.state, e.state, label);
    assert.equal(c.state_action, e.action, label);
    const chat = listChatter(s.db, { connectionId: s.connectionId }).at(-1)!;
    assert.equal(chat.reference, `plaid:${body.request_id}`, label);
    assert.equal(chat.error_description, `Display ${e.err.error_code}`, label);
    if (!e.ok) assert.equal(r.error!.code, e.code, label);
    const run = s.db.prepare('SELECT error_code FROM sync_runs WHERE connection_id = ? ORDER BY id DESC').get(s.connectionId) as { error_code: string };
    assert.equal(run.error_code, e.code, label);
    assert.equal(s.bankLines().length, 0, `${label}: nothing stored`);
  }
});

test('bad API keys are Plaid\'s INVALID_API_KEYS, kept with its request id', async (t) => {
  const s = await setup(t, { secret: 'wrong' });
  const r = await s.run();
  assert.equal(r.ok, false);
  assert.equal(r.error!.code, 'other');
  assert.match(r.error!.reference!, /^plaid:[0-9A-F]+$/);
  const runRow = s.db.prepare('SELECT error_description FROM sync_runs WHERE connection_id = ?').get(s.connectionId) as { error_description: string };
  assert.equal(runRow.error_description, 'invalid client_id or secret provided');
});

test('rate limits: rate_limited with retryAt (Retry-After, or a minute); a refused refresh still fetches', async (t) => {
  const s = await setup(t, { sim: { refreshesAllowed: 0 } });
  s.sim.failNext('/transactions/sync', { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_SYNC_LIMIT', status: 429, headers: { 'retry-after': '120' } });
  const r = await s.run();
  assert.equal(r.ok, false);
  assert.equal(r.error!.code, 'rate_limited');
  assert.equal(s.connection().retry_at, new Date(Date.parse(NOW) + 120_000).toISOString());
  s.clock.advanceDays(1);
  s.sim.failNext('/accounts/get', { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'ACCOUNTS_LIMIT', status: 429 });
  const r2 = await s.run();
  assert.equal(r2.error!.code, 'rate_limited');
  assert.equal(s.connection().retry_at, new Date(s.clock.ms + 60_000).toISOString());
  // The refresh is over its limit: the sync goes on with what Plaid has.
  const r3 = await s.run();
  assert.equal(r3.ok, true, JSON.stringify(r3.error));
  assert.ok(listChatter(s.db, { connectionId: s.connectionId }).some((c) => c.text.includes('limited number of refreshes')));
  assertLedgerEqualsBank(s);
});

for (const fault of [
  { name: 'HTTP 500', f: { kind: 'status', status: 500 } as const, code: 'institution_down' },
  { name: 'time-out', f: { kind: 'timeout' } as const, code: 'network' },
  { name: 'malformed JSON', f: { kind: 'malformed' } as const, code: 'invalid_response' },
  { name: 'truncated page', f: { kind: 'truncated' } as const, code: 'network' },
]) {
  test(`fault on page 2 (${fault.name}): the sync fails clearly, keeps nothing of the bad page, the next one catches up`, async (t) => {
    const s = await setup(t, { timeoutMs: 400 });
    s.sim.sim.inject(fault.f, { match: (r) => r.path === '/transactions/sync' && typeof (r.json as { cursor?: unknown })?.cursor === 'string' });
    const r = await s.run();
    assert.equal(r.ok, false);
    assert.equal(r.error!.code, fault.code);
    assert.equal(s.connection().state, 'error');
    assert.equal(s.bankLines().length, 100, 'only the first page was stored');
    const acc = s.db.prepare('SELECT cursor, cursor_mid_run FROM online_accounts WHERE id = ?').get(s.accountId) as { cursor: string; cursor_mid_run: number };
    assert.equal(acc.cursor_mid_run, 1);
    assert.equal((JSON.parse(acc.cursor) as { start: unknown }).start, null, 'the saved cursor keeps the loop start');
    const r2 = await s.run();
    assert.equal(r2.ok, true, JSON.stringify(r2.error));
    assert.equal(s.connection().state, 'connected');
    assertLedgerEqualsBank(s);
  });
}

test('a loop cut short by a crash restarts from its first cursor in a new process; ids absorb the repeat', async (t) => {
  const s = await setup(t);
  assert.equal((await s.run()).ok, true);
  for (let i = 0; i < 150; i++) s.sim.addTransaction({ minor: 100 + i, date: '2026-06-14' });
  const loopStart = s.db.prepare('SELECT cursor FROM online_accounts WHERE id = ?').pluck().get(s.accountId) as string;
  s.sim.sim.inject({ kind: 'status', status: 500 }, { match: (r) => r.path === '/transactions/sync' && (r.json as { cursor?: string }).cursor !== loopStart });
  assert.equal((await s.run()).ok, false);
  assert.equal(s.bankLines().length, 400);
  const saved = JSON.parse(s.db.prepare('SELECT cursor FROM online_accounts WHERE id = ?').pluck().get(s.accountId) as string) as { start: string };
  assert.equal(saved.start, loopStart);
  const n = s.sim.requests('/transactions/sync').length;
  const restarted = client(s.sim); // a new process: the loop is unknown
  const r = await s.run(restarted);
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal((s.sim.requests('/transactions/sync')[n]!.json as { cursor: string }).cursor, loopStart);
  assert.equal(r.duplicates, 100);
  assertLedgerEqualsBank(s);
});

test('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION restarts the loop from its first cursor', async (t) => {
  const s = await setup(t);
  s.sim.mutateDuringPagination();
  const r = await s.run();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  const cursors = s.sim.requests('/transactions/sync').map((x) => (x.json as { cursor?: string }).cursor);
  assert.equal(cursors.length, 6); // page 1, refused page 2, then 4 pages from the start
  assert.equal(cursors[2], undefined);
  assert.equal(r.duplicates, 100);
  assertLedgerEqualsBank(s);
});
