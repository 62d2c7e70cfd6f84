import type { LineView, PendingLineView, ProviderIdKind } from '../../preload/api';
import type { Db } from './db';

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

/** A journal's lines in date order, a page at a time (offset/limit keep huge journals cheap). */
export function listLines(db: Db, q: { journalId: number; statementId?: number; offset?: number; limit?: number }): LineView[] {
  const limit = q.limit ?? -1;
  const offset = q.offset ?? 0;
  const rows =
    q.statementId !== undefined
      ? db.prepare(`${LINE_SELECT} WHERE l.journal_id = ? AND l.statement_id = ? ORDER BY l.date, l.id LIMIT ? OFFSET ?`).all(q.journalId, q.statementId, limit, offset)
      : db.prepare(`${LINE_SELECT} WHERE l.journal_id = ? ORDER BY l.date, l.id LIMIT ? OFFSET ?`).all(q.journalId, limit, offset);
  return (rows as LineRow[]).map(toView);
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
