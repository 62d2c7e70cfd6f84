import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations/index';

export type { Db };

export const LEDGER_FILE_NAME = 'ledger.sqlite';

export class LedgerVersionError extends Error {
  override readonly name = 'LedgerVersionError';
}

export interface OpenOptions {
  /** Migrate only up to this version (tests of the migrations themselves). */
  targetVersion?: number;
  /** Clock for the backup file name and the migration record. */
  now?: () => Date;
  migrations?: readonly Migration[];
}

/**
 * Reads the schema version without writing a byte: from the file header (user_version is
 * the big-endian integer at offset 60) when no WAL is pending, else through a read-only
 * connection, since the WAL may hold a newer header.
 */
function peekVersion(path: string): number {
  const fd = openSync(path, 'r');
  const header = Buffer.alloc(64);
  try {
    readSync(fd, header, 0, 64, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
    throw new LedgerVersionError(`${path} is not a Ledgerlink ledger (not an SQLite database). It was left untouched.`);
  }
  if (!existsSync(`${path}-wal`)) return header.readUInt32BE(60);
  const ro = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return ro.pragma('user_version', { simple: true }) as number;
  } finally {
    ro.close();
  }
}

/**
 * Opens (creating if needed) the ledger at `path`, refuses a database written by a newer
 * Ledgerlink, backs the file up before migrating, and applies each pending migration in its
 * own transaction, recording it.
 */
export function openLedger(path: string, opts: OpenOptions = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const target = opts.targetVersion ?? latest;
  const now = opts.now ?? (() => new Date());

  const existed = existsSync(path) && statSync(path).size > 0;
  if (existed) {
    const found = peekVersion(path);
    if (found > latest) {
      throw new LedgerVersionError(
        `The ledger ${path} was written by a newer version of Ledgerlink (schema ${found}; ` +
          `this version knows up to ${latest}). It was left untouched: update Ledgerlink to open it.`,
      );
    }
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }

  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the
    // last commits, never corrupt the file), and keeps a page commit cheap.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // 32 MiB of page cache: provider ids arrive in random order, and their index stays in
    // memory instead of being re-read from the OS for every insert of a large first sync.
    db.pragma('cache_size = -32768');
    // Checkpoint every 64 MiB of WAL instead of 4 MiB: a large sync then fsyncs the file 16
    // times less often, and pages written by several commits are copied back once. The WAL
    // file is cut back to that size afterwards.
    db.pragma('wal_autocheckpoint = 16384');
    db.pragma('journal_size_limit = 67108864');
    migrate(db, path, { migrations, target, now, backup: existed });
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(
  db: Db,
  path: string,
  o: { migrations: readonly Migration[]; target: number; now: () => Date; backup: boolean },
): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = o.migrations.filter((m) => m.version > current && m.version <= o.target);
  if (pending.length === 0) return;

  if (o.backup && current > 0) {
    // A consistent copy taken through SQLite itself (VACUUM INTO), not a file copy that
    // could catch the WAL half-applied.
    const stamp = o.now().toISOString().replace(/[:.]/g, '-');
    const backupPath = `${path}.v${current}-${stamp}.bak`;
    db.prepare('VACUUM INTO ?').run(backupPath);
  }

  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      m.up(db);
      record.run(m.version, m.name, o.now().toISOString());
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  const fkProblems = db.pragma('foreign_key_check') as unknown[];
  if (fkProblems.length > 0) throw new Error(`Migration left ${fkProblems.length} broken references`);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export { LATEST_VERSION };
