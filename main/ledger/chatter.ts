import type { ChatterLevel, ChatterView } from '../../preload/api';
import type { Db } from './db';

export interface NewChatter {
  connectionId?: number | null;
  journalId?: number | null;
  level: ChatterLevel;
  text: string;
  errorDescription?: string | null;
  reference?: string | null;
  at: Date;
}

export function postChatter(db: Db, m: NewChatter): ChatterView {
  const row = db
    .prepare(
      `INSERT INTO chatter (connection_id, journal_id, level, text, error_description, reference, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(m.connectionId ?? null, m.journalId ?? null, m.level, m.text, m.errorDescription ?? null, m.reference ?? null, m.at.toISOString());
  return row as ChatterView;
}

export function listChatter(db: Db, f: { connectionId?: number; journalId?: number }): ChatterView[] {
  if (f.connectionId !== undefined && f.journalId !== undefined) {
    return db.prepare('SELECT * FROM chatter WHERE connection_id = ? OR journal_id = ? ORDER BY created_at, id').all(f.connectionId, f.journalId) as ChatterView[];
  }
  if (f.connectionId !== undefined) {
    return db.prepare('SELECT * FROM chatter WHERE connection_id = ? ORDER BY created_at, id').all(f.connectionId) as ChatterView[];
  }
  if (f.journalId !== undefined) {
    return db.prepare('SELECT * FROM chatter WHERE journal_id = ? ORDER BY created_at, id').all(f.journalId) as ChatterView[];
  }
  return db.prepare('SELECT * FROM chatter ORDER BY created_at, id').all() as ChatterView[];
}
