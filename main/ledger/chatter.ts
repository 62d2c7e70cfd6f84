import type { ChatterLevel, ChatterView } from '../../preload/api';
import type { Db } from './db';

/** A message the app writes itself: its key (for translation) and parameters. */
export interface ChatterMessage {
  key: string;
  params?: Record<string, string | number>;
}

export interface NewChatter {
  connectionId?: number | null;
  journalId?: number | null;
  level: ChatterLevel;
  /** The English sentence (the CLI and support read it). */
  text: string;
  message?: ChatterMessage;
  errorDescription?: string | null;
  reference?: string | null;
  at: Date;
}

type ChatterRow = Omit<ChatterView, 'params'> & { params: string | null };

function toView(r: ChatterRow): ChatterView {
  return { ...r, params: r.params === null ? null : (JSON.parse(r.params) as Record<string, string | number>) };
}

export function postChatter(db: Db, m: NewChatter): ChatterView {
  const row = db
    .prepare(
      `INSERT INTO chatter (connection_id, journal_id, level, text, error_description, reference, created_at, message_key, params)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(m.connectionId ?? null, m.journalId ?? null, m.level, m.text, m.errorDescription ?? null, m.reference ?? null, m.at.toISOString(),
      m.message?.key ?? null, m.message ? JSON.stringify(m.message.params ?? {}) : null);
  return toView(row as ChatterRow);
}

export function listChatter(db: Db, f: { connectionId?: number; journalId?: number }): ChatterView[] {
  if (f.connectionId !== undefined && f.journalId !== undefined) {
    return (db.prepare('SELECT * FROM chatter WHERE connection_id = ? OR journal_id = ? ORDER BY created_at, id').all(f.connectionId, f.journalId) as ChatterRow[]).map(toView);
  }
  if (f.connectionId !== undefined) {
    return (db.prepare('SELECT * FROM chatter WHERE connection_id = ? ORDER BY created_at, id').all(f.connectionId) as ChatterRow[]).map(toView);
  }
  if (f.journalId !== undefined) {
    return (db.prepare('SELECT * FROM chatter WHERE journal_id = ? ORDER BY created_at, id').all(f.journalId) as ChatterRow[]).map(toView);
  }
  return (db.prepare('SELECT * FROM chatter ORDER BY created_at, id').all() as ChatterRow[]).map(toView);
}
