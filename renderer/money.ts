// Money as the user interface shows it. The API sends every amount with its decimal text
// (`balance_decimal` beside `balance`), written by the core with the currency's ISO 4217
// exponent; the text's own decimals are that exponent. So the window never scales minor units
// and keeps no currency table of its own: it formats the text, and Intl formats decimal strings
// exactly (no float on the way).

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Decimals of an API decimal text ("12.30" → 2, "1500000" → 0, "1.2340" → 4). */
export function decimalPlaces(decimal: string): number {
  const m = DECIMAL_RE.exec(decimal);
  if (!m) throw new RangeError(`"${decimal}" is not an amount's decimal text`);
  return m[3]?.length ?? 0;
}

const formats = new Map<string, Intl.NumberFormat>();

/**
 * An amount's decimal text from the API in the locale's way, with the currency's symbol and
 * exactly the decimals the text has: "-1234.50" HUF in en-US is "-HUF 1,234.50".
 */
export function formatDecimalMoney(decimal: string, currency: string, localeTag: string, signDisplay: 'auto' | 'exceptZero' = 'auto'): string {
  const places = decimalPlaces(decimal);
  const k = `${localeTag}|${currency}|${signDisplay}|${places}`;
  let f = formats.get(k);
  if (!f) {
    const digits = { minimumFractionDigits: places, maximumFractionDigits: places, signDisplay };
    try {
      f = new Intl.NumberFormat(localeTag, { style: 'currency', currency, ...digits });
    } catch {
      f = new Intl.NumberFormat(localeTag, digits);
    }
    formats.set(k, f);
  }
  return f.format(decimal as `${number}`);
}

function toScaled(decimal: string): { units: bigint; places: number } {
  const m = DECIMAL_RE.exec(decimal);
  if (!m) throw new RangeError(`"${decimal}" is not an amount's decimal text`);
  const units = BigInt(`${m[2]}${m[3] ?? ''}`);
  return { units: m[1] ? -units : units, places: m[3]?.length ?? 0 };
}

/** `a - b` for two decimal texts of one currency (the same decimals), as decimal text. */
export function subtractDecimals(a: string, b: string): string {
  const x = toScaled(a);
  const y = toScaled(b);
  if (x.places !== y.places) throw new RangeError(`"${a}" and "${b}" are not amounts of one currency`);
  const d = x.units - y.units;
  const digits = String(d < 0n ? -d : d).padStart(x.places + 1, '0');
  const text = x.places === 0 ? digits : `${digits.slice(0, -x.places)}.${digits.slice(-x.places)}`;
  return d < 0n ? `-${text}` : text;
}

/**
 * Decimal text typed by the user ("-42.5", "1 500,00") to minor units of an amount with
 * `places` decimals (take them from one of the journal's decimal texts), by string: no float.
 * undefined when empty, null when it is not an amount of that currency.
 */
export function typedToMinor(text: string, places: number): number | null | undefined {
  const t = text.trim().replace(/\s/g, '').replace(',', '.');
  if (t === '') return undefined;
  const m = /^([+-])?(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(places, '0');
  if (frac.length > places) return null;
  const n = Number(`${m[2]}${frac}`);
  if (!Number.isSafeInteger(n)) return null;
  return m[1] === '-' && n !== 0 ? -n : n;
}
