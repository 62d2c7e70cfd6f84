// Every amount the API sends goes with its decimal text: a field `X` in minor units has a twin
// `X_decimal` ("-12.30", "1500000"), written here with the ledger's ISO 4217 exponents, so the
// user interface shows money without ever knowing a currency's exponent or rescaling a number.
import { formatAmount } from '../ledger/money';

/** Amount fields of the contract's views, in the currency of the object that holds them. */
const AMOUNT_FIELDS = ['balance', 'bank_balance', 'amount', 'balance_start', 'balance_end', 'balance_end_real', 'difference'] as const;

/**
 * Adds the `_decimal` twins to a result, at any depth. An object's currency is its own
 * `currency`, else its journal's (statements), else `currency` given (a journal's balance
 * history); `foreign_amount` goes with `foreign_currency`. Objects without a currency are left
 * alone.
 */
export function withAmountDecimals<T>(value: T, journalCurrency: (journalId: number) => string | undefined, currency?: string): T {
  if (Array.isArray(value)) return value.map((v) => withAmountDecimals(v, journalCurrency, currency)) as T;
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const own = typeof o.currency === 'string' ? o.currency : typeof o.journal_id === 'number' ? journalCurrency(o.journal_id) : currency;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v !== null && typeof v === 'object' ? withAmountDecimals(v, journalCurrency) : v;
  if (own !== undefined) {
    for (const f of AMOUNT_FIELDS) {
      if (!(f in o)) continue;
      const v = o[f];
      if (typeof v === 'number') out[`${f}_decimal`] = formatAmount(v, own);
      else if (v === null) out[`${f}_decimal`] = null;
    }
  }
  if ('foreign_amount' in o) {
    const v = o.foreign_amount;
    out.foreign_amount_decimal = typeof v === 'number' && typeof o.foreign_currency === 'string' ? formatAmount(v, o.foreign_currency) : null;
  }
  return out as T;
}

/**
 * An API method's result with its `_decimal` twins: journals' currencies are looked up once
 * each, and a call about one journal (`args.journal_id`) lends its currency to bare amounts.
 */
export function apiResultWithDecimals<T>(value: T, args: unknown, currencyOfJournal: (journalId: number) => string | undefined): T {
  const seen = new Map<number, string | undefined>();
  const lookup = (id: number) => {
    if (!seen.has(id)) seen.set(id, currencyOfJournal(id));
    return seen.get(id);
  };
  const journalId = args !== null && typeof args === 'object' ? (args as { journal_id?: unknown }).journal_id : undefined;
  return withAmountDecimals(value, lookup, typeof journalId === 'number' ? lookup(journalId) : undefined);
}
