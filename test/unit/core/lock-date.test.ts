// The lock date really locks: through the API on a real ledger, nothing dated on or before it
// changes (removing a line, importing one again, undoing a match, the bank contradicting a
// match, a periodicity change), each refusal says why with `locked_period` and writes nothing;
// and a lock date in the future or before 1900 is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../../main/ledger/db';
import { SyncEngine } from '../../../main/sync/engine';
import { tempCore } from '../../helpers/core';
import { FakeClock, seedConnection } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

function ok<T>(r: R<T>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function refusal<T>(r: R<T>): { code: string; message: string } {
  if (r.ok) assert.fail('expected a refusal, got ok');
  return r.error;
}

/** Every row a user's books are made of, to prove a refusal wrote nothing. */
function books(db: Db): Record<string, string[]> {
  const tables = ['journals', 'statements', 'statement_lines', 'line_provider_ids', 'pending_lines', 'dismissed_lines', 'dismissed_ids', 'settings'];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all().map((r) => JSON.stringify(r)).sort()]));
}

/**
 * March: a1 (03-05), a2 (03-12) and x1 (03-19, which the engine guesses is the pending p1);
 * April: b1 (04-02). Then the books are closed up to 2026-03-31.
 */
async function closedMarch(t: { after(fn: () => unknown): void }, o: { periodicity?: 'month' | 'week' } = {}) {
  const clock = FakeClock.at('2026-03-18T10:00:00Z');
  const core = tempCore(t, { now: clock.now });
  const { connectionId, journalId } = seedConnection(core.db, { periodicity: o.periodicity ?? 'month' });
  const bank = new ScriptedProvider();
  bank.accounts = [{
    id: 'acc-1', name: 'Current', currency: 'EUR', balance: '-30.00',
    posted: [tx('a1', '2026-03-05', '-10.00'), tx('a2', '2026-03-12', '-20.00')], pending: [tx('p1', '2026-03-18', '-42.00')],
  }];
  const engine = new SyncEngine(core.db, { now: clock.now });
  const sync = () => engine.run(connectionId, bank, { trigger: 'manual' });
  await sync();
  clock.advanceDays(1);
  const acc = bank.accounts[0]!;
  acc.pending = [];
  acc.posted.push(tx('x1', '2026-03-19', '-42.00'));
  acc.balance = '-72.00';
  await sync();
  clock.advanceDays(18); // 2026-04-06
  acc.posted.push(tx('b1', '2026-04-02', '-5.00'));
  acc.balance = '-77.00';
  await sync();
  const lineOf = async (id: string) => ok(await core.api.listLines({ journal_id: journalId })).find((l) => l.provider_ids.some((p) => p.id === id))!;
  return { core, bank, clock, sync, journalId, lineOf };
}

async function lockMarch(core: { api: { setSetting(a: { key: string; value: string }): Promise<R<Record<string, string>>> } }) {
  assert.equal(ok(await core.api.setSetting({ key: 'lock_date', value: '2026-03-31' })).lock_date, '2026-03-31');
}

test('a line dated on or before the lock date cannot be removed; one after it still can', async (t) => {
  const { core, lineOf } = await closedMarch(t);
  await lockMarch(core);
  const before = books(core.db);
  const e = refusal(await core.api.dismissLine({ line_id: (await lineOf('a2')).id }));
  assert.equal(e.code, 'locked_period');
  assert.match(e.message, /2026-03-12.*lock date \(2026-03-31\).*cannot be removed/);
  assert.deepEqual(books(core.db), before, 'nothing written: the statements since March keep their balances');

  ok(await core.api.dismissLine({ line_id: (await lineOf('b1')).id }));
});

test('a line removed before the books were closed cannot be imported again into them', async (t) => {
  const { core, lineOf, journalId } = await closedMarch(t);
  const removed = ok(await core.api.dismissLine({ line_id: (await lineOf('a2')).id }));
  await lockMarch(core);
  const before = books(core.db);
  const e = refusal(await core.api.importAgain({ dismissed_id: removed.id }));
  assert.equal(e.code, 'locked_period');
  assert.match(e.message, /2026-03-12.*lock date \(2026-03-31\).*cannot be imported again/);
  assert.deepEqual(books(core.db), before);
  assert.deepEqual(ok(await core.api.listDismissed({ journal_id: journalId })).map((d) => d.id), [removed.id], 'still listed as removed');
});

test('a guessed match on or before the lock date cannot be undone', async (t) => {
  const { core, lineOf } = await closedMarch(t);
  const x1 = await lineOf('x1');
  assert.ok(x1.provider_ids.some((p) => p.kind === 'pending_matched' && p.id === 'p1'), 'x1 was guessed to be p1');
  await lockMarch(core);
  const before = books(core.db);
  const e = refusal(await core.api.undoMatch({ line_id: x1.id }));
  assert.equal(e.code, 'locked_period');
  assert.match(e.message, /2026-03-19.*lock date \(2026-03-31\).*cannot be unmatched/);
  assert.deepEqual(books(core.db), before);
});

test('the bank listing a closed line\'s pending payment again changes nothing in the closed books', async (t) => {
  const { core, bank, clock, sync, journalId, lineOf } = await closedMarch(t);
  await lockMarch(core);
  const linesBefore = ok(await core.api.listLines({ journal_id: journalId }));
  const statementsBefore = ok(await core.api.listStatements({ journal_id: journalId }));
  const x1 = await lineOf('x1');

  // p1 shows up as pending again: without the lock the engine would take the guess back.
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [tx('p1', '2026-03-18', '-42.00')];
  const summary = await sync();
  assert.equal(summary.ok, true, JSON.stringify(summary));
  assert.deepEqual(await lineOf('x1'), x1, 'x1 keeps its match and its reason');
  assert.deepEqual(ok(await core.api.listStatements({ journal_id: journalId })), statementsBefore);
  assert.deepEqual(ok(await core.api.listLines({ journal_id: journalId })), linesBefore);
});

test('a periodicity that would shift a closed statement is refused; one that cuts after the lock date is taken', async (t) => {
  // Weekly statements, closed up to Wednesday 2026-03-25: a month starting 2026-03-01 (or a half
  // month from 03-15) would come ahead of the closed weeks of March and move their balances.
  const { core } = await closedMarch(t, { periodicity: 'week' });
  ok(await core.api.setSetting({ key: 'lock_date', value: '2026-03-25' }));
  const before = books(core.db);
  for (const periodicity of ['month', 'bimonthly']) {
    const e = refusal(await core.api.setSetting({ key: 'journal.BNK.periodicity', value: periodicity }));
    assert.equal(e.code, 'locked_period', periodicity);
    assert.match(e.message, /Journal BNK cannot change to .* statements.*lock date \(2026-03-25\)/);
  }
  assert.deepEqual(books(core.db), before, 'the journal keeps its periodicity and its statements');

  // A day (or per synchronization) cut starts after the lock date: nothing closed moves.
  assert.equal(ok(await core.api.setSetting({ key: 'journal.BNK.periodicity', value: 'day' }))['journal.BNK.periodicity'], 'day');
});

test('a lock date after today in the ledger\'s time zone, or before 1900, is refused', async (t) => {
  // 2026-03-31 13:00 UTC: already April 1st in Kiritimati (UTC+14), still March 31st in Los Angeles.
  const clock = FakeClock.at('2026-03-31T13:00:00Z');
  const core = tempCore(t, { now: clock.now });
  ok(await core.api.setSetting({ key: 'timezone', value: 'America/Los_Angeles' }));
  const before = books(core.db);
  for (const value of ['2026-04-01', '2030-01-01', '0001-01-01', '1899-12-31']) {
    const e = refusal(await core.api.setSetting({ key: 'lock_date', value }));
    assert.equal(e.code, 'invalid_argument', value);
    assert.match(e.message, value > '2000' ? /after today \(2026-03-31\)/ : /before 1900-01-01/, value);
  }
  assert.deepEqual(books(core.db), before, 'nothing saved');
  assert.equal(ok(await core.api.setSetting({ key: 'lock_date', value: '2026-03-31' })).lock_date, '2026-03-31', 'today is fine');
  assert.equal(ok(await core.api.setSetting({ key: 'lock_date', value: '1900-01-01' })).lock_date, '1900-01-01');

  ok(await core.api.setSetting({ key: 'timezone', value: 'Pacific/Kiritimati' }));
  assert.equal(ok(await core.api.setSetting({ key: 'lock_date', value: '2026-04-01' })).lock_date, '2026-04-01', 'April 1st is today there');
});
