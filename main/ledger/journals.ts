import type { JournalView, Periodicity } from '../../preload/api';
import type { Db } from './db';

const JOURNAL_SELECT = `
  SELECT j.id, j.name, j.code, j.currency, j.periodicity, j.timezone, j.history_from, j.online_account_id,
         a.connection_id, a.last_sync,
         CASE WHEN a.first_sync_done = 1 THEN a.balance END AS bank_balance,
         COALESCE((SELECT SUM(balance_end - balance_start) FROM statements s WHERE s.journal_id = j.id), 0) AS balance,
         COALESCE((SELECT SUM(line_count) FROM statements s WHERE s.journal_id = j.id), 0) AS line_count,
         (SELECT COUNT(*) FROM statements s WHERE s.journal_id = j.id) AS statement_count,
         (SELECT COUNT(*) FROM pending_lines p WHERE p.online_account_id = j.online_account_id) AS pending_count
  FROM journals j LEFT JOIN online_accounts a ON a.id = j.online_account_id`;

export function listJournals(db: Db): JournalView[] {
  return db.prepare(`${JOURNAL_SELECT} ORDER BY j.id`).all() as JournalView[];
}

export function getJournal(db: Db, id: number): JournalView | undefined {
  return db.prepare(`${JOURNAL_SELECT} WHERE j.id = ?`).get(id) as JournalView | undefined;
}

/** A free short code from the name's initials ("Demo Bank Current Account" → "DBCA", then "DBCA2"...). */
export function freeJournalCode(db: Db, name: string): string {
  const words = name.normalize('NFD').replace(/[^A-Za-z0-9 ]/g, '').split(/\s+/).filter(Boolean);
  const initials = words.length > 1 ? words.map((w) => w[0]).join('') : (words[0] ?? '');
  const base = initials.toUpperCase().slice(0, 5) || 'BNK';
  const taken = new Set(db.prepare('SELECT code FROM journals').pluck().all() as string[]);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

export function createJournal(
  db: Db,
  j: { name: string; code: string; currency: string; periodicity: Periodicity; timezone: string; onlineAccountId: number | null; at: Date; historyFrom?: string | null },
): number {
  return Number(
    db.prepare(
      `INSERT INTO journals (name, code, currency, periodicity, timezone, online_account_id, created_at, history_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(j.name, j.code, j.currency, j.periodicity, j.timezone, j.onlineAccountId, j.at.toISOString(), j.historyFrom ?? null).lastInsertRowid,
  );
}
