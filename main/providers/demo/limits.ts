// The limits some demo banks put on synchronizations, as pure functions over the instants the
// bank recorded (ISO text, kept in the consent's record):
//  - a PSD2 budget: N unattended synchronizations per account per rolling 24 hours;
//  - a fraud watch: more than FRAUD_SYNC_LIMIT synchronizations of a consent within an hour
//    lock it.
// A synchronization is a fetch that starts without a cursor; the pages that follow are free.

import type { QuotaReport } from '../types';

export const UNATTENDED_WINDOW_MS = 86_400_000;
export const FRAUD_SYNC_LIMIT = 3;
export const FRAUD_WINDOW_MS = 60 * 60_000;

/** The instants still inside the window that ends now (later than now - windowMs), oldest first. */
export function within(instants: readonly string[] | undefined, windowMs: number, now: Date): string[] {
  const start = now.getTime() - windowMs;
  return (instants ?? []).filter((t) => Date.parse(t) > start).sort();
}

export interface BudgetOutcome {
  /** The counted synchronizations left in the window, with this one when it was counted. */
  calls: string[];
  allowed: boolean;
  report: QuotaReport;
  /** When refused: the first instant another synchronization is allowed. */
  retryAt?: string;
}

/**
 * One synchronization against a rolling budget of `limit` per UNATTENDED_WINDOW_MS. With
 * `spend` false (the user is present) nothing is counted or refused, only reported. The
 * report's resetAt is when the budget is whole again: the newest counted call leaving the window.
 */
export function spendBudget(previous: readonly string[] | undefined, o: { limit: number; now: Date; accountId: string; spend: boolean }): BudgetOutcome {
  const calls = within(previous, UNATTENDED_WINDOW_MS, o.now);
  const report = (): QuotaReport => {
    const r: QuotaReport = { accountId: o.accountId, limit: o.limit, remaining: Math.max(0, o.limit - calls.length) };
    const newest = calls.at(-1);
    if (newest !== undefined) r.resetAt = new Date(Date.parse(newest) + UNATTENDED_WINDOW_MS).toISOString();
    return r;
  };
  if (!o.spend) return { calls, allowed: true, report: report() };
  if (calls.length >= o.limit) {
    // One slot frees when the call `limit` places back from the newest leaves the window.
    const freeing = calls[calls.length - o.limit] ?? o.now.toISOString();
    return { calls, allowed: false, report: report(), retryAt: new Date(Date.parse(freeing) + UNATTENDED_WINDOW_MS).toISOString() };
  }
  calls.push(o.now.toISOString());
  return { calls, allowed: true, report: report() };
}

/** One synchronization seen by the fraud watch: the window's syncs with it, and whether they are too many. */
export function watchSync(previous: readonly string[] | undefined, now: Date): { syncs: string[]; suspicious: boolean } {
  const syncs = [...within(previous, FRAUD_WINDOW_MS, now), now.toISOString()];
  return { syncs, suspicious: syncs.length > FRAUD_SYNC_LIMIT };
}
