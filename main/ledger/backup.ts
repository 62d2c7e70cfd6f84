import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Database } from 'better-sqlite3';

/** `<ledger>.v<N>-<time>.bak.<pid>.partial`: a backup still being written by process pid. */
function partialPattern(ledgerName: string): RegExp {
  const name = ledgerName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${name}\\.v\\d+-.+\\.bak\\.(\\d+)\\.partial$`);
}

/**
 * Takes the copy made before a migration: a consistent copy through SQLite itself (VACUUM
 * INTO, not a file copy that could catch the WAL half-applied), written under a temporary
 * name and renamed once complete, so a `.bak` is always a whole ledger. Returns its path.
 */
export function backupBeforeMigration(db: Database, path: string, version: number, at: Date): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const final = `${path}.v${version}-${stamp}.bak`;
  const partial = `${final}.${process.pid}.partial`;
  try {
    db.prepare('VACUUM INTO ?').run(partial);
    renameSync(partial, final);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
  return final;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the partial backups left by a process killed while writing one. */
export function removeStaleBackups(path: string): void {
  const pattern = partialPattern(basename(path));
  for (const f of readdirSync(dirname(path))) {
    const m = pattern.exec(f);
    if (m && !alive(Number(m[1]))) rmSync(join(dirname(path), f), { force: true });
  }
}

/** The most recent complete backup beside the ledger, if any (names sort by version, then time). */
export function latestBackup(path: string): string | undefined {
  const prefix = `${basename(path)}.v`;
  const found = readdirSync(dirname(path))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.bak'))
    .map((f) => ({ f, v: Number(f.slice(prefix.length, f.indexOf('-', prefix.length))) }))
    .sort((a, b) => a.v - b.v || a.f.localeCompare(b.f));
  const last = found.at(-1);
  return last ? join(dirname(path), last.f) : undefined;
}
