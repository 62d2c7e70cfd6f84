import { statfsSync } from 'node:fs';

/** What SQLite and the OS answer when the disk (or the user's quota) is full. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
/** Below this much free space, an I/O error at open is the disk being full. */
const NEARLY_FULL_BYTES = 1024 * 1024;

function codes(e: unknown): string[] {
  const found: string[] = [];
  for (let x = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') found.push(code);
  }
  return found;
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Whether `e` means the disk holding `dir` is full. SQLite says SQLITE_FULL once the ledger
 * is open, but at open it can only say "disk I/O error" (it could not size its shared-memory
 * file), so an I/O error on a disk with (almost) no space left counts too.
 */
export function isDiskFull(e: unknown, dir: string): boolean {
  const found = codes(e);
  if (found.some((c) => FULL_CODES.has(c))) return true;
  if (!found.some((c) => c.startsWith('SQLITE_IOERR'))) return false;
  const free = freeBytes(dir);
  return free !== undefined && free < NEARLY_FULL_BYTES;
}

/** What the user is told: which disk, that nothing was lost, and what to do. */
export function diskFullMessage(dir: string): string {
  return `The disk is full: there is no space left for the data folder ${dir}. Nothing was lost: ` +
    'what was saved before is kept as it was. Free some space on that disk, then synchronize again: it carries on where it stopped.';
}
