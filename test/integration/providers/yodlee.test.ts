// The Yodlee client against the Yodlee simulator, driven through the real sync engine and a
// real ledger file: history, consent (FastLink redirect), pending → posted, repeat syncs,
// every documented error, faults and rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { createJournal } from '../../../main/ledger/journals';
import { staticConfig } from '../../../main/providers/config';
import { ProviderError } from '../../../main/providers/errors';
import { YodleeProvider } from '../../../main/providers/yodlee/index';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { SIM_ADMIN, SIM_CLIENT_ID, SIM_PROVIDER_ID, SIM_SECRET, SIM_SITE_PASSWORD, startYodleeSimulator, type YodleeSimOptions } from '../../simulators/yodlee';

type T = { after(fn: () => unknown): void };
const NOW = '2026-06-15T10:00:00Z';
const PAGE = 100;

async function setup(t: T, o: { sim?: YodleeSimOptions; secret?: string; timeoutMs?: number } = {}) {
  const clock = FakeClock.at(NOW);
  const bank = await startYodleeSimulator({ now: clock.now, ...o.sim });
  t.after(() => bank.close());
  const config = staticConfig('Yodlee', {
    client_id: SIM_CLIENT_ID, secret: o.secret ?? SIM_SECRET, login_name: SIM_ADMIN, base_url: bank.baseUrl, fastlink_url: bank.fastlinkUrl,
  });
  const provider = new YodleeProvider({ config, now: clock.now, pageSize: PAGE, timeoutMs: o.timeoutMs ?? 2_000 });
  const login = 'ledgerlink-0123456789abcdef';
  const pa = bank.createProviderAccount(login);
  const ledger = tempLedger();
  t.after(ledger.cleanup);
  const { db } = ledger;
  const seeded = seedConnection(db, { provider: 'yodlee', providerAccountId: String(pa.checkingId), currency: 'USD', timezone: 'America/New_York', code: 'CHK' });
  db.prepare('UPDATE connections SET provider_ref = ?, institution_id = ?, institution_name = ? WHERE id = ?')
    .run(`${login}:${pa.providerAccountId}`, SIM_PROVIDER_ID, 'Dag Site', seeded.connectionId);
  // The credit card of the same provider account, on its own journal.
  const cardAccount = Number(db.prepare(`INSERT INTO online_accounts (connection_id, provider_account_id, name, currency) VALUES (?, ?, 'Card', 'USD')`)
    .run(seeded.connectionId, String(pa.cardId)).lastInsertRowid);
  const cardJournal = createJournal(db, { name: 'Card', code: 'CARD', currency: 'USD', periodicity: 'month', timezone: 'America/New_York', onlineAccountId: cardAccount, at: new Date(NOW) });
  const secrets = new Map<string, string>();
  const engine = new SyncEngine(db, { now: clock.now, random: () => 0.5 });
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') => engine.run(seeded.connectionId, provider, {
    trigger, getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => { secrets.set(k, v); },
  });
  const balance = (journalId: number) => db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE journal_id = ?').pluck().get(journalId) as number;
  const lineCount = (journalId: number) => db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE journal_id = ? AND kind = 'bank'`).pluck().get(journalId) as number;
  const conn = () => db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(seeded.connectionId) as { state: string; state_action: string | null; retry_at: string | null };
  const lastChatter = () => listChatter(db, { connectionId: seeded.connectionId }).at(-1)!;
  const ctx = {
    connectionId: seeded.connectionId, institutionId: SIM_PROVIDER_ID, providerRef: `${login}:${pa.providerAccountId}`,
    getSecret: async () => undefined, setSecret: async () => undefined, interactive: true, now: clock.now,
  };
  return { clock, bank, provider, db, pa, login, sync, balance, lineCount, conn, lastChatter, ctx, ...seeded, cardJournal };
}

const txPath = (skip?: number) => (r: { path: string; query: URLSearchParams }) => r.path.endsWith('/transactions') && (skip === undefined || r.query.get('skip') === String(skip));

test('a multi-month history syncs page by page; ledger equals the bank, card balance inverted, integrity clean', async (t) => {
  const s = await setup(t);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.balance(s.journalId), s.bank.balanceMinor(s.pa.checkingId));
  assert.equal(s.balance(s.cardJournal), s.bank.balanceMinor(s.pa.cardId));
  assert.ok(s.bank.balanceMinor(s.pa.cardId) < 0, 'a card owes money: negative in the ledger');
  // The opening line is exactly the balance before the history: signs and amounts all right.
  const opening = (j: number) => s.db.prepare(`SELECT amount FROM statement_lines WHERE journal_id = ? AND kind = 'opening'`).pluck().get(j) as number;
  assert.equal(opening(s.journalId), s.bank.account(s.pa.checkingId)!.openingMinor);
  assert.equal(opening(s.cardJournal), s.bank.account(s.pa.cardId)!.openingMinor);
  const posted = s.bank.account(s.pa.checkingId)!.transactions.filter((x) => x.status === 'POSTED');
  assert.ok(posted.length > 150, `a few hundred transactions (${posted.length})`);
  assert.equal(s.lineCount(s.journalId), posted.length);
  const months = s.db.prepare(`SELECT COUNT(DISTINCT substr(date, 1, 7)) FROM statement_lines WHERE journal_id = ?`).pluck().get(s.journalId) as number;
  assert.ok(months >= 7, `${months} months`);
  // One debit, checked line by line: sign, date, text, merchant.
  const debit = posted.find((x) => x.baseType === 'DEBIT' && x.merchant)!;
  const line = s.db.prepare(`SELECT l.date, l.amount, l.payment_ref, l.partner_name FROM statement_lines l JOIN line_provider_ids p ON p.line_id = l.id WHERE p.provider_id = ?`).get(String(debit.id)) as
    { date: string; amount: number; payment_ref: string; partner_name: string } | undefined;
  assert.deepEqual(line, { date: debit.date, amount: -debit.minor, payment_ref: debit.description, partner_name: debit.merchant });
  assert.deepEqual(checkIntegrity(s.db), []);
  const pages = s.bank.sim.log.filter((x) => txPath()(x) && x.query.get('accountId') === String(s.pa.checkingId));
  assert.ok(pages.length >= 3, 'read with skip/top pages');
  assert.ok(pages.every((x) => x.query.get('top') === String(PAGE) && x.headers['api-version'] === '1.1'));
  assert.equal(s.db.prepare('SELECT COUNT(*) FROM pending_lines WHERE online_account_id = ?').pluck().get(s.accountId), 2, 'pending kept apart, scheduled ignored');
  // A manual sync asked Yodlee to refresh first.
  assert.equal(s.bank.providerAccount(s.pa.providerAccountId)!.refreshes, 1);
});

test('a second sync brings nothing doubled; new lines come in once', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const before = s.lineCount(s.journalId);
  s.clock.advanceDays(1);
  const again = await s.sync();
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0);
  assert.equal(s.lineCount(s.journalId), before);
  s.bank.addPosted(s.pa.checkingId, [{ minor: 12_34, baseType: 'CREDIT', description: 'REFUND' }, { minor: 99_00, baseType: 'DEBIT', description: 'RENT' }]);
  const third = await s.sync();
  assert.equal(third.stored, 2);
  assert.equal(s.lineCount(s.journalId), before + 2);
  assert.equal(s.balance(s.journalId), s.bank.balanceMinor(s.pa.checkingId));
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('pending lines that post under new ids give one line each, no duplicate', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const before = s.lineCount(s.journalId);
  const moved = s.bank.postPending(s.pa.checkingId);
  assert.equal(moved.length, 2);
  assert.ok(moved.every((m) => m.from !== m.to), 'new ids at Yodlee');
  s.clock.advanceDays(1);
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(s.lineCount(s.journalId), before + 2);
  assert.equal(s.db.prepare('SELECT COUNT(*) FROM pending_lines WHERE online_account_id = ?').pluck().get(s.accountId), 0);
  assert.equal(s.balance(s.journalId), s.bank.balanceMinor(s.pa.checkingId));
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('consent: FastLink page → redirect with providerAccountId, status, state → completeConsent', async (t) => {
  const s = await setup(t);
  const redirectUri = 'http://127.0.0.1:45678/callback';
  const state = 'a'.repeat(32);
  const { url } = await s.provider.startConsent({ institutionId: SIM_PROVIDER_ID, redirectUri, state, mode: 'new' });
  const u = new URL(url);
  assert.equal(u.searchParams.get('flow'), 'add');
  assert.equal(u.searchParams.get('providerId'), SIM_PROVIDER_ID);
  const follow = async (consentUrl: string, password: string) => {
    const page = await fetch(consentUrl);
    assert.equal(page.status, 200);
    const html = await page.text();
    const session = /name="session" value="([0-9a-f]+)"/.exec(html)![1]!;
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const res = await fetch(action, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ session, username: 'YodTest.site16441.2', password }) });
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(`${loc.origin}${loc.pathname}`, redirectUri);
    return Object.fromEntries(loc.searchParams);
  };
  const params = await follow(url, SIM_SITE_PASSWORD);
  assert.equal(params['state'], state);
  assert.equal(params['status'], 'SUCCESS');
  const done = await s.provider.completeConsent({ institutionId: SIM_PROVIDER_ID, params, now: new Date(NOW) });
  assert.match(done.providerRef, /^ledgerlink-[0-9a-f]{16}:\d+$/);
  assert.deepEqual(done.secrets, {});
  const login = done.providerRef.split(':')[0]!;
  assert.ok(s.bank.users.has(login), 'the user was registered at Yodlee');
  // The new connection works: its accounts are listed with the user's own token.
  const accounts = await s.provider.listAccounts({ ...s.ctx, providerRef: done.providerRef });
  assert.equal(accounts.length, 2);
  assert.ok(accounts.every((a) => /^x+\d{4}$/.test(a.accountNumber ?? '')), 'masked numbers');

  // The same answer again (replay) or with a forged state is refused.
  await assert.rejects(s.provider.completeConsent({ institutionId: SIM_PROVIDER_ID, params, now: new Date(NOW) }), /unknown consent state/);

  // A wrong bank password: the redirect says FAILED / INCORRECT_CREDENTIALS.
  const second = await s.provider.startConsent({ institutionId: SIM_PROVIDER_ID, redirectUri, state: 'b'.repeat(32), mode: 'new' });
  const failed = await follow(second.url, 'wrong');
  await assert.rejects(s.provider.completeConsent({ institutionId: SIM_PROVIDER_ID, params: failed, now: new Date(NOW) }),
    (e: unknown) => e instanceof ProviderError && e.code === 'login_required' && e.providerCode === 'INCORRECT_CREDENTIALS');

  // Reconnect keeps the user and the provider account: FastLink's refresh flow.
  const re = await s.provider.startConsent({ institutionId: SIM_PROVIDER_ID, redirectUri, state: 'c'.repeat(32), mode: 'reconnect', connection: s.ctx });
  assert.equal(new URL(re.url).searchParams.get('flow'), 'refresh');
  assert.equal(new URL(re.url).searchParams.get('providerAccountId'), String(s.pa.providerAccountId));
  const again = await s.provider.completeConsent({ institutionId: SIM_PROVIDER_ID, params: await follow(re.url, SIM_SITE_PASSWORD), now: new Date(NOW) });
  assert.equal(again.providerRef, s.ctx.providerRef);
});

test('institutions are listed to the end with skip/top; Beta and auto-refresh flags; unsupported left out', async (t) => {
  const s = await setup(t, { sim: { extraProviders: 650 } });
  const list = await s.provider.listInstitutions();
  assert.equal(list.length, 652);
  assert.deepEqual(s.bank.sim.log.filter((r) => r.path.endsWith('/providers')).map((r) => r.query.get('skip')), ['0', '500']);
  const beta = list.find((i) => i.id === '16442')!;
  assert.deepEqual([beta.beta, beta.automaticSync, beta.mfa], [true, false, true]);
  assert.equal(list.find((i) => i.id === SIM_PROVIDER_ID)!.beta, false);
  assert.equal(list.some((i) => i.id === '16443'), false);
});

test('an expired token (Y008) is renewed once and the call retried', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  const tokensBefore = s.bank.sim.log.filter((r) => r.path.endsWith('/auth/token')).length;
  s.bank.expireTokens();
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.bank.sim.log.filter((r2) => r2.path.endsWith('/auth/token')).length, tokensBefore + 1);
  assert.ok(s.bank.errors.some((e) => e.errorCode === 'Y008'));
});

// Refresh outcomes reported on the provider account (status + dataset[].additionalStatus).
const datasetCases = [
  { status: 'FAILED', additional: 'INCORRECT_CREDENTIALS', state: 'waiting_for_user', action: 'update_credentials' },
  { status: 'FAILED', additional: 'ACCOUNT_LOCKED', state: 'blocked', action: 'reactivate' },
  { status: 'USER_INPUT_REQUIRED', additional: 'ADDL_AUTHENTICATION_REQUIRED', state: 'waiting_for_user', action: 'mfa' },
  { status: 'FAILED', additional: 'CONSENT_EXPIRED', state: 'waiting_for_user', action: 'reconnect' },
  { status: 'FAILED', additional: 'SITE_UNAVAILABLE', state: 'error', action: null },
] as const;

for (const c of datasetCases) {
  test(`provider account ${c.status}/${c.additional} → ${c.state}/${c.action ?? '-'} with Yodlee's requestId as reference`, async (t) => {
    const s = await setup(t);
    const requestId = s.bank.setStatus(s.pa.providerAccountId, { status: c.status, additionalStatus: c.additional });
    const r = await s.sync();
    assert.equal(r.ok, false);
    assert.deepEqual(s.conn().state, c.state);
    assert.deepEqual(s.conn().state_action, c.action);
    const chat = s.lastChatter();
    assert.equal(chat.reference, `yodlee:${requestId}`);
    assert.equal(s.lineCount(s.journalId), 0);
  });
}

test('data still being collected (IN_PROGRESS, no data yet) is "nothing yet", not a failure', async (t) => {
  const s = await setup(t);
  s.bank.setStatus(s.pa.providerAccountId, { status: 'IN_PROGRESS', additionalStatus: 'DATA_RETRIEVAL_IN_PROGRESS', keepData: false });
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(s.conn().state, 'connected');
  assert.equal(s.lineCount(s.journalId), 0);
  assert.match(s.lastChatter().text, /still preparing/);
});

// Documented API errors (HTTP status + errorCode), each with its referenceCode as reference.
const apiCases = [
  { name: 'Y902 issue at Yodlee', status: 500, code: 'Y902', msg: 'Oops some issue at our end', path: '/transactions', state: 'error', action: null, err: 'institution_down' },
  { name: 'Y807 provider account gone', status: 404, code: 'Y807', msg: 'Resource not found', path: '/providerAccounts/', state: 'waiting_for_user', action: 'reconnect', err: 'consent_expired' },
  { name: 'Y800 invalid value', status: 400, code: 'Y800', msg: 'Invalid value for accountId', path: '/accounts', state: 'error', action: null, err: 'other' },
  { name: 'Y007 authorization header missing', status: 401, code: 'Y007', msg: 'Authorization header missing', path: '/accounts', state: 'error', action: null, err: 'other' },
  { name: 'Y901 service not supported', status: 400, code: 'Y901', msg: 'Service not supported', path: '/transactions', state: 'error', action: null, err: 'other' },
  { name: 'Y006 unregistered user', status: 401, code: 'Y006', msg: 'Unregistered user', path: '/auth/token', state: 'waiting_for_user', action: 'reconnect', err: 'consent_expired' },
  { name: 'Y008 twice', status: 401, code: 'Y008', msg: 'Invalid token in authorization header', path: '/accounts', times: 2, state: 'error', action: null, err: 'other' },
] as const;

for (const c of apiCases) {
  test(`API error ${c.name} → ${c.state}/${c.action ?? '-'} (${c.err}), referenceCode kept`, async (t) => {
    const s = await setup(t);
    const { body, referenceCode } = s.bank.errorBody(c.code, c.msg);
    s.bank.sim.inject({ kind: 'status', status: c.status, body }, { times: 'times' in c ? c.times : 1, match: (r) => r.path.includes(c.path) });
    const r = await s.sync();
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, c.err);
    assert.equal(r.error?.description, c.msg);
    assert.deepEqual([s.conn().state, s.conn().state_action], [c.state, c.action]);
    assert.equal(s.lastChatter().reference, `yodlee:${referenceCode}`);
  });
}

test('wrong app keys (Y301) fail with Yodlee\'s message and reference', async (t) => {
  const s = await setup(t, { secret: 'nope' });
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.equal(r.error?.description, 'Invalid clientId or secret');
  const last = s.bank.errors.at(-1)!;
  assert.equal(last.errorCode, 'Y301');
  assert.equal(s.lastChatter().reference, `yodlee:${last.referenceCode}`);
});

for (const fault of [
  { kind: 'status', status: 500 } as const,
  { kind: 'timeout' } as const,
  { kind: 'malformed' } as const,
  { kind: 'truncated' } as const,
]) {
  test(`fault on page 2 (${fault.kind}${'status' in fault ? ` ${fault.status}` : ''}) fails clearly, stores nothing of it; the next sync carries on`, async (t) => {
    const s = await setup(t, { timeoutMs: 300 });
    s.bank.sim.inject(fault, { match: txPath(PAGE) });
    const r = await s.sync();
    assert.equal(r.ok, false);
    const expected = { status: 'institution_down', timeout: 'network', malformed: 'invalid_response', truncated: 'network' }[fault.kind];
    assert.equal(r.error?.code, expected, JSON.stringify(r.error));
    assert.equal(s.conn().state, 'error');
    // Only page 1 is in the ledger (of the checking account: the fault hit its second page).
    const page1 = s.db.prepare('SELECT COUNT(*) FROM statement_lines WHERE journal_id = ?').pluck().get(s.journalId) as number;
    assert.ok(page1 > 0 && page1 <= PAGE, `page 1 only (${page1})`);
    s.clock.advanceDays(1);
    const again = await s.sync();
    assert.equal(again.ok, true, JSON.stringify(again.error));
    assert.equal(s.conn().state, 'connected');
    assert.equal(s.balance(s.journalId), s.bank.balanceMinor(s.pa.checkingId));
    assert.equal(s.balance(s.cardJournal), s.bank.balanceMinor(s.pa.cardId));
    assert.equal(s.lineCount(s.journalId), s.bank.account(s.pa.checkingId)!.transactions.filter((x) => x.status === 'POSTED').length);
    assert.deepEqual(checkIntegrity(s.db), []);
  });
}

test('a 429 answer → rate_limited with retryAt from Retry-After; the schedule waits', async (t) => {
  const s = await setup(t);
  const { body, referenceCode } = s.bank.errorBody(undefined, 'Too many requests');
  s.bank.sim.inject({ kind: 'status', status: 429, body, headers: { 'retry-after': '3600' } }, { match: txPath() });
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'rate_limited');
  assert.equal(s.conn().retry_at, new Date(Date.parse(NOW) + 3_600_000).toISOString());
  assert.equal(s.conn().state, 'connected', 'a rate limit is no broken connection');
  assert.equal(s.lastChatter().reference, `yodlee:${referenceCode}`);
});

test('a refresh asked too soon is refused (429) but the sync still reads what Yodlee has', async (t) => {
  const s = await setup(t, { sim: { refreshIntervalMs: 4 * 3_600_000 } });
  assert.equal((await s.sync()).ok, true);
  s.bank.addPosted(s.pa.checkingId, [{ minor: 500, baseType: 'DEBIT', description: 'COFFEE' }]);
  s.clock.ms += 3_600_000;
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, 1);
  assert.equal(s.bank.providerAccount(s.pa.providerAccountId)!.refreshes, 1);
  const info = listChatter(s.db, { connectionId: s.connectionId }).find((c) => /limited number of refreshes/.test(c.text));
  assert.ok(info, 'the user is told the refresh was refused');
  assert.match(info.text, new RegExp(new Date(Date.parse(NOW) + 4 * 3_600_000).toISOString().slice(0, 16)));
});

test('a refresh not allowed (DISALLOW_UPDATE) is skipped; scheduled runs never ask one', async (t) => {
  const s = await setup(t);
  s.bank.setStatus(s.pa.providerAccountId, { status: 'SUCCESS', additionalStatus: 'AVAILABLE_DATA_RETRIEVED', updateEligibility: 'DISALLOW_UPDATE' });
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(s.bank.providerAccount(s.pa.providerAccountId)!.refreshes, 0);
  assert.equal(s.bank.sim.log.filter((x) => x.method === 'PUT').length, 0);
  s.bank.setStatus(s.pa.providerAccountId, { status: 'SUCCESS', additionalStatus: 'AVAILABLE_DATA_RETRIEVED', updateEligibility: 'ALLOW_UPDATE' });
  s.clock.advanceDays(1);
  assert.equal((await s.sync('scheduled')).ok, true);
  assert.equal(s.bank.sim.log.filter((x) => x.method === 'PUT').length, 0, 'no refresh on a scheduled run');
  assert.equal((await s.sync('manual')).ok, true);
  assert.equal(s.bank.sim.log.filter((x) => x.method === 'PUT').length, 1, 'a manual run asks one');
});

test('revoke deletes the provider account; a second revoke is harmless', async (t) => {
  const s = await setup(t);
  await s.provider.revoke(s.ctx);
  assert.equal(s.bank.providerAccount(s.pa.providerAccountId), undefined);
  await s.provider.revoke(s.ctx);
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.deepEqual([s.conn().state, s.conn().state_action], ['waiting_for_user', 'reconnect']);
});
