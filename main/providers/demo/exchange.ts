// Foreign-currency card payments: the bank converts the original amount with a rate given as
// decimal text. All of it is BigInt math on minor units, so the account amount is exactly what
// anyone re-computing original × rate gets, whatever the currencies' decimals (JPY 0, EUR 2).

import { currencyExponent } from '../../ledger/money';

const RATE_RE = /^(\d+)(?:\.(\d+))?$/;

/** A positive rate as an integer numerator over a power of ten. */
function parseRate(rate: string): { num: bigint; den: bigint } {
  const m = RATE_RE.exec(rate);
  if (!m) throw new RangeError(`"${rate}" is not a decimal exchange rate`);
  const frac = m[2] ?? '';
  return { num: BigInt((m[1] ?? '0') + frac), den: 10n ** BigInt(frac.length) };
}

/**
 * The amount in `accountCurrency` minor units of `originalMinor` of `originalCurrency` at
 * `rate` (account currency units per one original unit), rounded half away from zero as banks do.
 */
export function convertMinor(originalMinor: number, originalCurrency: string, rate: string, accountCurrency: string): number {
  const { num, den } = parseRate(rate);
  const n = BigInt(originalMinor) * num * 10n ** BigInt(currencyExponent(accountCurrency));
  const d = den * 10n ** BigInt(currencyExponent(originalCurrency));
  const abs = n < 0n ? -n : n;
  const rounded = (abs * 2n + d) / (2n * d);
  return Number(n < 0n ? -rounded : rounded);
}

/**
 * Today's rate from a base rate with 6 decimals, moved by `basisPoints` (1/100 %), as text with
 * 6 decimals: rates wander a little from day to day like real card-scheme rates.
 */
export function dailyRate(baseRate: string, basisPoints: number): string {
  const { num, den } = parseRate(baseRate);
  const micro = (num * 1_000_000n * BigInt(10_000 + basisPoints)) / (den * 10_000n);
  const text = micro.toString().padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`;
}
