import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../common/clock';
import { backupBeforeMigration, removeStaleBackups } from './backup';
import { identifyLedger, type Identity } from './identify';
import { LedgerDamagedError, LedgerFileError, LedgerVersionError } from './ledger-errors';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations/index';
import { readOnlyReason } from './read-only';
import { snapshot } from './snapshot';

export type { Db };
export { LedgerDamagedError, LedgerFileError, LedgerVersionError };
export { readOnlyReason };

export const LEDGER_FILE_NAME = 'ledger.sqlite';

/**
 * SQLite's quick_check reads every page (about 0.1 s for 32 MiB here): at open it is run on
 * ledgers up to this size, larger ones are checked by `check` only.
 */
const QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024;

/** Ledgers opened read-only, and why (see `readOnlyLedger`). */
const readOnly = new WeakMap<Db, string>();

export interface OpenOptions {
  /** Migrate only up to this version (tests of the migrations themselves). */
  targetVersion?: number;
  /** Clock for the backup file name and the migration record. */
  now?: () => Date;
  migrations?: readonly Migration[];
  /** Open a ledger whose quick check finds damage (for `check`, which says what to do). */
  openDamaged?: boolean;
}

/**
 * Opens (creating if needed) the ledger at `path`. Refuses, leaving it byte-for-byte as it
 * was, a file that is not ours (see identifyLedger) or was written by a newer Ledgerlink, and
 * one SQLite finds damaged (unless `openDamaged`). Backs the file up before migrating, and
 * applies each pending migration in its own transaction, recording it. In a read-only folder
 * (or for a read-only file) it opens a private copy, read-only.
 */
export function openLedger(path: string, opts: OpenOptions = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const target = opts.targetVersion ?? latest;
  const now = opts.now ?? systemClock;

  const identity = identifyLedger(path, migrations);
  const reason = readOnlyReason(path);
  if (reason !== null) return openReadOnly(path, identity, reason, { migrations, target, now, openDamaged: opts.openDamaged ?? false });
  if (identity.kind === 'new') mkdirSync(dirname(path), { recursive: true });
  else removeStaleBackups(path);

  const db = new Database(path);
  try {
    configure(db);
    // A damaged ledger opened for `check` is not migrated: nothing is written to it.
    if (identity.kind === 'ours' && quickCheck(db, path, opts.openDamaged ?? false) === 'damaged') return db;
    migrate(db, path, { migrations, target, now, backup: identity.kind === 'ours' });
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function configure(db: Db): void {
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
}

/**
 * SQLite's findings from `PRAGMA quick_check` / `integrity_check`, one per line; empty when
 * the file is sound.
 */
export function sqliteFindings(db: Db, pragma: 'quick_check' | 'integrity_check', max: number): string[] {
  const rows = (db.pragma(`${pragma}(${max})`) as Record<string, string>[]).map((r) => r[pragma]!);
  if (rows.length === 1 && rows[0] === 'ok') return [];
  return rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '' && !l.startsWith('*** in database'));
}

/** Refuses a damaged ledger before anything (a migration, a sync) writes more into it. */
function quickCheck(db: Db, path: string, openDamaged: boolean): 'sound' | 'damaged' | 'unchecked' {
  if (statSync(path).size > QUICK_CHECK_MAX_BYTES) return 'unchecked';
  const found = sqliteFindings(db, 'quick_check', 3);
  if (found.length === 0) return 'sound';
  if (openDamaged) return 'damaged';
  throw new LedgerDamagedError(
    `The ledger ${path} is damaged (SQLite: ${found[0]}). Nothing was written to it. ` +
      'Run `ledgerlink check` to see what to do; do not synchronize until it is repaired.',
  );
}

/**
 * The ledger of a read-only folder (or a read-only file), opened without writing a byte
 * there: SQLite cannot even read a WAL-mode file without creating `-shm` beside it, so it
 * reads a private copy (migrated there if it is older), with every write refused.
 */
function openReadOnly(
  path: string,
  identity: Identity,
  reason: string,
  o: { migrations: readonly Migration[]; target: number; now: () => Date; openDamaged: boolean },
): Db {
  if (identity.kind === 'new') {
    throw new LedgerFileError(`There is no ledger at ${path}, and ${reason}: Ledgerlink cannot create one there.`);
  }
  const copy = snapshot(path);
  let db: Db | undefined;
  try {
    db = new Database(copy.path);
    configure(db);
    if (quickCheck(db, copy.path, o.openDamaged) !== 'damaged') migrate(db, copy.path, { ...o, backup: false });
    db.pragma('query_only = ON');
  } catch (e) {
    db?.close();
    copy.remove();
    throw e instanceof LedgerDamagedError ? new LedgerDamagedError(e.message.replace(copy.path, path)) : e;
  }
  const close = db.close.bind(db);
  // The copy goes with the connection.
  db.close = () => {
    close();
    copy.remove();
    return db;
  };
  readOnly.set(db, reason);
  return db;
}

/** Why the ledger was opened read-only (a read-only data folder or file), or undefined. */
export function readOnlyLedger(db: Db): string | undefined {
  return readOnly.get(db);
}

function migrate(
  db: Db,
  path: string,
  o: { migrations: readonly Migration[]; target: number; now: () => Date; backup: boolean },
): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = o.migrations.filter((m) => m.version > current && m.version <= o.target);
  if (pending.length === 0) return;

  if (o.backup && current > 0) backupBeforeMigration(db, path, current, o.now());

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
