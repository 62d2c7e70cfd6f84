import type { Periodicity, StatementView } from '../../preload/api';
import type { Db } from './db';
import type { WithoutDecimals } from './money';
import { periodOf } from '../sync/periods';

export interface StatementRow {
  id: number;
  journal_id: number;
  name: string;
  date: string;
  date_end: string;
  period: Periodicity;
  balance_start: number;
  balance_end: number;
  balance_end_real: number;
  line_count: number;
}

export function statementName(journalCode: string, date: string): string {
  return `${journalCode} Statement ${date}`;
}

/**
 * Finds or creates the statements lines are filed into. One instance lives for one sync
 * run of one journal, so that `none` (one statement per synchronization) files every page
 * of the run into the same statement.
 */
export class StatementFiler {
  private readonly byDate = new Map<string, number>();
  /** Line date → statement id: most lines of a page share a handful of dates. */
  private readonly byLineDate = new Map<string, number>();
  private noneStatement: number | null = null;
  private readonly find;
  private readonly create;

  constructor(
    private readonly db: Db,
    private readonly journal: { id: number; code: string; periodicity: Periodicity },
    /** The local date of the run: the date of a `none` statement. */
    private readonly runDate: string,
  ) {
    this.find = db.prepare(`SELECT id FROM statements WHERE journal_id = ? AND date = ? AND period = ? ORDER BY id LIMIT 1`).pluck();
    this.create = db
      .prepare(
        `INSERT INTO statements (journal_id, name, date, date_end, period, balance_start, balance_end, balance_end_real)
         VALUES (?, ?, ?, ?, ?, 0, 0, 0) RETURNING id`,
      )
      .pluck();
  }

  /** The statement a line dated `date` goes into; a late line goes into its own period's. */
  statementFor(date: string): number {
    const known = this.byLineDate.get(date);
    if (known !== undefined) return known;
    const id = this.lookup(date);
    this.byLineDate.set(date, id);
    return id;
  }

  private lookup(date: string): number {
    const { id: journalId, code, periodicity } = this.journal;
    const period = periodOf(date, periodicity);
    if (period === null) {
      if (this.noneStatement === null) {
        this.noneStatement = this.create.get(journalId, statementName(code, this.runDate), this.runDate, this.runDate, 'none') as number;
      }
      return this.noneStatement;
    }
    const cached = this.byDate.get(period.start);
    if (cached !== undefined) return cached;
    const id =
      (this.find.get(journalId, period.start, periodicity) as number | undefined) ??
      (this.create.get(journalId, statementName(code, period.start), period.start, period.end, periodicity) as number);
    this.byDate.set(period.start, id);
    return id;
  }
}

/**
 * Adds line totals to statements and re-chains the journal: each statement starts at the
 * previous one's real end; every statement but the last ends for real where its lines end;
 * the last one's real end is the bank's balance when known (null: mid-synchronization, no
 * claim yet), so a gap shows there as a difference ("a transaction is missing or doubled").
 */
export function applyStatementTotals(
  db: Db,
  journalId: number,
  totals: Map<number, { sum: number; count: number }>,
  bankBalance: number | null,
): void {
  const add = db.prepare('UPDATE statements SET balance_end = balance_end + ?, line_count = line_count + ? WHERE id = ?');
  for (const [id, t] of totals) add.run(t.sum, t.count, id);
  rechain(db, journalId, bankBalance);
}

export function rechain(db: Db, journalId: number, bankBalance: number | null): void {
  const rows = db
    .prepare(
      `SELECT id, balance_start, balance_end, balance_end_real FROM statements
       WHERE journal_id = ? ORDER BY date, id`,
    )
    .all(journalId) as Pick<StatementRow, 'id' | 'balance_start' | 'balance_end' | 'balance_end_real'>[];
  const update = db.prepare('UPDATE statements SET balance_start = ?, balance_end = ?, balance_end_real = ? WHERE id = ?');
  let prevEndReal = 0;
  rows.forEach((r, i) => {
    const lines = r.balance_end - r.balance_start;
    const start = prevEndReal;
    const end = start + lines;
    const last = i === rows.length - 1;
    const endReal = last && bankBalance !== null ? bankBalance : end;
    if (start !== r.balance_start || end !== r.balance_end || endReal !== r.balance_end_real) {
      update.run(start, end, endReal, r.id);
    }
    prevEndReal = endReal;
  });
}

export function listStatements(db: Db, journalId: number): WithoutDecimals<StatementView>[] {
  const rows = db
    .prepare(
      `SELECT s.*, LAG(balance_end_real) OVER (ORDER BY date, id) AS prev_end_real
       FROM statements s WHERE journal_id = ? ORDER BY date, id`,
    )
    .all(journalId) as (StatementRow & { prev_end_real: number | null })[];
  return rows.map((r) => ({
    id: r.id,
    journal_id: r.journal_id,
    name: r.name,
    date: r.date,
    date_end: r.date_end,
    balance_start: r.balance_start,
    balance_end: r.balance_end,
    balance_end_real: r.balance_end_real,
    line_count: r.line_count,
    is_complete: r.balance_end === r.balance_end_real,
    is_valid: r.balance_start === (r.prev_end_real ?? 0),
    difference: r.balance_end_real - r.balance_end,
  }));
}
