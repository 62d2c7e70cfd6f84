// Bundles the renderer (renderer/main.tsx) into dist/renderer/: main.js, main.css, index.html.
// Runs on `npm install` (prepare) and before the end-to-end tests: simple, fast, strict.
// This is the build the app ships and the browser host serves, so it has no source maps (they
// would hand our whole source to any page that can reach the host); maps left by an older
// build are removed. `--out DIR` builds elsewhere (the tests check a fresh build).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outdir = values.out ? resolve(values.out) : join(root, 'dist', 'renderer');

try {
  mkdirSync(outdir, { recursive: true });
  for (const f of readdirSync(outdir)) if (f.endsWith('.map')) rmSync(join(outdir, f));
  const result = await build({
    entryPoints: [join(root, 'renderer', 'main.tsx')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  if (result.errors.length > 0) process.exit(1);
  copyFileSync(join(root, 'renderer', 'index.html'), join(outdir, 'index.html'));
  console.log(`renderer built into ${outdir}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
