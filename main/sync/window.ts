import { addDays } from './dates';

/** Days re-fetched before the day after the last line, so late-clearing lines are not lost. */
export const DEFAULT_OVERLAP_DAYS = 7;
/**
 * How far back an empty journal asks: the longest history any provider offers (Plaid's 730
 * days). Providers clamp it to what the institution allows ("as far back as possible").
 */
export const MAX_HISTORY_DAYS = 730;

/**
 * The latest calendar date anywhere on Earth right now (UTC+14). A bank dates bookings on its
 * own calendar, which can be a day ahead of the user's: the window must reach that far, or a
 * user west of the bank misses the bank's today while its balance already counts it.
 */
export const LATEST_ZONE = 'Pacific/Kiritimati';

export interface Window {
  since: string;
  until: string;
}

/**
 * The dates to fetch for a journal: from the day after its last line (minus the overlap),
 * or as far back as possible when it has none; never on or before the lock date; up to the
 * latest date any bank may have booked on.
 */
export function syncWindow(o: {
  lastLineDate: string | null;
  today: string;
  lockDate: string | null;
  overlapDays?: number;
  /** The latest date a bank may already have booked on (see LATEST_ZONE); default `today`. */
  latest?: string;
}): Window {
  const overlap = o.overlapDays ?? DEFAULT_OVERLAP_DAYS;
  let since = o.lastLineDate ? addDays(o.lastLineDate, 1 - overlap) : addDays(o.today, -MAX_HISTORY_DAYS);
  if (o.lockDate && since <= o.lockDate) since = addDays(o.lockDate, 1);
  const until = o.latest && o.latest > o.today ? o.latest : o.today;
  if (since > until) since = until;
  return { since, until };
}

/**
 * The day on or before which nothing is recorded in a journal: the ledger's lock date, or the
 * day before the journal's chosen history start, whichever is later (null: neither is set).
 */
export function journalLock(ledgerLock: string | null, historyFrom: string | null): string | null {
  if (historyFrom === null) return ledgerLock;
  const dayBefore = addDays(historyFrom, -1);
  return ledgerLock !== null && ledgerLock > dayBefore ? ledgerLock : dayBefore;
}
