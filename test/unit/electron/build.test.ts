// The shell's build: scripts/build-electron.ts writes both bundles; the preload is one
// CommonJS file requiring nothing but 'electron' (all a sandboxed preload may require); the
// main bundle imports only Node built-ins, 'electron' and the package's own dependencies; and
// the built main really runs: under plain Node with a stub 'electron', it registers app://
// before ready, opens the ledger, serves the page, answers an IPC call and quits cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { tempDir } from '../../helpers/ledger';

const root = join(import.meta.dirname, '..', '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Builds once into a folder inside the checkout (test-artifacts/, ignored by git), so the main
 * bundle resolves its packages from this node_modules as it would from the app's.
 */
async function buildInto(t: { after(fn: () => void): void }): Promise<string> {
  const outdir = join(root, 'test-artifacts', `electron-build-${process.pid}-${randomBytes(4).toString('hex')}`);
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const r = await run(['--import', 'tsx', 'scripts/build-electron.ts', '--outdir', outdir]);
  assert.equal(r.code, 0, r.stderr);
  return outdir;
}

/** Every module specifier a bundle asks for: require("x"), import ... from "x", import("x"), import "x". */
function specifiers(code: string): string[] {
  const found = new Set<string>();
  // esbuild writes one static import per line; dynamic ones and requires may be anywhere.
  for (const re of [/^(?:import|export)\s[^\n]*?\sfrom\s*"([^"]+)";$/gm, /^import\s*"([^"]+)";$/gm, /\bimport\(\s*"([^"]+)"\s*\)/g, /(?<![.\w$])require\(\s*"([^"]+)"\s*\)/g]) {
    for (const m of code.matchAll(re)) found.add(m[1]!);
  }
  return [...found].sort();
}

test('the build writes main.mjs and preload.cjs; the preload requires nothing but electron', async (t) => {
  const outdir = await buildInto(t);
  assert.ok(existsSync(join(outdir, 'main.mjs')), 'main.mjs');
  assert.ok(existsSync(join(outdir, 'preload.cjs')), 'preload.cjs');
  const preload = readFileSync(join(outdir, 'preload.cjs'), 'utf8');
  const requires = [...preload.matchAll(/\brequire\s*\(([^)]*)\)/g)].map((m) => m[1]!.trim());
  assert.deepEqual(requires, ['"electron"'], 'exactly one require, of electron');
  assert.doesNotMatch(preload, /^\s*(import|export)\s/m, 'CommonJS, not ESM');
  assert.doesNotMatch(preload, /\bimport\s*\(/, 'no dynamic import either');
  assert.match(preload, /exposeInMainWorld\("ledgerlink"/);
  assert.match(preload, /"ledgerlink:call"/);
  assert.match(preload, /"ledgerlink:event"/);
  for (const m of ['listJournals', 'startConnect', 'checkIntegrity']) assert.match(preload, new RegExp(`"${m}"`), `${m} is in the bundled list`);
});

test("the main bundle imports only Node built-ins, electron and the package's dependencies", async (t) => {
  const outdir = await buildInto(t);
  const main = readFileSync(join(outdir, 'main.mjs'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
  const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {}), 'electron']);
  const builtins = new Set(builtinModules);
  const imported = specifiers(main);
  assert.ok(imported.includes('electron') && imported.includes('better-sqlite3'), `electron and better-sqlite3 stay external: ${imported.join(', ')}`);
  for (const s of imported) {
    if (s.startsWith('node:') || builtins.has(s)) continue;
    const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
    assert.ok(allowed.has(name), `${s} is neither built in nor a dependency (a packaged app would not have it)`);
  }
  assert.doesNotMatch(main, /from\s*["']\.{1,2}\//, 'no relative import left: the project code is bundled');
  assert.equal(pkg.main, 'dist/electron/main.mjs', 'package.json points Electron at the built main');
});

test('the built main runs under Node with a stub electron: scheme before ready, window, page, IPC, clean quit', async (t) => {
  const outdir = await buildInto(t);
  const tmp = tempDir('ledgerlink-electron-smoke-');
  t.after(tmp.cleanup);
  const appRoot = join(tmp.dir, 'app');
  mkdirSync(join(appRoot, 'dist', 'renderer'), { recursive: true });
  writeFileSync(join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><p>smoke</p>');
  const dataDir = join(tmp.dir, 'data');
  const r = await run(['--import', join(fixtures, 'register-electron-stub.mjs'), join(outdir, 'main.mjs')], {
    ...process.env,
    LEDGERLINK_DATA_DIR: dataDir,
    SMOKE_APP_ROOT: appRoot,
    SMOKE_USER_DATA: join(tmp.dir, 'user-data'),
  });
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    privilegedBeforeReady: boolean;
    schemes: unknown[];
    window: { options: { webPreferences: Record<string, unknown> }; loaded: string[] };
    index: { status: number; csp: string; body: string };
    call: unknown;
    quits: number;
    heldQuits: number;
  };
  assert.equal(report.privilegedBeforeReady, true);
  assert.deepEqual(report.schemes, [{ scheme: 'app', privileges: { standard: true, secure: true } }]);
  assert.equal(report.window.options.webPreferences.preload, join(appRoot, 'dist', 'electron', 'preload.cjs'));
  assert.equal(report.window.options.webPreferences.sandbox, true);
  assert.deepEqual(report.window.loaded, ['app://ledgerlink/index.html']);
  assert.equal(report.index.status, 200);
  assert.equal(report.index.body, '<!doctype html><p>smoke</p>');
  assert.match(report.index.csp, /script-src 'self'/);
  assert.deepEqual(report.call, { ok: true, value: { timezone: (report.call as { value: { timezone: string } }).value.timezone, default_periodicity: 'month', lock_date: '' } });
  assert.ok(existsSync(join(dataDir, 'ledger.sqlite')), 'the ledger was opened in LEDGERLINK_DATA_DIR');
  assert.deepEqual([report.quits, report.heldQuits], [2, 1], 'the first quit was held until the ledger closed, the second went through');
});
