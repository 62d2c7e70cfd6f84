import type { Periodicity } from '../../preload/api';
import type { Db } from './db';
import { lockDate } from './settings';
import { addDays } from '../sync/dates';
import { periodOf } from '../sync/periods';
import { journalLock } from '../sync/window';

// The lock date closes the books: what is dated on or before it has been declared, so it must
// not move afterwards. The synchronization window already keeps new lines out (window.ts);
// this module keeps the user's own edits out too: removing a line, importing one again,
// undoing a match, or a periodicity that would shift a closed statement's balances.
// A journal's chosen history start closes the days before it in the same way.

/** The core reports it as `locked_period`. */
export class LockedPeriodError extends Error {
  override readonly name = 'LockedPeriodError';
}

export interface JournalLock {
  /** The last closed day of the journal. */
  date: string;
  /** What closes it: the ledger's lock date, or the day before the journal's history start. */
  by: 'lock_date' | 'history_from';
}

export function lockOfJournal(db: Db, journalId: number): JournalLock | null {
  const historyFrom = (db.prepare('SELECT history_from FROM journals WHERE id = ?').pluck().get(journalId) as string | null | undefined) ?? null;
  const ledger = lockDate(db);
  const date = journalLock(ledger, historyFrom);
  if (date === null) return null;
  return { date, by: date === ledger ? 'lock_date' : 'history_from' };
}

/** "on or before the lock date (2026-03-31)", worded for what closes it. */
function closedPeriod(lock: JournalLock): string {
  return lock.by === 'lock_date'
    ? `on or before the lock date (${lock.date})`
    : `before this journal's history start (${addDays(lock.date, 1)})`;
}

/** Refuses `action` on a line dated `date` when the journal's books are closed on that date. */
export function assertLineUnlocked(db: Db, journalId: number, date: string, what: string, action: string): void {
  const lock = lockOfJournal(db, journalId);
  if (lock === null || date > lock.date) return;
  throw new LockedPeriodError(
    `${what} is dated ${date}, ${closedPeriod(lock)}: the books up to that date are closed, so it cannot be ${action}. ` +
      'To change them, set an earlier lock date first.',
  );
}

/**
 * Refuses a periodicity under which lines recorded later would land in a statement ordered
 * before a closed one, whose balances would then all shift. A change re-cuts no statement:
 * the ones made keep their periods, later lines are filed by the new periodicity. Only the
 * new period that holds the day after the lock date can start inside the closed days; it is
 * refused when a statement other than its own starts between it and the lock date, or holds a
 * closed line (a `none` statement is dated by its run, not by its lines).
 */
export function assertPeriodicityKeepsLock(db: Db, journal: { id: number; code: string }, periodicity: Periodicity): void {
  const lock = lockOfJournal(db, journal.id);
  if (lock === null) return;
  const first = periodOf(addDays(lock.date, 1), periodicity);
  if (first === null || first.start > lock.date) return;
  const closed = db
    .prepare(
      `SELECT s.name FROM statements s
       WHERE s.journal_id = ? AND s.date >= ? AND NOT (s.date = ? AND s.period = ?)
         AND (s.date <= ? OR EXISTS (SELECT 1 FROM statement_lines l WHERE l.statement_id = s.id AND l.date <= ?))
       ORDER BY s.date, s.id LIMIT 1`,
    )
    .pluck()
    .get(journal.id, first.start, first.start, periodicity, lock.date, lock.date) as string | undefined;
  if (closed === undefined) return;
  throw new LockedPeriodError(
    `Journal ${journal.code} cannot change to ${periodicity} statements: the first one would start on ${first.start}, ` +
      `${closedPeriod(lock)}, ahead of the closed statement "${closed}", whose balances would change. ` +
      'Choose a periodicity whose period starts after that date, or set an earlier lock date first.',
  );
}
