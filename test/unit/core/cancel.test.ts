// Cancel on the first-sync progress: the synchronization stops between pages, keeps what it
// stored, leaves the connection as it was, and the next one carries on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { tempCore } from '../../helpers/core';
import { seedConnection } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

test('cancelSync stops a synchronization between pages without losing or breaking anything', async (t) => {
  const now = () => new Date('2026-03-20T10:00:00Z');
  const bank = new ScriptedProvider();
  bank.pageSize = 2;
  bank.accounts = [{
    id: 'acc-1', name: 'Current', currency: 'EUR', balance: '15.00', pending: [],
    posted: [1, 2, 3, 4, 5].map((d) => tx(`t${d}`, `2026-03-0${d}`, `${d}.00`)),
  }];
  const core = tempCore(t, { now, providers: [bank] });
  const { connectionId, journalId } = seedConnection(core.db);
  // The user presses Cancel while the first page is being stored.
  const fetch = bank.fetchTransactions.bind(bank);
  let pages = 0;
  bank.fetchTransactions = async (ctx, req) => {
    const page = await fetch(ctx, req);
    if (++pages === 1) {
      const r = await core.api.cancelSync({ connection_id: connectionId });
      assert.ok(r.ok && r.value.cancelled === 1);
    }
    return page;
  };
  const first = await core.api.synchronize({ connection_ids: [connectionId] });
  assert.ok(first.ok);
  assert.equal(first.value[0]!.ok, false);
  assert.equal(first.value[0]!.error!.code, 'cancelled');
  const r1 = (await core.api.listLines({ journal_id: journalId }));
  assert.ok(r1.ok);
  assert.deepEqual(r1.value.map((l) => l.provider_ids[0]!.id), ['t1', 't2'], 'the page stored before the cancel is kept');
  const conn = core.db.prepare('SELECT state FROM connections WHERE id = ?').pluck().get(connectionId);
  assert.equal(conn, 'connected', 'a cancel is not an error');
  assert.equal(core.db.prepare('SELECT result FROM sync_runs ORDER BY id DESC').pluck().get(), 'interrupted');
  const chatter = await core.api.listChatter({ connection_id: connectionId });
  assert.ok(chatter.ok && chatter.value.some((m) => m.message_key === 'sync.cancelled'));

  bank.fetchTransactions = fetch;
  // The next run follows the saved cursor, then fetches today's window: one bar for both passes.
  const shares: number[] = [];
  core.on('syncProgress', (e) => shares.push(e.days_done / e.days_total));
  const again = await core.api.synchronize({ connection_ids: [connectionId] });
  assert.ok(shares.length >= 2, `progress was reported (${shares.length} events)`);
  assert.ok(shares.every((x, i) => i === 0 || x >= shares[i - 1]!), `the bar never goes back: ${shares.join(' ')}`);
  assert.equal(shares[shares.length - 1], 1, 'full at the end');
  assert.ok(again.ok && again.value[0]!.ok);
  const r2 = await core.api.listLines({ journal_id: journalId });
  assert.ok(r2.ok);
  assert.deepEqual(r2.value.filter((l) => l.kind === 'bank').map((l) => l.provider_ids[0]!.id), ['t1', 't2', 't3', 't4', 't5']);
  assert.deepEqual(checkIntegrity(core.db), []);
  const nothing = await core.api.cancelSync({});
  assert.ok(nothing.ok && nothing.value.cancelled === 0, 'nothing left to cancel');
});
