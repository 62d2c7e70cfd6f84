// Money is an integer count of minor units plus an ISO 4217 currency code.
// Amounts from providers arrive as decimal text and are converted here by string
// manipulation only: a float never touches a ledger amount.

/** ISO 4217 minor-unit exponents that differ from the default of 2. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  // zero decimals
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // three decimals
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // four decimals
  CLF: 4, UYW: 4,
};

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
  return EXPONENT_EXCEPTIONS[currency] ?? 2;
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
