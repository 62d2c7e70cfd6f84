import { MoneyError, isCurrencyCode, parseAmount } from '../ledger/money';
import { ProviderError } from '../providers/errors';
import type { ProviderIdKind, ProviderTransaction } from '../providers/types';
import { isIsoDate, localDate } from './dates';

/** A provider transaction checked and converted for the ledger. */
export interface IncomingLine {
  ids: { kind: ProviderIdKind; id: string }[];
  pendingId: string | null;
  date: string;
  amount: number;
  currency: string;
  paymentRef: string;
  partnerName: string | null;
  accountNumber: string | null;
  foreignAmount: number | null;
  foreignCurrency: string | null;
  exchangeRate: string | null;
  raw: string | null;
}

function bad(detail: string): ProviderError {
  return new ProviderError('invalid_response', `Unreadable transaction from the provider: ${detail}`, {
    description: `The bank's data could not be read (${detail}). Nothing from that page was saved.`,
  });
}

function optText(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw bad(`${field} is not text`);
  return v;
}

/**
 * Checks one provider transaction and converts it: amount from decimal text to minor units
 * (sign inverted for accounts that ask it), date to the journal's local calendar date, every
 * id it carries. Throws `invalid_response` on anything malformed, before anything is written.
 */
export function normalizeTransaction(
  t: ProviderTransaction,
  o: { currency: string; timeZone: string; invertSign: boolean },
): IncomingLine {
  if (typeof t !== 'object' || t === null) throw bad('not an object');
  if (typeof t.id !== 'string' || t.id.length === 0) throw bad('missing id');
  if (typeof t.currency !== 'string' || !isCurrencyCode(t.currency)) throw bad(`transaction ${t.id} has no valid currency`);
  if (t.currency !== o.currency) {
    throw bad(`transaction ${t.id} is in ${t.currency} but the account is in ${o.currency}`);
  }
  if (typeof t.amount !== 'string') throw bad(`transaction ${t.id} has no decimal amount`);
  let amount: number;
  try {
    amount = parseAmount(t.amount, t.currency);
  } catch (e) {
    throw bad(`transaction ${t.id}: ${e instanceof MoneyError ? e.message : 'bad amount'}`);
  }
  if (o.invertSign) amount = amount === 0 ? 0 : -amount;

  let date: string;
  if (typeof t.date === 'string' && isIsoDate(t.date)) {
    date = t.date;
  } else if (typeof t.datetime === 'string' && !Number.isNaN(Date.parse(t.datetime))) {
    // An instant is cut on the journal's local day, not UTC's.
    date = localDate(new Date(t.datetime), o.timeZone);
  } else {
    throw bad(`transaction ${t.id} has no valid date`);
  }

  const ids: IncomingLine['ids'] = [{ kind: 'transaction', id: t.id }];
  for (const other of t.otherIds ?? []) {
    if (typeof other?.id !== 'string' || other.id.length === 0) throw bad(`transaction ${t.id} has an empty extra id`);
    if (!ids.some((x) => x.id === other.id)) ids.push({ kind: other.kind, id: other.id });
  }
  const pendingId = optText(t.pendingId, 'pendingId');
  if (pendingId !== null && !ids.some((x) => x.id === pendingId)) ids.push({ kind: 'pending', id: pendingId });

  let foreignAmount: number | null = null;
  const foreignCurrency = optText(t.originalCurrency, 'originalCurrency');
  if (t.originalAmount !== undefined && t.originalAmount !== null && foreignCurrency !== null) {
    try {
      foreignAmount = parseAmount(String(t.originalAmount), foreignCurrency);
    } catch (e) {
      throw bad(`transaction ${t.id}: original ${e instanceof MoneyError ? e.message : 'bad amount'}`);
    }
  }
  const exchangeRate = optText(t.exchangeRate, 'exchangeRate');
  if (exchangeRate !== null && !/^\d+(\.\d+)?$/.test(exchangeRate)) throw bad(`transaction ${t.id} has a bad exchange rate`);

  return {
    ids,
    pendingId,
    date,
    amount,
    currency: t.currency,
    paymentRef: optText(t.paymentRef, 'paymentRef') ?? '/',
    partnerName: optText(t.partnerName, 'partnerName'),
    accountNumber: optText(t.accountNumber, 'accountNumber'),
    foreignAmount,
    foreignCurrency: foreignAmount === null ? null : foreignCurrency,
    exchangeRate,
    raw: t.raw === undefined ? null : JSON.stringify(t.raw),
  };
}
