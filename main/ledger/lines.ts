import type { LineView, PendingLineView, ProviderIdKind } from '../../preload/api';
import type { Db } from './db';
import { addDays } from '../sync/dates';

type LineRow = Omit<LineView, 'provider_ids'> & { ids: string | null };

const LINE_SELECT = `
  SELECT l.id, l.journal_id, l.statement_id, l.date, l.amount, l.currency, l.payment_ref, l.partner_name,
         l.account_number, l.foreign_amount, l.foreign_currency, l.exchange_rate, l.kind, l.match_reason,
         (SELECT json_group_array(json_object('kind', p.kind, 'id', p.provider_id))
            FROM line_provider_ids p WHERE p.line_id = l.id) AS ids
  FROM statement_lines l`;

function toView(r: LineRow): LineView {
  const { ids, ...rest } = r;
  const parsed = ids ? (JSON.parse(ids) as { kind: ProviderIdKind; id: string }[]) : [];
  return { ...rest, provider_ids: parsed };
}

export interface LineFilter {
  journalId: number;
  statementId?: number;
  /** Words found in the payment reference or the partner's name (case-insensitive). */
  search?: string;
  dateFrom?: string;
  dateTo?: string;
  /** Minor units, inclusive. */
  amountMin?: number;
  amountMax?: number;
}

/** The WHERE clause of a filter: every condition uses the (journal_id, date, id) index first. */
function where(f: LineFilter): { sql: string; params: unknown[] } {
  const parts = ['l.journal_id = ?'];
  const params: unknown[] = [f.journalId];
  const add = (value: unknown, sql: string) => {
    if (value === undefined) return;
    parts.push(sql);
    params.push(value);
  };
  add(f.statementId, 'l.statement_id = ?');
  add(f.dateFrom, 'l.date >= ?');
  add(f.dateTo, 'l.date <= ?');
  add(f.amountMin, 'l.amount >= ?');
  add(f.amountMax, 'l.amount <= ?');
  for (const word of (f.search ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 8)) {
    const like = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push("(l.payment_ref LIKE ? ESCAPE '\\' OR l.partner_name LIKE ? ESCAPE '\\')");
    params.push(like, like);
  }
  return { sql: parts.join(' AND '), params };
}

/** A journal's lines in date order, a page at a time (offset/limit keep huge journals cheap). */
export function listLines(db: Db, q: LineFilter & { offset?: number; limit?: number }): LineView[] {
  const w = where(q);
  const rows = db.prepare(`${LINE_SELECT} WHERE ${w.sql} ORDER BY l.date, l.id LIMIT ? OFFSET ?`).all(...w.params, q.limit ?? -1, q.offset ?? 0);
  return (rows as LineRow[]).map(toView);
}

/** How many lines a filter matches (the length of the virtualized table). */
export function countLines(db: Db, f: LineFilter): number {
  const w = where(f);
  return db.prepare(`SELECT COUNT(*) FROM statement_lines l WHERE ${w.sql}`).pluck().get(...w.params) as number;
}

export function getLine(db: Db, id: number): LineView | undefined {
  const r = db.prepare(`${LINE_SELECT} WHERE l.id = ?`).get(id) as LineRow | undefined;
  return r && toView(r);
}

export function listPendingLines(db: Db, journalId: number): PendingLineView[] {
  return db
    .prepare(
      `SELECT p.id, j.id AS journal_id, p.provider_id, p.date, p.amount, p.currency, p.payment_ref, p.partner_name
       FROM pending_lines p JOIN journals j ON j.online_account_id = p.online_account_id
       WHERE j.id = ? ORDER BY p.date, p.id`,
    )
    .all(journalId) as PendingLineView[];
}

/**
 * End-of-day balances of a journal over `days` days ending on `until`, in one indexed query:
 * the balance before the window, then each day's total inside it (the dashboard's chart).
 */
export function balanceHistory(db: Db, journalId: number, until: string, days: number): { date: string; balance: number }[] {
  const start = addDays(until, 1 - days);
  let balance = db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE journal_id = ? AND date < ?').pluck().get(journalId, start) as number;
  const totals = new Map(
    (db.prepare('SELECT date, SUM(amount) AS total FROM statement_lines WHERE journal_id = ? AND date >= ? AND date <= ? GROUP BY date')
      .all(journalId, start, until) as { date: string; total: number }[]).map((r) => [r.date, r.total]),
  );
  const out: { date: string; balance: number }[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(start, i);
    balance += totals.get(date) ?? 0;
    out.push({ date, balance });
  }
  return out;
}
