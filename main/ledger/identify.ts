import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { APPLICATION_ID } from './migrations/0007-application-id';
import type { Migration } from './migrations/types';
import { LedgerFileError, LedgerVersionError } from './ledger-errors';
import { snapshot } from './snapshot';

export type Identity = { kind: 'new' } | { kind: 'ours'; version: number };

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  const header = Buffer.alloc(100);
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

/** user_version and application_id: from the header, or through SQLite when a WAL may hold a newer one. */
function marks(path: string, header: Buffer): { version: number; appId: number } {
  if (!existsSync(`${path}-wal`)) return { version: header.readUInt32BE(60), appId: header.readUInt32BE(68) };
  const ro = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      version: ro.pragma('user_version', { simple: true }) as number,
      appId: (ro.pragma('application_id', { simple: true }) as number) >>> 0,
    };
  } finally {
    ro.close();
  }
}

/**
 * A file without the mark: empty (no schema at all), or a ledger from before the mark,
 * recognised by its schema_migrations records matching our migrations one for one. Read on a
 * private copy, so nothing is written beside a file that may be another application's.
 */
function unmarked(path: string, version: number, migrations: readonly Migration[]): 'empty' | 'ours' | 'foreign' {
  const copy = snapshot(path);
  try {
    const db = new Database(copy.path, { readonly: true, fileMustExist: true });
    try {
      const objects = db.prepare('SELECT COUNT(*) FROM sqlite_master').pluck().get() as number;
      if (objects === 0) return version === 0 ? 'empty' : 'foreign';
      const hasRecords = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get() !== undefined;
      if (!hasRecords || version === 0) return 'foreign';
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
      const matches = rows.length === version && rows.every((r, i) => r.version === i + 1 && (i >= migrations.length || migrations[i]!.name === r.name));
      return matches ? 'ours' : 'foreign';
    } finally {
      db.close();
    }
  } finally {
    copy.remove();
  }
}

/**
 * Says whether `path` may be opened as a ledger, without writing a byte: absent or empty (a
 * new ledger), or ours at a version this Ledgerlink knows. Anything else throws, and the file
 * is left exactly as it was.
 */
export function identifyLedger(path: string, migrations: readonly Migration[]): Identity {
  if (!existsSync(path) || statSync(path).size === 0) return { kind: 'new' };
  const header = readHeader(path);
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
    throw new LedgerFileError(`${path} is not a Ledgerlink ledger (not an SQLite database). It was left untouched.`);
  }
  const { version, appId } = marks(path, header);
  const foreign = () =>
    new LedgerFileError(
      `${path} is not a Ledgerlink ledger: it is another application's SQLite database` +
        (appId !== 0 ? ` (application id 0x${appId.toString(16).padStart(8, '0')})` : ' (it has no Ledgerlink mark and no Ledgerlink tables)') +
        `. It was left untouched: move it elsewhere, or give Ledgerlink another data folder (--data-dir).`,
    );
  if (appId !== APPLICATION_ID) {
    if (appId !== 0) throw foreign();
    const kind = unmarked(path, version, migrations);
    if (kind === 'empty') return { kind: 'new' };
    if (kind === 'foreign') throw foreign();
  }
  if (version > migrations.length) {
    throw new LedgerVersionError(
      `The ledger ${path} was written by a newer version of Ledgerlink (schema ${version}; ` +
        `this version knows up to ${migrations.length}). It was left untouched: update Ledgerlink to open it.`,
    );
  }
  return { kind: 'ours', version };
}
