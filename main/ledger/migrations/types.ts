import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Schema version this migration brings the database to (1, 2, ...). */
  version: number;
  name: string;
  /** Runs inside the migration's transaction; must not commit or open its own. */
  up(db: Database): void;
}
