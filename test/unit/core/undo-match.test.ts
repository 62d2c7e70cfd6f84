// Undo of a guessed pending match, through the API on a real ledger: the guess goes, the money
// stays, the payment shows as pending again while the bank says so, and its real posting later
// arrives as its own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { SyncEngine } from '../../../main/sync/engine';
import { tempCore } from '../../helpers/core';
import { FakeClock, seedConnection } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

/**
 * p1 (-42.00) is pending; the next day it is gone and another -42.00 payment, x1, posts with no
 * link from the bank: the engine guesses x1 is p1.
 */
async function guessedMatch(t: { after(fn: () => unknown): void }) {
  const clock = FakeClock.at('2026-03-18T10:00:00Z');
  const core = tempCore(t, { now: clock.now });
  const { connectionId, journalId } = seedConnection(core.db);
  const bank = new ScriptedProvider();
  bank.accounts = [{ id: 'acc-1', name: 'Current', currency: 'EUR', balance: '0.00', posted: [], pending: [tx('p1', '2026-03-18', '-42.00')] }];
  const engine = new SyncEngine(core.db, { now: clock.now });
  const sync = () => engine.run(connectionId, bank, { trigger: 'manual' });
  const lineOf = async (id: string) => ok(await core.api.listLines({ journal_id: journalId })).find((l) => l.provider_ids.some((p) => p.id === id));
  await sync();
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [];
  bank.accounts[0]!.posted = [tx('x1', '2026-03-19', '-42.00')];
  bank.accounts[0]!.balance = '-42.00';
  await sync();
  return { core, bank, clock, sync, journalId, lineOf };
}

test('a guessed match is undone: the line stays, the pending payment comes back, its posting arrives on its own', async (t) => {
  const { core, bank, clock, sync, journalId, lineOf } = await guessedMatch(t);
  const guessed = (await lineOf('x1'))!;
  assert.match(guessed.match_reason ?? '', /same amount/);
  assert.deepEqual(guessed.provider_ids.map((p) => `${p.kind}:${p.id}`).sort(), ['pending_matched:p1', 'transaction:x1']);

  // The user knows better.
  const undone = ok(await core.api.undoMatch({ line_id: guessed.id }));
  assert.deepEqual(undone.provider_ids.map((p) => p.id), ['x1']);
  assert.equal(undone.match_reason, null);
  assert.equal(undone.amount, -4200, 'the money stays');
  const again = await core.api.undoMatch({ line_id: guessed.id });
  assert.equal(!again.ok && again.error.code, 'invalid_argument', 'nothing left to undo');
  assert.ok(ok(await core.api.listChatter({ journal_id: journalId })).some((c) => c.message_key === 'line.match_undone'));

  // The bank lists p1 as pending again: it is shown as pending; then it posts, linked, as its own line.
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [tx('p1', '2026-03-18', '-42.00')];
  await sync();
  assert.deepEqual(ok(await core.api.listPendingLines({ journal_id: journalId })).map((p) => p.provider_id), ['p1']);
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [];
  bank.accounts[0]!.posted.push(tx('b1', '2026-03-21', '-42.00', { pendingId: 'p1' }));
  bank.accounts[0]!.balance = '-84.00';
  await sync();
  assert.deepEqual((await lineOf('b1'))!.provider_ids.map((p) => `${p.kind}:${p.id}`).sort(), ['pending:p1', 'transaction:b1']);
  assert.equal(ok(await core.api.listJournals({}))[0]!.balance, -8400, 'both payments, once each');
  assert.deepEqual(checkIntegrity(core.db), []);

  // A match the bank linked is not undone.
  const linked = await core.api.undoMatch({ line_id: (await lineOf('b1'))!.id });
  assert.equal(linked.ok, false);
  assert.match(!linked.ok ? linked.error.message : '', /bank itself linked/);
});

test('removing a line with a guessed match does not dismiss the pending payment it was taken for', async (t) => {
  const { core, bank, clock, sync, journalId } = await guessedMatch(t);
  const lines = await core.api.listLines({ journal_id: journalId });
  assert.ok(lines.ok);
  const x1 = lines.value.find((l) => l.provider_ids.some((p) => p.id === 'x1'))!;
  assert.ok(x1.provider_ids.some((p) => p.kind === 'pending_matched' && p.id === 'p1'), 'x1 was guessed to be p1');
  const removed = await core.api.dismissLine({ line_id: x1.id });
  assert.ok(removed.ok);
  assert.deepEqual(removed.value.provider_ids, ['x1'], 'only the line\'s own ids are dismissed');

  // p1 is still pending at the bank: it shows as pending, not silently dropped.
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [tx('p1', '2026-03-18', '-42.00')];
  await sync();
  const pending = await core.api.listPendingLines({ journal_id: journalId });
  assert.ok(pending.ok);
  assert.deepEqual(pending.value.map((p) => p.provider_id), ['p1']);

  // p1 posts, linked, on its own line; importing x1 again then works and brings x1 alone back.
  clock.advanceDays(1);
  bank.accounts[0]!.pending = [];
  bank.accounts[0]!.posted.push(tx('b1', '2026-03-21', '-42.00', { pendingId: 'p1' }));
  await sync();
  const back = await core.api.importAgain({ dismissed_id: removed.value.id });
  assert.ok(back.ok, JSON.stringify(back));
  assert.deepEqual(back.value.provider_ids.map((p) => p.id), ['x1']);
  const all = await core.api.listLines({ journal_id: journalId });
  assert.ok(all.ok);
  assert.deepEqual(all.value.filter((l) => l.kind === 'bank').map((l) => l.provider_ids.map((p) => p.id).sort().join('+')).sort(), ['b1+p1', 'x1']);
});
