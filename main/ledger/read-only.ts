import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (e) {
    // Absent is not read-only: the folder is made when the ledger is created.
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Why the ledger at `path` cannot be written (a read-only folder or file, a read-only
 * mount), or null. Asked of the OS (access(2)), so it follows what this process may really do.
 */
export function readOnlyReason(path: string): string | null {
  const dir = dirname(path);
  if (!writable(dir)) return `the data folder ${dir} is read-only`;
  if (existsSync(path) && !writable(path)) return `the ledger file ${path} is read-only`;
  return null;
}
