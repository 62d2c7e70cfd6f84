import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Periodicity } from '../../../preload/api';
import { listChatter } from '../../../main/ledger/chatter';
import { dismissLine, importAgain, listDismissed } from '../../../main/ledger/dismissed';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { setSetting } from '../../../main/ledger/settings';
import { listStatements } from '../../../main/ledger/statements';
import { ProviderError } from '../../../main/providers/errors';
import { OPENING_LINE_LABEL, SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

function setup(o: { periodicity?: Periodicity; balance?: string; now?: string } = {}) {
  const l = tempLedger();
  const ids = seedConnection(l.db, { periodicity: o.periodicity ?? 'month' });
  const clock = FakeClock.at(o.now ?? '2026-03-20T10:00:00Z');
  const bank = new ScriptedProvider();
  bank.accounts = [{ id: 'acc-1', name: 'Current account', currency: 'EUR', balance: o.balance ?? '0', posted: [], pending: [] }];
  const engine = new SyncEngine(l.db, { now: clock.now });
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') => engine.run(ids.connectionId, bank, { trigger });
  const acc = bank.accounts[0]!;
  const setBalanceFromPosted = (opening = 0n) => {
    const cents = acc.posted.reduce((s, t) => s + BigInt(t.amount.replace('.', '')), opening);
    const neg = cents < 0n;
    const digits = (neg ? -cents : cents).toString().padStart(3, '0');
    acc.balance = `${neg ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  };
  return { ...l, ...ids, clock, bank, acc, engine, sync, setBalanceFromPosted };
}

test('first sync records posted lines in monthly statements and an opening line for the balance gap', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.posted = [tx('t1', '2026-01-05', '1000.00'), tx('t2', '2026-01-20', '-250.50'), tx('t3', '2026-02-03', '-49.50'), tx('t4', '2026-03-02', '2500.00')];
  s.acc.balance = '4200.00'; // the bank holds more than the fetched history explains
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(r.stored, 4);

  const lines = listLines(s.db, { journalId: s.journalId });
  const opening = lines.filter((l) => l.kind === 'opening');
  assert.equal(opening.length, 1);
  assert.equal(opening[0]!.payment_ref, OPENING_LINE_LABEL);
  assert.equal(opening[0]!.amount, 420000 - (100000 - 25050 - 4950 + 250000));
  assert.equal(getJournal(s.db, s.journalId)!.balance, 420000, 'ledger balance equals the bank balance from day one');

  const st = listStatements(s.db, s.journalId);
  assert.deepEqual(st.map((x) => x.name), ['BNK Statement 2026-01-01', 'BNK Statement 2026-02-01', 'BNK Statement 2026-03-01']);
  assert.equal(st[0]!.balance_start, 0);
  for (let i = 1; i < st.length; i++) assert.equal(st[i]!.balance_start, st[i - 1]!.balance_end_real, 'statements chain');
  assert.equal(st.at(-1)!.balance_end_real, 420000, 'the last real end is the bank balance');
  assert.ok(st.every((x) => x.is_complete && x.is_valid));
  assert.deepEqual(checkIntegrity(s.db), []);

  // The second sync with nothing new adds no second opening line.
  const again = await s.sync();
  assert.equal(again.stored, 0);
  assert.equal(listLines(s.db, { journalId: s.journalId }).filter((l) => l.kind === 'opening').length, 1);
});

test('no opening line when the fetched lines explain the bank balance', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.posted = [tx('t1', '2026-03-01', '10.00'), tx('t2', '2026-03-02', '-2.50')];
  s.setBalanceFromPosted();
  await s.sync();
  assert.equal(listLines(s.db, { journalId: s.journalId }).some((l) => l.kind === 'opening'), false);
});

test('the window starts after the last line with an overlap, never on or before the lock date', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.sync();
  const first = s.bank.calls.find((c) => c.method === 'fetchTransactions')!.req!;
  assert.equal(first.until, '2026-03-21', 'up to the latest date any bank may already book on (UTC+14)');
  assert.equal(first.since, '2024-03-20', 'an empty journal asks as far back as possible (730 days)');

  s.acc.posted = [tx('t1', '2026-03-10', '5.00')];
  s.setBalanceFromPosted();
  s.bank.calls = [];
  await s.sync();
  s.bank.calls = [];
  s.clock.advanceDays(5);
  await s.sync();
  const next = s.bank.calls.find((c) => c.method === 'fetchTransactions')!.req!;
  assert.equal(next.since, '2026-03-04', 'day after the last line (03-11) minus 7 days of overlap');
  assert.equal(next.until, '2026-03-26');

  setSetting(s.db, 'lock_date', '2026-03-08');
  s.bank.calls = [];
  await s.sync();
  assert.equal(s.bank.calls.find((c) => c.method === 'fetchTransactions')!.req!.since, '2026-03-09');
});

test('lines dated on or before the lock date are not recorded', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  setSetting(s.db, 'lock_date', '2026-01-31');
  s.acc.posted = [tx('old', '2026-01-31', '-10.00'), tx('new', '2026-02-01', '-20.00')];
  s.bank.pageSize = 10;
  // A provider ignoring the window still cannot write into the locked period.
  s.bank.fetchTransactions = async () => ({ posted: s.acc.posted, pending: [], nextCursor: null, hasMore: false });
  s.acc.balance = '-30.00';
  await s.sync();
  const lines = listLines(s.db, { journalId: s.journalId });
  assert.ok(lines.every((l) => l.date > '2026-01-31'), 'nothing on or before the lock date');
  assert.deepEqual(lines.filter((l) => l.kind === 'bank').map((l) => l.payment_ref), ['Payment new']);
});

test('dedup by any known provider id, across syncs and inside one batch; a line keeps all its ids', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.bank.pageSize = 10;
  s.acc.posted = [tx('t1', '2026-03-01', '-10.00'), tx('t2', '2026-03-02', '-20.00')];
  s.bank.fetchTransactions = async () => ({
    // t1 twice in one page, t2 again under its entry reference only
    posted: [...s.acc.posted, tx('t1', '2026-03-01', '-10.00', { otherIds: [{ kind: 'entry_reference', id: 'E1' }] }), tx('E2', '2026-03-02', '-20.00')],
    pending: [], nextCursor: null, hasMore: false,
  });
  s.acc.posted[1]!.otherIds = [{ kind: 'entry_reference', id: 'E2' }];
  s.acc.balance = '-30.00';
  const r = await s.sync();
  assert.equal(r.stored, 2);
  assert.equal(r.duplicates, 2);
  const lines = listLines(s.db, { journalId: s.journalId });
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0]!.provider_ids.map((p) => p.id).sort(), ['E1', 't1'], 'the id seen later is added to the line');
  const r2 = await s.sync();
  assert.equal(r2.stored, 0);
  assert.equal(listLines(s.db, { journalId: s.journalId }).length, 2);
  assert.throws(() => s.db.prepare(`INSERT INTO line_provider_ids (online_account_id, provider_id, kind, line_id) VALUES (?, 't1', 'transaction', ?)`).run(s.accountId, lines[1]!.id),
    /UNIQUE|PRIMARY KEY/, 'the database itself refuses the same provider id twice on one account');
});

test('pending lines stay out of statements and are replaced when they post under a new id', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.posted = [tx('b0', '2026-03-10', '100.00')];
  s.acc.pending = [tx('p1', '2026-03-18', '-42.00', { partnerName: 'Café' }), tx('p2', '2026-03-19', '-42.00', { partnerName: 'Bakery' })];
  s.acc.balance = '100.00';
  const r = await s.sync();
  assert.equal(r.pending, 2);
  assert.equal(listPendingLines(s.db, s.journalId).length, 2);
  assert.equal(getJournal(s.db, s.journalId)!.balance, 10000, 'pending amounts are not in the ledger');

  // Bakery's payment posts three days later under a new id, without any link.
  s.clock.advanceDays(3);
  s.acc.pending = [s.acc.pending[0]!];
  s.acc.posted.push(tx('b2', '2026-03-21', '-42.00', { partnerName: 'Bakery' }));
  s.acc.balance = '58.00';
  await s.sync();
  const posted = listLines(s.db, { journalId: s.journalId }).find((l) => l.provider_ids.some((p) => p.id === 'b2'))!;
  assert.match(posted.match_reason!, /Replaces pending line p2: same amount and currency, dated 2 days before/);
  assert.deepEqual(posted.provider_ids.map((p) => `${p.kind}:${p.id}`).sort(), ['pending_matched:p2', 'transaction:b2']);
  assert.deepEqual(listPendingLines(s.db, s.journalId).map((p) => p.provider_id), ['p1']);

  // Plaid-style: the provider links the posted line to its pending id.
  s.acc.pending = [];
  s.acc.posted.push(tx('b1', '2026-03-22', '-42.00', { pendingId: 'p1' }));
  s.acc.balance = '16.00';
  await s.sync();
  const linked = listLines(s.db, { journalId: s.journalId }).find((l) => l.provider_ids.some((p) => p.id === 'b1'))!;
  assert.match(linked.match_reason!, /Replaces pending line p1 \(linked by the provider\)/);
  assert.equal(listPendingLines(s.db, s.journalId).length, 0);
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('a pending line that disappears from the bank is dropped; one too old is not matched', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [tx('p1', '2026-03-01', '-9.99')];
  await s.sync();
  s.acc.pending = [];
  s.acc.posted = [tx('b1', '2026-03-15', '-9.99')]; // 14 days later: a different payment
  s.acc.balance = '-9.99';
  await s.sync();
  const line = listLines(s.db, { journalId: s.journalId }).find((l) => l.kind === 'bank')!;
  assert.equal(line.match_reason, null);
  assert.equal(listPendingLines(s.db, s.journalId).length, 0, 'the snapshot no longer lists p1');
});

test('dismissed lines never come back unless imported again', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.posted = [tx('t1', '2026-03-01', '-10.00'), tx('t2', '2026-03-02', '-20.00')];
  s.acc.balance = '-30.00';
  await s.sync();
  const t2 = listLines(s.db, { journalId: s.journalId }).find((l) => l.provider_ids[0]!.id === 't2')!;
  dismissLine(s.db, t2.id, s.clock.now());
  s.clock.advanceDays(1);
  const r = await s.sync();
  assert.equal(r.stored, 0);
  assert.equal(listLines(s.db, { journalId: s.journalId }).some((l) => l.provider_ids.some((p) => p.id === 't2')), false);
  const st = listStatements(s.db, s.journalId).at(-1)!;
  assert.equal(st.difference, -2000, 'the missing line shows as a difference with the bank');

  const [d] = listDismissed(s.db, s.journalId);
  const back = importAgain(s.db, d!.id, s.clock.now());
  assert.equal(back.amount, -2000);
  assert.equal(back.match_reason, 'Imported again by the user');
  assert.deepEqual(checkIntegrity(s.db), []);
  assert.equal((await s.sync()).stored, 0, 'and it is not imported twice');
});

test('statement periodicities cut on local dates; a late line goes into its own period', async (t) => {
  const cases: [Periodicity, string[]][] = [
    ['day', ['2026-03-01', '2026-03-02', '2026-03-09', '2026-03-15', '2026-03-16']],
    ['week', ['2026-02-23', '2026-03-02', '2026-03-09', '2026-03-16']],
    ['bimonthly', ['2026-03-01', '2026-03-15']],
    ['month', ['2026-03-01']],
  ];
  for (const [periodicity, dates] of cases) {
    const s = setup({ periodicity });
    t.after(s.cleanup);
    s.bank.pageSize = 50;
    s.acc.posted = [tx('a', '2026-03-01', '1.00'), tx('b', '2026-03-02', '1.00'), tx('c', '2026-03-09', '1.00'),
      tx('d', '2026-03-15', '1.00'), tx('e', '2026-03-16', '1.00')];
    s.setBalanceFromPosted();
    await s.sync();
    assert.deepEqual(listStatements(s.db, s.journalId).map((x) => x.date), dates, periodicity);
    // A late line for an older period goes into that period's statement, not today's.
    s.acc.posted.push(tx('late', '2026-03-14', '5.00'));
    s.setBalanceFromPosted();
    s.clock.advanceDays(1);
    await s.sync();
    const late = listLines(s.db, { journalId: s.journalId }).find((l) => l.provider_ids[0]!.id === 'late')!;
    const st = listStatements(s.db, s.journalId).find((x) => x.id === late.statement_id)!;
    assert.ok(st.date <= '2026-03-14' && st.date_end >= '2026-03-14', `${periodicity}: late line in ${st.date}..${st.date_end}`);
    assert.deepEqual(checkIntegrity(s.db), [], periodicity);
  }
});

test('"none" makes one statement per synchronization; instants are cut on the journal\'s local day', async (t) => {
  const s = setup({ periodicity: 'none' });
  t.after(s.cleanup);
  // 23:30 UTC on March 1st is already March 2nd in Brussels.
  s.acc.posted = [{ ...tx('a', '2026-03-01', '1.00'), date: undefined, datetime: '2026-03-01T23:30:00Z' }];
  s.acc.balance = '1.00';
  s.bank.fetchTransactions = async () => ({ posted: s.acc.posted, pending: [], nextCursor: null, hasMore: false });
  await s.sync();
  assert.equal(listLines(s.db, { journalId: s.journalId })[0]!.date, '2026-03-02');
  s.acc.posted.push(tx('b', '2026-03-20', '2.00'));
  s.acc.balance = '3.00';
  await s.sync();
  const st = listStatements(s.db, s.journalId);
  assert.equal(st.length, 2);
  assert.deepEqual(st.map((x) => x.line_count), [1, 1]);
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('a statement whose lines disagree with the bank is flagged with the difference', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.posted = [tx('t1', '2026-03-01', '-10.00')];
  s.acc.balance = '-10.00';
  await s.sync();
  s.acc.balance = '-35.00'; // the bank booked something we were never given
  await s.sync();
  const last = listStatements(s.db, s.journalId).at(-1)!;
  assert.equal(last.is_complete, false);
  assert.equal(last.difference, -2500);
  const problems = checkIntegrity(s.db);
  assert.ok(problems.some((p) => p.kind === 'balance_mismatch' && /missing or doubled/.test(p.message)));
});

test('each failure sets the right state and posts the description with a copyable reference', async (t) => {
  const cases = [
    [new ProviderError('consent_expired', 'expired', { description: 'Consent expired on the bank side', requestId: 'req-1' }), 'waiting_for_user', 'reconnect'],
    [new ProviderError('user_action_required', 'mfa', { requestId: 'req-2' }), 'waiting_for_user', 'mfa'],
    [new ProviderError('login_required', 'login', { requestId: 'req-3' }), 'waiting_for_user', 'update_credentials'],
    [new ProviderError('locked', 'locked', { requestId: 'req-4' }), 'blocked', 'reactivate'],
    [new ProviderError('institution_down', 'down', { requestId: 'req-5' }), 'error', null],
    [new Error('socket hang up'), 'error', null],
  ] as const;
  for (const [error, state, action] of cases) {
    const s = setup();
    t.after(s.cleanup);
    s.bank.failNext = { method: 'listAccounts', error };
    const r = await s.sync();
    assert.equal(r.ok, false);
    assert.equal(r.state, state);
    const conn = s.db.prepare('SELECT state, state_action FROM connections WHERE id = ?').get(s.connectionId) as { state: string; state_action: string | null };
    assert.deepEqual([conn.state, conn.state_action], [state, action]);
    const [msg] = listChatter(s.db, { connectionId: s.connectionId });
    assert.equal(msg!.level === 'error' || msg!.level === 'warning', true);
    assert.ok(msg!.reference, 'a reference to copy');
    assert.equal(msg!.reference, r.error!.reference);
    if (error instanceof ProviderError) {
      assert.equal(msg!.error_description, error.description);
      assert.equal(msg!.reference, `demo:${error.requestId}`);
    } else assert.match(msg!.reference!, /^LL-\d+-[0-9a-f]{8}$/);
    const run = s.db.prepare('SELECT result, reference FROM sync_runs ORDER BY id DESC').get() as { result: string; reference: string };
    assert.deepEqual([run.result, run.reference], ['error', msg!.reference]);
  }
});

test('a disconnected connection is never turned into error and makes no request', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.db.prepare(`UPDATE connections SET state = 'disconnected' WHERE id = ?`).run(s.connectionId);
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.equal(r.error!.message, 'Please reconnect your online account.');
  assert.equal(r.state, 'disconnected');
  assert.equal(s.bank.calls.length, 0);

  // Disconnected while a sync was under way: the error that follows leaves it disconnected.
  const s2 = setup();
  t.after(s2.cleanup);
  s2.bank.listAccounts = async () => {
    s2.db.prepare(`UPDATE connections SET state = 'disconnected' WHERE id = ?`).run(s2.connectionId);
    throw new ProviderError('institution_down', 'down');
  };
  const r2 = await s2.sync();
  assert.equal(r2.state, 'disconnected');
});

test('a rate limit keeps the state and the schedule, and says when to try again', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.sync();
  const before = s.db.prepare('SELECT state, last_refresh, next_refresh FROM connections WHERE id = ?').get(s.connectionId);
  s.clock.advanceDays(1);
  s.bank.failNext = { method: 'fetchTransactions', error: new ProviderError('rate_limited', '429', { retryAt: '2026-03-22T00:00:00Z' }) };
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.deepEqual(s.db.prepare('SELECT state, last_refresh, next_refresh FROM connections WHERE id = ?').get(s.connectionId), before);
  assert.match(r.error!.message, /after 2026-03-22T00:00:00Z/);

  // A refresh refused for now does not stop the fetch.
  s.bank.failNext = { method: 'requestRefresh', error: new ProviderError('rate_limited', 'once a day', { retryAt: '2026-03-23T00:00:00Z' }) };
  const r2 = await s.sync();
  assert.equal(r2.ok, true);
  assert.ok(listChatter(s.db, { connectionId: s.connectionId }).some((m) => /limited number of refreshes/.test(m.text)));
});

test('"not ready yet" is not an error', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.bank.failNext = { method: 'listAccounts', error: new ProviderError('not_ready', 'PRODUCT_NOT_READY') };
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(r.state, 'connected');
  assert.equal(listChatter(s.db, { connectionId: s.connectionId })[0]!.level, 'info');
});

test('a malformed page stores nothing of itself, keeps earlier pages, and the next run carries on', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.bank.pageSize = 2;
  s.acc.posted = [tx('t1', '2026-03-01', '-1.00'), tx('t2', '2026-03-02', '-2.00'), tx('t3', '2026-03-03', '-3.00'), tx('t4', '2026-03-04', '-4.00')];
  s.setBalanceFromPosted();
  const real = s.bank.fetchTransactions.bind(s.bank);
  let call = 0;
  s.bank.fetchTransactions = async (ctx, req) => {
    const page = await real(ctx, req);
    if (++call === 2) page.posted = [page.posted[0]!, { ...page.posted[1]!, amount: '12,5' }];
    return page;
  };
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.equal(r.error!.code, 'invalid_response');
  assert.deepEqual(listLines(s.db, { journalId: s.journalId }).map((l) => l.provider_ids[0]!.id), ['t1', 't2'], 'page 1 kept, page 2 not at all');
  assert.ok(listChatter(s.db, { connectionId: s.connectionId }).some((m) => /12,5/.test(m.error_description ?? '')));

  const r2 = await s.sync();
  assert.equal(r2.ok, true);
  assert.deepEqual(listLines(s.db, { journalId: s.journalId }).map((l) => l.provider_ids[0]!.id), ['t1', 't2', 't3', 't4']);
  assert.deepEqual(checkIntegrity(s.db), []);
  assert.equal(s.db.prepare('SELECT state FROM connections').pluck().get(), 'connected');
});

test('progress events report fetched and stored counts page by page', async (t) => {
  const l = tempLedger();
  t.after(l.cleanup);
  const ids = seedConnection(l.db);
  const bank = new ScriptedProvider();
  bank.pageSize = 2;
  bank.accounts = [{ id: 'acc-1', name: 'A', currency: 'EUR', balance: '5.00', posted: [tx('a', '2026-03-01', '1.00'), tx('b', '2026-03-02', '1.00'), tx('c', '2026-03-03', '3.00')], pending: [] }];
  const events: { pages: number; fetched: number; stored: number; days_total: number; days_done: number; reached: string | null }[] = [];
  const engine = new SyncEngine(l.db, { now: FakeClock.at('2026-03-20T00:00:00Z').now, onProgress: (e) => events.push(e) });
  await engine.run(ids.connectionId, bank, { trigger: 'manual' });
  assert.deepEqual(events.map((e) => [e.pages, e.fetched, e.stored]), [[1, 2, 2], [2, 3, 3]]);
  // An empty journal asks 2024-03-20..2026-03-20 (731 days); this bank sends oldest first, so
  // after the page ending on 2026-03-02 all but the last 18 days are covered.
  assert.deepEqual(events.map((e) => [e.days_done, e.days_total, e.reached]), [[713, 731, '2026-03-02'], [731, 731, '2026-03-03']]);
});

test('a guessed pending match is taken back when the bank says otherwise', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [tx('p1', '2026-03-18', '-42.00')];
  await s.sync();
  const line = (id: string) => listLines(s.db, { journalId: s.journalId }).find((l) => l.provider_ids.some((p) => p.id === id))!;

  // Another -42.00 payment that was never pending posts while p1 is still pending: the bank's
  // own list shows the amount-and-date guess wrong, so p1 stays pending.
  s.acc.posted = [tx('x1', '2026-03-19', '-42.00')];
  s.acc.balance = '-42.00';
  await s.sync();
  assert.deepEqual(line('x1').provider_ids.map((p) => p.id), ['x1']);
  assert.equal(line('x1').match_reason, null);
  assert.deepEqual(listPendingLines(s.db, s.journalId).map((p) => p.provider_id), ['p1']);

  // Plaid-style, both post in one answer and p1 leaves the pending list: the unlinked x1 comes
  // first and takes p1 by amount and date, then b1, linked to p1 by the provider, takes it back.
  s.acc.pending = [];
  s.acc.posted = [tx('x2', '2026-03-20', '-42.00'), tx('b1', '2026-03-21', '-42.00', { pendingId: 'p1' })];
  s.acc.balance = '-126.00';
  s.acc.posted.unshift(tx('x1', '2026-03-19', '-42.00'));
  s.clock.advanceDays(2);
  const r = await s.sync();
  assert.equal(r.stored, 2, 'the real posting is a new line, not a duplicate');
  assert.equal(line('x2').match_reason, null);
  assert.deepEqual(line('x2').provider_ids.map((p) => p.id), ['x2']);
  assert.deepEqual(line('b1').provider_ids.map((p) => `${p.kind}:${p.id}`).sort(), ['pending:p1', 'transaction:b1']);
  assert.equal(getJournal(s.db, s.journalId)!.balance, -12600);
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('a journal whose history starts on a chosen date records nothing before it; the opening line carries the balance then', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.db.prepare('UPDATE journals SET history_from = ? WHERE id = ?').run('2026-03-10', s.journalId);
  s.acc.posted = [tx('a', '2026-03-01', '100.00'), tx('b', '2026-03-05', '-20.00'), tx('c', '2026-03-12', '-30.00'), tx('d', '2026-03-15', '5.00')];
  s.acc.balance = '55.00';
  // Like Plaid's /transactions/sync, this bank answers its whole history whatever is asked.
  const fetch = s.bank.fetchTransactions.bind(s.bank);
  const asked: string[] = [];
  s.bank.fetchTransactions = (ctx, req) => {
    asked.push(req.since);
    return fetch(ctx, { ...req, since: '2000-01-01' });
  };
  const r = await s.sync();
  assert.equal(r.ok, true);
  assert.equal(asked[0], '2026-03-10', 'the window starts on the chosen date');
  const lines = listLines(s.db, { journalId: s.journalId });
  assert.deepEqual(lines.filter((l) => l.kind === 'bank').map((l) => l.provider_ids[0]!.id), ['c', 'd'], 'nothing before the start');
  const opening = lines.find((l) => l.kind === 'opening')!;
  assert.deepEqual([opening.date, opening.amount], ['2026-03-12', 8000], 'the balance before the start: 55.00 - (-30.00 + 5.00)');
  assert.equal(getJournal(s.db, s.journalId)!.balance, 5500, 'the ledger equals the bank');

  s.clock.advanceDays(1);
  const again = await s.sync();
  assert.equal(again.stored, 0, 'the older lines never come in later');
  assert.deepEqual(checkIntegrity(s.db), []);
});
