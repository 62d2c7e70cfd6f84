// Bundles the renderer (renderer/main.tsx) into dist/renderer/: main.js, main.css, index.html.
// Runs on `npm install` (prepare) and before the end-to-end tests: simple, fast, strict.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'renderer');

try {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'renderer', 'main.tsx')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    sourcemap: true,
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
