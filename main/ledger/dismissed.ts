import type { DismissedLineView, LineView, Periodicity } from '../../preload/api';
import type { Db } from './db';
import type { WithoutDecimals } from './money';
import { getLine } from './lines';
import { StatementFiler, rechain } from './statements';
import { assertLineUnlocked } from './period-lock';
import { localDate } from '../sync/dates';

// Dismissed lines leave the ledger but their provider ids stay on a permanent list, so the
// next synchronization does not bring them back. "Import again" is the explicit way back.

interface Snapshot {
  line: LineView & { online_account_id: number; raw: string | null };
}

function bankBalanceOf(db: Db, journalId: number): number | null {
  const r = db
    .prepare(`SELECT a.balance, a.first_sync_done FROM journals j JOIN online_accounts a ON a.id = j.online_account_id WHERE j.id = ?`)
    .get(journalId) as { balance: number; first_sync_done: number } | undefined;
  return r && r.first_sync_done === 1 ? r.balance : null;
}

export class DismissError extends Error {
  override readonly name = 'DismissError';
}

export function dismissLine(db: Db, lineId: number, at: Date): WithoutDecimals<DismissedLineView> {
  return db.transaction(() => {
    const line = getLine(db, lineId);
    if (!line) throw new DismissError(`There is no line ${lineId}.`);
    const extra = db.prepare('SELECT online_account_id, raw FROM statement_lines WHERE id = ?').get(lineId) as { online_account_id: number | null; raw: string | null };
    if (line.kind !== 'bank' || extra.online_account_id === null || line.provider_ids.length === 0) {
      throw new DismissError('Only lines fetched from the bank can be dismissed.');
    }
    // Removing it would shift every statement since: not in closed books.
    assertLineUnlocked(db, line.journal_id, line.date, `The line "${line.payment_ref}"`, 'removed');
    const snapshot: Snapshot = { line: { ...line, online_account_id: extra.online_account_id, raw: extra.raw } };
    const dismissedId = Number(
      db.prepare('INSERT INTO dismissed_lines (online_account_id, journal_id, snapshot, dismissed_at) VALUES (?, ?, ?, ?)')
        .run(extra.online_account_id, line.journal_id, JSON.stringify(snapshot), at.toISOString()).lastInsertRowid,
    );
    const addId = db.prepare('INSERT INTO dismissed_ids (online_account_id, provider_id, dismissed_line_id) VALUES (?, ?, ?)');
    // A pending id we matched by amount and date was our guess, not this line's: the payment
    // behind it may still be pending (or post later) and must not be dismissed with the line.
    for (const p of line.provider_ids) if (p.kind !== 'pending_matched') addId.run(extra.online_account_id, p.id, dismissedId);
    db.prepare('DELETE FROM line_provider_ids WHERE line_id = ?').run(lineId);
    db.prepare('DELETE FROM statement_lines WHERE id = ?').run(lineId);
    db.prepare('UPDATE statements SET balance_end = balance_end - ?, line_count = line_count - 1 WHERE id = ?').run(line.amount, line.statement_id);
    rechain(db, line.journal_id, bankBalanceOf(db, line.journal_id));
    return getDismissed(db, dismissedId)!;
  })();
}

export function getDismissed(db: Db, id: number): WithoutDecimals<DismissedLineView> | undefined {
  const r = db.prepare('SELECT id, journal_id, snapshot, dismissed_at FROM dismissed_lines WHERE id = ?').get(id) as
    | { id: number; journal_id: number; snapshot: string; dismissed_at: string }
    | undefined;
  return r && toView(r);
}

function toView(r: { id: number; journal_id: number; snapshot: string; dismissed_at: string }): WithoutDecimals<DismissedLineView> {
  const s = JSON.parse(r.snapshot) as Snapshot;
  return {
    id: r.id,
    journal_id: r.journal_id,
    // The ids that keep it out (a guessed pending id was never the line's own).
    provider_ids: s.line.provider_ids.filter((p) => p.kind !== 'pending_matched').map((p) => p.id),
    date: s.line.date,
    amount: s.line.amount,
    currency: s.line.currency,
    payment_ref: s.line.payment_ref,
    dismissed_at: r.dismissed_at,
  };
}

export function listDismissed(db: Db, journalId: number): WithoutDecimals<DismissedLineView>[] {
  const rows = db.prepare('SELECT id, journal_id, snapshot, dismissed_at FROM dismissed_lines WHERE journal_id = ? ORDER BY id').all(journalId) as {
    id: number; journal_id: number; snapshot: string; dismissed_at: string;
  }[];
  return rows.map(toView);
}

/** Puts a dismissed line back into its period's statement and forgets its dismissal. */
export function importAgain(db: Db, dismissedId: number, at: Date): LineView {
  return db.transaction(() => {
    const r = db.prepare('SELECT snapshot, journal_id FROM dismissed_lines WHERE id = ?').get(dismissedId) as { snapshot: string; journal_id: number } | undefined;
    if (!r) throw new DismissError(`There is no dismissed line ${dismissedId}.`);
    const { line } = (JSON.parse(r.snapshot) as Snapshot);
    // Removed before the books were closed: bringing it back now would change them.
    assertLineUnlocked(db, r.journal_id, line.date, `The removed line "${line.payment_ref}"`, 'imported again');
    const journal = db.prepare('SELECT id, code, periodicity, timezone FROM journals WHERE id = ?').get(r.journal_id) as {
      id: number; code: string; periodicity: Periodicity; timezone: string;
    };
    db.prepare('DELETE FROM dismissed_lines WHERE id = ?').run(dismissedId);
    const filer = new StatementFiler(db, journal, localDate(at, journal.timezone));
    const statementId = filer.statementFor(line.date);
    const lineId = Number(
      db.prepare(
        `INSERT INTO statement_lines (journal_id, statement_id, online_account_id, date, amount, currency, payment_ref, partner_name,
           account_number, foreign_amount, foreign_currency, exchange_rate, kind, match_reason, raw, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bank', ?, ?, ?)`,
      ).run(line.journal_id, statementId, line.online_account_id, line.date, line.amount, line.currency, line.payment_ref, line.partner_name,
        line.account_number, line.foreign_amount, line.foreign_currency, line.exchange_rate, 'Imported again by the user', line.raw, at.toISOString()).lastInsertRowid,
    );
    const addId = db.prepare('INSERT INTO line_provider_ids (online_account_id, provider_id, kind, line_id) VALUES (?, ?, ?, ?)');
    // Its own ids come back; a guessed pending match does not (the pending payment may since
    // have posted on another line, which owns that id now).
    for (const p of line.provider_ids) if (p.kind !== 'pending_matched') addId.run(line.online_account_id, p.id, p.kind, lineId);
    db.prepare('UPDATE statements SET balance_end = balance_end + ?, line_count = line_count + 1 WHERE id = ?').run(line.amount, statementId);
    rechain(db, journal.id, bankBalanceOf(db, journal.id));
    return getLine(db, lineId)!;
  })();
}
