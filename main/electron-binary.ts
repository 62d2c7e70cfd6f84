import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where the Electron binary is, found without importing 'electron' (whose entry throws when
 * its download failed, as it does on machines without internet access to its mirror).
 */
export function electronBinary(): { found: true; path: string } | { found: false; reason: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { found: false, reason: 'the electron package is installed but its binary was never downloaded' };
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { found: true, path: bin } : { found: false, reason: `${bin} is missing` };
}
