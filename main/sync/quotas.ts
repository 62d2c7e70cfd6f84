// Request budgets per online account: what the provider reports (headers, `reportQuota`),
// what its rate-limit errors say, and the institution's known limits (PSD2: often 4
// unattended requests per account per 24 h). The scheduler plans unattended runs inside the
// budget instead of failing into it; a manual run is refused only when the provider said no
// request at all is left.
//
// Decisions:
// - One synchronization is one request per account: the engine fetches every linked account
//   of a connection in one run, so budgets are decided per connection, by its most restricted
//   account.
// - Unattended use is counted from `sync_runs` (trigger 'scheduled') over a rolling 24 h, so it
//   survives restarts and includes runs of other processes (the CLI's `sync --due`); the
//   `used` / `window_start` columns mirror that count for display.
// - Unattended runs keep one request of the day in reserve for the user (when the limit is at
//   least 2) and are spaced by 24 h / limit.
// - A reported `remaining` without `reset_at` is taken as valid for 24 h after the report.

import type { Db } from '../ledger/db';
import { getSetting } from '../ledger/settings';
import type { Institution, QuotaReport } from '../providers/types';
import { localDate, systemTimeZone } from './dates';

export const DAY_MS = 86_400_000;

export interface AccountQuota {
  online_account_id: number;
  daily_limit: number | null;
  window_start: string | null;
  used: number;
  remaining: number | null;
  reset_at: string | null;
  updated_at: string;
}

function accountIds(db: Db, connectionId: number, providerAccountId?: string): number[] {
  if (providerAccountId === undefined) {
    return db.prepare('SELECT id FROM online_accounts WHERE connection_id = ? ORDER BY id').pluck().all(connectionId) as number[];
  }
  return db
    .prepare('SELECT id FROM online_accounts WHERE connection_id = ? AND provider_account_id = ?')
    .pluck()
    .all(connectionId, providerAccountId) as number[];
}

function validCount(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

function validInstant(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Records a budget the provider reported for one account (by the provider's account id) or,
 * without an account id, for every account of the connection. Fields not given are kept.
 */
export function recordQuotaReport(db: Db, connectionId: number, q: QuotaReport, now: Date): void {
  const limit = validCount(q.limit);
  const remaining = validCount(q.remaining);
  const resetAt = validInstant(q.resetAt);
  const upsert = db.prepare(
    `INSERT INTO account_quotas (online_account_id, daily_limit, remaining, reset_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(online_account_id) DO UPDATE SET
       daily_limit = COALESCE(excluded.daily_limit, daily_limit),
       remaining = CASE WHEN ? THEN excluded.remaining ELSE remaining END,
       reset_at = CASE WHEN ? THEN excluded.reset_at ELSE reset_at END,
       updated_at = excluded.updated_at`,
  );
  db.transaction(() => {
    for (const id of accountIds(db, connectionId, q.accountId)) {
      upsert.run(id, limit ?? null, remaining ?? null, resetAt ?? null, now.toISOString(), remaining !== undefined ? 1 : 0, resetAt !== undefined ? 1 : 0);
    }
  })();
}

/** A rate-limit error with a time to come back: no request is left on any account until then. */
export function recordRateLimit(db: Db, connectionId: number, retryAt: string, now: Date): void {
  recordQuotaReport(db, connectionId, { remaining: 0, resetAt: retryAt }, now);
}

/** Start times (ISO, newest first) of the unattended runs of a connection since `since`. */
export function unattendedRunsSince(db: Db, connectionId: number, since: Date): string[] {
  return db
    .prepare(`SELECT started_at FROM sync_runs WHERE connection_id = ? AND trigger = 'scheduled' AND started_at > ? ORDER BY started_at DESC, id DESC`)
    .pluck()
    .all(connectionId, since.toISOString()) as string[];
}

/** Mirrors the rolling 24 h unattended use of the connection into each account's quota row. */
export function recordUnattendedUse(db: Db, connectionId: number, now: Date): void {
  const runs = unattendedRunsSince(db, connectionId, new Date(now.getTime() - DAY_MS));
  const upsert = db.prepare(
    `INSERT INTO account_quotas (online_account_id, window_start, used, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(online_account_id) DO UPDATE SET window_start = excluded.window_start, used = excluded.used, updated_at = excluded.updated_at`,
  );
  for (const id of accountIds(db, connectionId)) upsert.run(id, runs.at(-1) ?? null, runs.length, now.toISOString());
}

export function accountQuotas(db: Db, connectionId: number): AccountQuota[] {
  return db
    .prepare(
      `SELECT q.* FROM account_quotas q JOIN online_accounts a ON a.id = q.online_account_id
       JOIN journals j ON j.online_account_id = a.id
       WHERE a.connection_id = ? ORDER BY q.online_account_id`,
    )
    .all(connectionId) as AccountQuota[];
}

/** When a reported `remaining` stops holding. */
function resetOf(q: AccountQuota): number {
  return q.reset_at !== null ? Date.parse(q.reset_at) : Date.parse(q.updated_at) + DAY_MS;
}

/** The tightest daily limit the provider reported for a linked account of the connection. */
function reportedLimit(quotas: AccountQuota[]): number | null {
  const limits = quotas.map((q) => q.daily_limit).filter((n): n is number => n !== null);
  return limits.length ? Math.min(...limits) : null;
}

export interface Exhausted {
  /** When a request is possible again (ISO instant). */
  until: string;
  /** Requests a day, when known. */
  limit: number | null;
}

/**
 * Non-null when the provider said that no request at all is left for a linked account of
 * the connection (remaining 0 and its reset still ahead).
 */
export function exhaustedUntil(db: Db, connectionId: number, now: Date): Exhausted | null {
  const quotas = accountQuotas(db, connectionId);
  let until = 0;
  for (const q of quotas) {
    if (q.remaining !== null && q.remaining <= 0 && resetOf(q) > now.getTime()) until = Math.max(until, resetOf(q));
  }
  return until > 0 ? { until: new Date(until).toISOString(), limit: reportedLimit(quotas) } : null;
}

export interface UnattendedPlan {
  /** The earliest instant an unattended run may start (≤ now: it may start now). */
  allowedAt: Date;
  /** The daily limit the plan works inside, when one is known. */
  limit: number | null;
  reason: 'exhausted' | 'reserve' | 'daily_budget' | 'spacing' | null;
}

/** Unattended requests a day for the connection: the institution's and the provider's, tightest. */
export function unattendedLimit(db: Db, connectionId: number, institution?: Institution): number | null {
  const limits = [institution?.unattendedPerDay, reportedLimit(accountQuotas(db, connectionId)) ?? undefined]
    .filter((n): n is number => n !== undefined && Number.isFinite(n));
  return limits.length ? Math.max(0, Math.floor(Math.min(...limits))) : null;
}

/** One request of the day is kept for the user when the limit allows it. */
export function reserveFor(limit: number | null): number {
  return limit === null || limit >= 2 ? 1 : 0;
}

/** The earliest time an unattended (scheduled) run of the connection fits the budget. */
export function planUnattended(db: Db, connectionId: number, now: Date, institution?: Institution): UnattendedPlan {
  const t = now.getTime();
  const limit = unattendedLimit(db, connectionId, institution);
  let allowed = t;
  let reason: UnattendedPlan['reason'] = null;
  const later = (ms: number, why: NonNullable<UnattendedPlan['reason']>) => {
    if (ms > allowed) {
      allowed = ms;
      reason = why;
    }
  };

  // What the provider says is left, keeping the reserve for the user.
  const reserve = reserveFor(limit);
  for (const q of accountQuotas(db, connectionId)) {
    const reset = resetOf(q);
    if (q.remaining === null || reset <= t) continue;
    if (q.remaining <= 0) later(reset, 'exhausted');
    else if (q.remaining <= reserve) later(reset, 'reserve');
  }

  if (limit !== null) {
    const runs = unattendedRunsSince(db, connectionId, new Date(t - DAY_MS)).map((s) => Date.parse(s));
    const budget = limit - reserveFor(limit);
    if (budget <= 0) later(t + DAY_MS, 'daily_budget');
    else {
      // The budget-th most recent run must leave the 24 h window first.
      if (runs.length >= budget) later(runs[budget - 1]! + DAY_MS, 'daily_budget');
      if (runs.length > 0) later(runs[0]! + Math.ceil(DAY_MS / limit), 'spacing');
    }
  }
  return { allowedAt: new Date(allowed), limit, reason };
}

/** The user's time zone for messages: the ledger's setting, else the computer's. */
export function userTimeZone(db: Db): string {
  return getSetting(db, 'timezone') ?? systemTimeZone();
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** "14:05", or "14:05 on 2026-03-21" when that is not today, in `timeZone`. */
export function formatNextAt(at: Date, now: Date, timeZone: string): string {
  let f = timeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    timeFormats.set(timeZone, f);
  }
  const hhmm = f.format(at);
  const day = localDate(at, timeZone);
  return day === localDate(now, timeZone) ? hhmm : `${hhmm} on ${day}`;
}

export interface ManualRefusal {
  message: string;
  nextAt: string;
  limit: number | null;
}

/**
 * Non-null when a manual (user-present) synchronization must not be attempted: the provider
 * said no request at all is left. PSD2's unattended budget does not apply to the user's own
 * requests, so it never refuses a manual run.
 */
export function manualRefusal(db: Db, connectionId: number, now: Date, institution?: Institution): ManualRefusal | null {
  const ex = exhaustedUntil(db, connectionId, now);
  if (!ex) return null;
  const name = (db.prepare('SELECT institution_name FROM connections WHERE id = ?').pluck().get(connectionId) as string | undefined) ?? 'The bank';
  const limit = ex.limit ?? institution?.refreshesPerDay ?? null;
  const when = formatNextAt(new Date(ex.until), now, userTimeZone(db));
  const allows = limit !== null
    ? `${name} allows ${limit} request${limit === 1 ? '' : 's'} a day`
    : `${name} allows no more requests for now`;
  return { message: `${allows}; the next is possible at ${when}. Nothing was requested.`, nextAt: ex.until, limit };
}
