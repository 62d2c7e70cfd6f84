import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Snapshot {
  path: string;
  remove(): void;
}

/**
 * A private copy of a SQLite file (and its WAL) in a fresh temp folder. SQLite cannot read a
 * WAL-mode file without creating `-shm`/`-wal` beside it, so whatever must look inside a file
 * without writing a byte next to it (a file we do not know yet, a read-only folder) reads
 * the copy instead.
 */
export function snapshot(path: string): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerlink-snapshot-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const copy = join(dir, 'ledger.sqlite');
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  } catch (e) {
    remove();
    throw e;
  }
  return { path: copy, remove };
}
