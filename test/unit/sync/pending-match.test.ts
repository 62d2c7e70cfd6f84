// A pending payment that posts without a link from the bank is found by amount, date and
// partner: never a different merchant's payment that happens to cost the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import type { ProviderTransaction } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { comparePartners, partnerKey } from '../../../main/sync/pending-match';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

/** A transaction the bank lists without any partner name. */
function unnamed(t: ProviderTransaction): ProviderTransaction {
  const { partnerName: _none, ...rest } = t;
  return rest;
}

function setup() {
  const l = tempLedger();
  const ids = seedConnection(l.db, { periodicity: 'month' });
  const clock = FakeClock.at('2026-03-20T10:00:00Z');
  const bank = new ScriptedProvider();
  bank.accounts = [{ id: 'acc-1', name: 'Current account', currency: 'EUR', balance: '100.00', posted: [tx('b0', '2026-03-01', '100.00')], pending: [] }];
  const engine = new SyncEngine(l.db, { now: clock.now });
  const acc = bank.accounts[0]!;
  const sync = async () => {
    const r = await engine.run(ids.connectionId, bank, { trigger: 'manual' });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    return r;
  };
  const line = (id: string) => listLines(l.db, { journalId: ids.journalId }).find((x) => x.provider_ids.some((p) => p.id === id))!;
  const stillPending = () => listPendingLines(l.db, ids.journalId).map((p) => p.provider_id).sort();
  return { ...l, ...ids, clock, acc, sync, line, stillPending };
}

test('a Netflix posting never replaces a Chipotle pending of the same amount; the line says why, and Chipotle pairs when it posts', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [tx('p-chipotle', '2026-03-17', '-15.49', { partnerName: 'CHIPOTLE 1234', paymentRef: 'CHIPOTLE 1234 SAN FRANCISCO' })];
  await s.sync();
  assert.deepEqual(s.stillPending(), ['p-chipotle']);

  // Netflix posts the same amount two days later, without a link: a different merchant.
  s.clock.advanceDays(1);
  s.acc.posted.push(tx('b-netflix', '2026-03-19', '-15.49', { partnerName: 'Netflix.com', paymentRef: 'NETFLIX.COM 866-579-7172' }));
  s.acc.balance = '84.51';
  await s.sync();
  const netflix = s.line('b-netflix');
  assert.deepEqual(netflix.provider_ids.map((p) => `${p.kind}:${p.id}`), ['transaction:b-netflix'], 'not paired with the Chipotle pending line');
  assert.match(netflix.match_reason ?? '', /Not taken for pending line p-chipotle of the same amount: another partner \(CHIPOTLE 1234, not Netflix\.com\)/);
  assert.deepEqual(s.stillPending(), ['p-chipotle'], 'the Chipotle payment is still shown as pending');

  // Now Chipotle posts under a new id: it replaces its own pending line.
  s.clock.advanceDays(1);
  s.acc.pending = [];
  s.acc.posted.push(tx('b-chipotle', '2026-03-20', '-15.49', { partnerName: 'Chipotle Mexican Grill' }));
  s.acc.balance = '69.02';
  await s.sync();
  const chipotle = s.line('b-chipotle');
  assert.deepEqual(chipotle.provider_ids.map((p) => `${p.kind}:${p.id}`).sort(), ['pending_matched:p-chipotle', 'transaction:b-chipotle']);
  assert.match(chipotle.match_reason ?? '', /Replaces pending line p-chipotle: same amount and currency, dated 3 days before, same partner/);
  assert.deepEqual(s.stillPending(), []);
  assert.equal(getJournal(s.db, s.journalId)!.balance, 6902, 'each payment once: the ledger equals the bank');
});

test('the same partner written differently (case, accents, punctuation, legal suffix) is the same partner', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [tx('p-cafe', '2026-03-18', '-4.20', { partnerName: 'CAFE DU COIN S.A.R.L.' })];
  await s.sync();
  s.acc.pending = [];
  s.acc.posted.push(tx('b-cafe', '2026-03-19', '-4.20', { partnerName: 'Café du Coin' }));
  s.acc.balance = '95.80';
  await s.sync();
  const cafe = s.line('b-cafe');
  assert.ok(cafe.provider_ids.some((p) => p.kind === 'pending_matched' && p.id === 'p-cafe'), 'paired with its pending line');
  assert.match(cafe.match_reason ?? '', /Replaces pending line p-cafe: .* same partner \(Café du Coin\)/);
  assert.deepEqual(s.stillPending(), []);
});

test('two pending lines of the same partner and amount: the one closest before the posting is taken', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [
    tx('p-early', '2026-03-12', '-9.00', { partnerName: 'Bakery' }),
    tx('p-late', '2026-03-17', '-9.00', { partnerName: 'BAKERY' }),
  ];
  await s.sync();
  s.acc.pending = [s.acc.pending[0]!];
  s.acc.posted.push(tx('b-bread', '2026-03-19', '-9.00', { partnerName: 'Bakery' }));
  s.acc.balance = '91.00';
  await s.sync();
  assert.match(s.line('b-bread').match_reason ?? '', /Replaces pending line p-late: same amount and currency, dated 2 days before/);
  assert.deepEqual(s.stillPending(), ['p-early']);
});

test('a pending line naming the same partner is preferred to a closer one that names none', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.acc.pending = [
    unnamed(tx('p-unnamed', '2026-03-19', '-30.00', { paymentRef: 'CARD PURCHASE' })),
    tx('p-grocer', '2026-03-15', '-30.00', { partnerName: 'Green Grocer Ltd' }),
  ];
  await s.sync();
  s.acc.pending = [s.acc.pending[0]!];
  s.acc.posted.push(tx('b-grocer', '2026-03-19', '-30.00', { partnerName: 'Green Grocer' }));
  s.acc.balance = '70.00';
  await s.sync();
  assert.match(s.line('b-grocer').match_reason ?? '', /Replaces pending line p-grocer: .* same partner/);
  assert.deepEqual(s.stillPending(), ['p-unnamed']);
});

test('partner names compare without case, accents, punctuation, store numbers, processor prefixes and legal or web suffixes', () => {
  assert.deepEqual(partnerKey('NETFLIX.COM'), ['netflix']);
  assert.deepEqual(partnerKey('Netflix, Inc.'), ['netflix']);
  assert.deepEqual(partnerKey('Crème Brûlée GmbH'), ['creme', 'brulee']);
  assert.equal(partnerKey('  --  '), null);
  const side = (name: string | null, ref: string | null = null) => ({ partnerName: name, paymentRef: ref });
  const pend = (name: string | null, ref: string | null = null) => ({ partner_name: name, payment_ref: ref });
  assert.equal(comparePartners(side('Chipotle Mexican Grill'), pend('SQ *CHIPOTLE 0042')), 'same', "Square's prefix and the store number do not count");
  assert.equal(comparePartners(side('Chipotle Mexican Grill'), pend('CHIPOTLE 0042')), 'same');
  assert.equal(comparePartners(side('Netflix'), pend('Chipotle')), 'different');
  assert.equal(comparePartners(side('Netflix'), pend(null, 'NETFLIX.COM 866-579')), 'same', 'the name found in the other side\'s reference');
  assert.equal(comparePartners(side('Netflix'), pend(null, 'CARD PURCHASE')), 'unknown', 'a reference alone never refuses a pair');
  assert.equal(comparePartners(side(null, '/'), pend(null)), 'unknown');
});
