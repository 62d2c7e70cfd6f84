import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dayOfDate, isMonthlyExecutionDay } from '../../../../main/providers/demo/calendar';
import { convertMinor, dailyRate } from '../../../../main/providers/demo/exchange';
import { HISTORY_DAYS, bankLedger } from '../../../../main/providers/demo/generator';
import { isValidIban, makeIban } from '../../../../main/providers/demo/iban';
import type { ProviderTransaction } from '../../../../main/providers/types';
import { DAY_MS, SEED, isoDay, toMinor } from './helpers';

const NOW = new Date('2026-08-03T15:00:00Z');
const plain = (now = NOW, seed = SEED) => bankLedger({ seed, institutionId: 'demo-plain', accountId: 'plain-current-eur', now });

test('the same seed gives the same bank; another seed another one', () => {
  assert.deepEqual(plain(), plain());
  const other = plain(NOW, SEED + 1);
  const ids = new Set(plain().posted.map((t) => t.id));
  assert.ok(other.posted.every((t) => !ids.has(t.id)));
});

test('any window is generated on its own: overlapping days are identical whatever the clock', () => {
  const a = plain(NOW);
  const b = plain(new Date(NOW.getTime() + 45 * DAY_MS));
  const from = isoDay(NOW.getTime() - (HISTORY_DAYS - 45) * DAY_MS);
  const to = isoDay(NOW.getTime());
  const slice = (l: ProviderTransaction[]) => l.filter((t) => (t.date ?? '') >= from && (t.date ?? '') <= to);
  assert.ok(slice(a.posted).length > 1000);
  assert.deepEqual(slice(b.posted), slice(a.posted));
});

test('two years of history, ordered by date then id, ids well-formed and unique', () => {
  const { posted, pending } = plain();
  assert.equal(posted[0]?.date, isoDay(NOW.getTime() - HISTORY_DAYS * DAY_MS));
  assert.equal(posted.at(-1)?.date, isoDay(NOW.getTime()));
  for (let i = 1; i < posted.length; i++) {
    const [p, q] = [posted[i - 1] as ProviderTransaction, posted[i] as ProviderTransaction];
    assert.ok((p.date ?? '') < (q.date ?? '') || (p.date === q.date && p.id < q.id), `${p.id} before ${q.id}`);
  }
  const all = [...posted, ...pending];
  assert.equal(new Set(all.map((t) => t.id)).size, all.length);
  const entries = posted.map((t) => t.otherIds?.find((o) => o.kind === 'entry_reference')?.id);
  assert.ok(entries.every((e) => e !== undefined && /^E-/.test(e)));
  assert.equal(new Set(entries).size, posted.length);
  for (const t of posted) {
    assert.match(t.id, /^B-\d{11}-[0-9a-f]{8}$/);
    assert.equal(t.pendingId, undefined);
    assert.equal(t.currency, 'EUR');
    assert.match(t.amount, /^-?\d+\.\d\d$/);
    assert.ok(t.raw && typeof t.raw === 'object');
  }
  for (const t of pending) assert.match(t.id, /^P-/);
});

test('realistic content: monthly salary, rent and fee; card payments most days; refunds; transfers with IBANs', () => {
  const { posted } = plain();
  const count = (re: RegExp) => posted.filter((t) => re.test(t.paymentRef)).length;
  assert.ok(count(/^Salary /) >= 23 && count(/^Salary /) <= 25);
  assert.ok(count(/^Rent /) >= 23 && count(/^Rent /) <= 25);
  assert.ok(count(/^Monthly account fee/) >= 23 && count(/^Monthly account fee/) <= 25);
  assert.ok(posted.filter((t) => /^Salary /.test(t.paymentRef)).every((t) => toMinor(t.amount, 2) > 0n));
  assert.ok(posted.filter((t) => /^Rent /.test(t.paymentRef)).every((t) => toMinor(t.amount, 2) < 0n));

  const cardDays = new Set(posted.filter((t) => t.paymentRef.startsWith('Card payment')).map((t) => (t.raw as { transactionDate: string }).transactionDate));
  assert.ok(cardDays.size > HISTORY_DAYS * 0.6, `card payments on ${cardDays.size} days`);
  assert.ok(new Set(posted.map((t) => t.partnerName)).size > 20, 'varied partners');

  const refunds = posted.filter((t) => t.paymentRef.startsWith('Refund'));
  assert.ok(refunds.length > 5 && refunds.every((t) => toMinor(t.amount, 2) > 0n));

  const withIban = posted.filter((t) => t.accountNumber !== undefined);
  assert.ok(withIban.length > 50);
  assert.ok(withIban.every((t) => isValidIban(t.accountNumber ?? '')), 'counterparty IBANs are valid');
});

/** Test-side conversion: original × rate in exact rationals, rounded half away from zero. */
function expectedMinor(original: string, originalDecimals: number, rate: string, accountDecimals: number): bigint {
  const [whole, frac = ''] = rate.split('.');
  const num = toMinor(original, originalDecimals) * BigInt(`${whole}${frac}`) * 10n ** BigInt(accountDecimals);
  const den = 10n ** BigInt(frac.length + originalDecimals);
  const abs = num < 0n ? -num : num;
  const q = (abs * 2n + den) / (2n * den);
  return num < 0n ? -q : q;
}

test('foreign-currency card payments carry original amount, currency and rate, and add up exactly', () => {
  const decimals: Record<string, number> = { USD: 2, GBP: 2, CHF: 2, JPY: 0, EUR: 2 };
  const cases = [
    { ledger: plain(), accountDecimals: 2 },
    { ledger: bankLedger({ seed: SEED, institutionId: 'demo-vnd', accountId: 'vnd-current', now: NOW }), accountDecimals: 0 },
  ];
  const currencies = new Set<string>();
  for (const { ledger, accountDecimals } of cases) {
    const foreign = ledger.posted.filter((t) => t.originalCurrency !== undefined);
    assert.ok(foreign.length >= 10, `${foreign.length} foreign payments`);
    for (const t of foreign) {
      const oc = t.originalCurrency as string;
      currencies.add(oc);
      assert.notEqual(oc, t.currency);
      assert.match(t.exchangeRate ?? '', /^\d+\.\d+$/);
      const od = decimals[oc];
      assert.ok(od !== undefined, oc);
      const expected = expectedMinor(t.originalAmount ?? '', od, t.exchangeRate ?? '', accountDecimals);
      assert.equal(toMinor(t.amount, accountDecimals), expected, `${t.id}: ${t.originalAmount} ${oc} × ${t.exchangeRate}`);
      assert.ok(toMinor(t.amount, accountDecimals) < 0n && toMinor(t.originalAmount ?? '', od) < 0n);
      assert.ok(t.paymentRef.includes(`${oc} ${(t.originalAmount ?? '').replace('-', '')}`), 'the reference names the original amount');
    }
  }
  assert.ok(currencies.has('USD') && currencies.has('JPY'), [...currencies].join());
});

test('exchange math is integer and rounds half away from zero', () => {
  assert.equal(convertMinor(-2350, 'USD', '0.920000', 'EUR'), -2162);
  assert.equal(convertMinor(1, 'USD', '0.5', 'EUR'), 1);
  assert.equal(convertMinor(-1, 'USD', '0.5', 'EUR'), -1);
  assert.equal(convertMinor(304, 'JPY', '0.006165', 'EUR'), 187);
  assert.equal(convertMinor(-2350, 'USD', '25400.000000', 'VND'), -596_900);
  assert.equal(dailyRate('0.920000', 150), '0.933800');
  assert.equal(dailyRate('25400.000000', -150), '25019.000000');
});

test('monthly payments move off weekends, also across a month boundary', () => {
  const day = (d: string) => dayOfDate(d) ?? NaN;
  // 2025-05-25 is a Sunday: a salary due then is paid on Friday the 23rd.
  assert.ok(isMonthlyExecutionDay(day('2025-05-23'), 25, 'earlier'));
  assert.ok(!isMonthlyExecutionDay(day('2025-05-25'), 25, 'earlier'));
  // 2025-06-01 is a Sunday: a standing order due then runs Monday the 2nd.
  assert.ok(isMonthlyExecutionDay(day('2025-06-02'), 1, 'later'));
  // 2025-05-31 is a Saturday: due on the 31st, it runs on Monday 2 June.
  assert.ok(isMonthlyExecutionDay(day('2025-06-02'), 31, 'later'));
  assert.ok(!isMonthlyExecutionDay(day('2025-05-31'), 31, 'later'));
  // A due day past the month's end means its last day (30 June 2025 is a Monday).
  assert.ok(isMonthlyExecutionDay(day('2025-06-30'), 31, 'later'));
});

test('IBANs get valid check digits', () => {
  assert.equal(makeIban('NL', 'ABNA0417164300'), 'NL91ABNA0417164300');
  assert.equal(makeIban('GB', 'WEST12345698765432'), 'GB82WEST12345698765432');
  assert.ok(!isValidIban('NL92ABNA0417164300'));
});

test('the business account generates two years of ~150 card payments a day', () => {
  const ledger = bankLedger({ seed: SEED, institutionId: 'demo-busy', accountId: 'busy-business-eur', now: NOW });
  assert.ok(ledger.posted.length > 100_000, `${ledger.posted.length} transactions`);
  assert.ok(ledger.pending.length > 150);
  const total = toMinor(ledger.openingBalance, 2) + ledger.posted.reduce((s, t) => s + toMinor(t.amount, 2), 0n);
  assert.equal(total, toMinor(ledger.balance, 2));
});
