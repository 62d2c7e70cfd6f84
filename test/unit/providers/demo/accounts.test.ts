import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bankLedger } from '../../../../main/providers/demo/generator';
import { isValidIban } from '../../../../main/providers/demo/iban';
import { FakeClock, SEED, connect, newBank, sumMinor, toMinor } from './helpers';

const T0 = Date.parse('2026-05-20T12:00:00Z');

test('balances in EUR, USD, GBP and VND (no decimals) match the bank ledger', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const seen = new Map<string, string>();
    for (const institutionId of ['demo-plain', 'demo-mfa', 'demo-vnd']) {
      // Demo Bank Secure asks a security code on unattended calls: the user is present here.
      const ctx = await connect(bank, clock, institutionId, undefined, { interactive: true });
      for (const a of await bank.listAccounts(ctx)) {
        seen.set(a.id, a.balance);
        assert.equal(a.balance, bankLedger({ seed: SEED, institutionId, accountId: a.id, now: clock.now() }).balance, a.id);
        assert.equal(a.balanceAt, clock.now().toISOString());
        assert.ok(a.accountNumber);
        if (a.currency === 'VND') assert.match(a.balance, /^-?\d+$/, 'VND has no minor unit');
        else assert.match(a.balance, /^-?\d+\.\d\d$/, `${a.currency} has two decimals`);
        if (a.currency !== 'VND') assert.ok(isValidIban(a.accountNumber ?? ''), `${a.accountNumber} is a valid IBAN`);
      }
    }
    assert.deepEqual([...seen.keys()].sort(), ['plain-current-eur', 'plain-dollar-usd', 'plain-savings-eur', 'secure-current-eur', 'secure-current-gbp', 'vnd-current']);
    // VND amounts are in whole dong, in the millions, not hundredths.
    assert.ok(Math.abs(Number(seen.get('vnd-current'))) > 1_000_000);
  } finally {
    await bank.close();
  }
});

test('the balance is the opening balance plus every posted transaction of the history', () => {
  for (const [institutionId, accountId, decimals] of [
    ['demo-plain', 'plain-current-eur', 2], ['demo-plain', 'plain-savings-eur', 2], ['demo-mfa', 'secure-current-gbp', 2], ['demo-vnd', 'vnd-current', 0],
  ] as const) {
    const ledger = bankLedger({ seed: SEED, institutionId, accountId, now: new Date(T0) });
    const total = toMinor(ledger.openingBalance, decimals) + sumMinor(ledger.posted.map((t) => t.amount), decimals);
    assert.equal(total, toMinor(ledger.balance, decimals), accountId);
    assert.ok(ledger.posted.length > 0);
  }
});

test('the balance moves by exactly what is booked as the clock advances (no drift)', () => {
  // History slides forward with the clock; the balance must not jump when old days leave it.
  const req = { seed: SEED, institutionId: 'demo-plain', accountId: 'plain-current-eur' };
  const before = bankLedger({ ...req, now: new Date(T0) });
  const after = bankLedger({ ...req, now: new Date(T0 + 40 * 86_400_000) });
  const lastDayBefore = new Date(T0).toISOString().slice(0, 10);
  const bookedSince = after.posted.filter((t) => (t.date ?? '') > lastDayBefore).map((t) => t.amount);
  assert.ok(bookedSince.length > 20);
  assert.equal(toMinor(after.balance, 2), toMinor(before.balance, 2) + sumMinor(bookedSince, 2));
  assert.notEqual(after.openingBalance, before.openingBalance, 'the opening moves with the start of history');
});
