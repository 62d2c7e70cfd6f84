// Money is an integer count of minor units plus an ISO 4217 currency code.
// Amounts from providers arrive as decimal text and are converted here by string
// manipulation only: a float never touches a ledger amount.
import currencyCodes from 'currency-codes';

/**
 * ISO 4217 minor-unit exponents, from the `currency-codes` package: the official list kept by
 * SIX for ISO (list one, `CcyMnrUnts`), the app's one source of currency exponents. The API
 * sends every amount with its decimal text as well, so the user interface never needs them.
 * "N.A." entries (gold, SDR, test and no-currency codes) count as 0 decimals, as the package
 * has them; a well-formed code not in the list (a new one) keeps the common 2.
 */
const EXPONENTS: ReadonlyMap<string, number> = new Map(currencyCodes.data.map((c) => [c.code, c.digits]));

/** The ISO 4217 list's publication date the exponents come from (YYYY-MM-DD). */
export const ISO_4217_PUBLISHED: string = currencyCodes.publishDate;

/** Every currency code of the ISO 4217 list, with its exponent. */
export function isoCurrencies(): { code: string; exponent: number }[] {
  return [...EXPONENTS].map(([code, exponent]) => ({ code, exponent }));
}

/** A view of the contract as the ledger builds it: the core adds the `_decimal` twins (core/decimals.ts). */
export type WithoutDecimals<T> = { [K in keyof T as K extends `${string}_decimal` ? never : K]: T[K] };

const CURRENCY_RE = /^[A-Z]{3}$/;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

export function isCurrencyCode(code: string): boolean {
  return CURRENCY_RE.test(code);
}

/** Number of decimals of the currency's minor unit (ISO 4217). */
export function currencyExponent(currency: string): number {
  if (!isCurrencyCode(currency)) throw new MoneyError(`"${currency}" is not an ISO 4217 currency code`);
  return EXPONENTS.get(currency) ?? 2;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parses decimal text ("-12.30", "1500", "+0.5") into integer minor units of `currency`.
 * Digits beyond the currency's exponent are accepted only when they are zeros: a bank
 * never books a fraction of a minor unit, so anything else is malformed input.
 */
export function parseAmount(text: string, currency: string): number {
  const exp = currencyExponent(currency);
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new MoneyError(`"${text}" is not a decimal amount`);
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = m[2] ?? '0';
  let frac = m[3] ?? '';
  if (frac.length > exp) {
    if (!/^0*$/.test(frac.slice(exp))) {
      throw new MoneyError(`"${text}" has more decimals than ${currency} allows (${exp})`);
    }
    frac = frac.slice(0, exp);
  }
  frac = frac.padEnd(exp, '0');
  const digits = whole + frac;
  // Up to 15 digits an integer string converts to a Number exactly; past that, BigInt
  // checks the range. Either way only integer digit strings are converted.
  if (digits.length <= 15) {
    const n = Number(digits);
    return n === 0 ? 0 : m[1] === '-' ? -n : n;
  }
  const minor = sign * BigInt(digits);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyError(`"${text}" is too large an amount`);
  }
  const n = Number(minor);
  return n === 0 ? 0 : n; // no negative zero in the ledger
}

/** Formats integer minor units as plain decimal text ("-12.30", "1500" for VND). */
export function formatAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`${minor} is not an integer amount`);
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  const text = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  return neg ? `-${text}` : text;
}

/** Negates decimal text without parsing it to a number ("12.3" → "-12.3"). */
export function negateDecimal(text: string): string {
  const t = text.trim();
  if (t.startsWith('-')) return t.slice(1);
  if (t.startsWith('+')) return `-${t.slice(1)}`;
  return /^0*(\.0*)?$/.test(t) ? t : `-${t}`;
}
