// Bundles the Electron shell into dist/electron/ (or the folder given with --outdir):
//   main.mjs     the main process (main/electron/main.ts): ESM for Node, every package left to
//                node_modules (better-sqlite3 and keytar are native, 'electron' is Electron's
//                own, the rest is resolved as under tsx, so the code behaves the same);
//   preload.cjs  the app window's preload (preload/index.ts): one CommonJS file, as a
//                sandboxed preload must be, requiring nothing but 'electron';
//   keychain-child.cjs  the keychain's child process (main/vault/keychain-process.ts), run
//                as a utilityProcess so a crashing keyring cannot take the app down.
// Runs on `npm install` (prepare) and before the tests.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { KEYCHAIN_CHILD_SOURCE } from '../main/vault/index';
import { KEYCHAIN_CHILD_FILE } from '../main/electron/keychain-utility';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = at === -1 ? join(root, 'dist', 'electron') : resolve(process.argv[at + 1] ?? '');

try {
  mkdirSync(outdir, { recursive: true });
  const results = await Promise.all([
    build({
      entryPoints: [join(root, 'main', 'electron', 'main.ts')],
      outfile: join(outdir, 'main.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      external: ['electron'],
      sourcemap: true,
      logLevel: 'warning',
    }),
    build({
      entryPoints: [join(root, 'preload', 'index.ts')],
      outfile: join(outdir, 'preload.cjs'),
      bundle: true,
      format: 'cjs',
      // The sandbox is a page with a small require: no Node built-ins may slip in.
      platform: 'browser',
      target: 'chrome130',
      external: ['electron'],
      sourcemap: true,
      logLevel: 'warning',
    }),
  ]);
  if (results.some((r) => r.errors.length > 0)) process.exit(1);
  // The keychain's child (a utilityProcess in the app): the same source `node -e` runs elsewhere.
  writeFileSync(join(outdir, KEYCHAIN_CHILD_FILE), KEYCHAIN_CHILD_SOURCE);
  console.log(`electron shell built into ${outdir}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
