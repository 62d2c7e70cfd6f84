// The journal screen's search, date and amount filters, through the API on a real ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine } from '../../../main/sync/engine';
import { tempCore } from '../../helpers/core';
import { seedConnection } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

test('lines can be searched by words, dates and amounts, and counted with the same filters', async (t) => {
  const core = tempCore(t, { now: () => new Date('2026-03-20T10:00:00Z') });
  const { connectionId, journalId } = seedConnection(core.db);
  const bank = new ScriptedProvider();
  bank.pageSize = 50;
  bank.accounts = [{
    id: 'acc-1', name: 'Current', currency: 'EUR', balance: '1867.10', pending: [],
    posted: [
      tx('a', '2026-03-01', '2500.00', { paymentRef: 'Salary March', partnerName: 'Acme BV' }),
      tx('b', '2026-03-03', '-42.50', { paymentRef: 'Card payment 100% cotton shop', partnerName: 'Albert Heijn' }),
      tx('c', '2026-03-10', '-590.40', { paymentRef: 'Rent March', partnerName: 'Woonstad' }),
    ],
  }];
  await new SyncEngine(core.db, { now: () => new Date('2026-03-20T10:00:00Z') }).run(connectionId, bank, { trigger: 'manual' });
  const ids = async (q: Record<string, unknown>) => {
    const r = await core.api.listLines({ journal_id: journalId, ...q });
    assert.ok(r.ok, JSON.stringify(r));
    const c = await core.api.countLines({ journal_id: journalId, ...q });
    assert.ok(c.ok);
    assert.equal(c.value, r.value.length, 'countLines agrees with listLines');
    return r.value.map((l) => l.provider_ids[0]?.id ?? l.kind);
  };
  assert.deepEqual(await ids({ search: 'march' }), ['a', 'c'], 'case-insensitive, reference');
  assert.deepEqual(await ids({ search: 'heijn card' }), ['b'], 'every word, partner or reference');
  assert.deepEqual(await ids({ search: '100%' }), ['b'], '% is a character, not a wildcard');
  assert.deepEqual(await ids({ search: '_' }), [], '_ is a character, not a wildcard');
  assert.deepEqual(await ids({ date_from: '2026-03-02', date_to: '2026-03-10' }), ['b', 'c']);
  assert.deepEqual(await ids({ amount_max: -1 }), ['b', 'c'], 'money out');
  assert.deepEqual(await ids({ amount_min: -5000, amount_max: 0 }), ['b']);
  const bad = await core.api.listLines({ journal_id: journalId, date_from: '03/02/2026' });
  assert.equal(!bad.ok && bad.error.code, 'invalid_argument');
});

test('balanceHistory gives the end-of-day balance of each day up to the last synchronization', async (t) => {
  const now = () => new Date('2026-03-20T10:00:00Z');
  const core = tempCore(t, { now });
  const { connectionId, journalId } = seedConnection(core.db);
  const bank = new ScriptedProvider();
  bank.pageSize = 50;
  bank.accounts = [{
    id: 'acc-1', name: 'Current', currency: 'EUR', balance: '160.00', pending: [],
    posted: [tx('a', '2026-02-01', '100.00'), tx('b', '2026-03-18', '50.00'), tx('c', '2026-03-18', '-20.00'), tx('d', '2026-03-19', '30.00')],
  }];
  await new SyncEngine(core.db, { now }).run(connectionId, bank, { trigger: 'manual' });
  const r = await core.api.balanceHistory({ journal_id: journalId, days: 4 });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value, [
    { date: '2026-03-17', balance: 10000, balance_decimal: '100.00' },
    { date: '2026-03-18', balance: 13000, balance_decimal: '130.00' },
    { date: '2026-03-19', balance: 16000, balance_decimal: '160.00' },
    { date: '2026-03-20', balance: 16000, balance_decimal: '160.00' },
  ]);
  const journal = (await core.api.listJournals({}));
  assert.ok(journal.ok);
  assert.equal(r.value.at(-1)!.balance, journal.value[0]!.balance, 'the last point is the ledger balance');
});
