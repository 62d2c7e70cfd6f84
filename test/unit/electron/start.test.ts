// `ledgerlink start` (npm start): with the Electron binary and the shell built, it runs
// Electron on the app in the foreground, on the same data folder, passing signals on and its
// exit code back; without them it says why and serves the same UI in the browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchDesktop } from '../../../main/cli';
import { EXIT_NATIVE_MODULE, STARTED_BY_CLI_ENV } from '../../../main/desktop-handover';
import { tempDir } from '../../helpers/ledger';

class FakeChild extends EventEmitter {
  readonly killed: string[] = [];
  kill(signal: string): boolean {
    this.killed.push(signal);
    return true;
  }
}

interface Spawned {
  command: string;
  args: readonly string[];
  options: { stdio?: unknown; env?: NodeJS.ProcessEnv };
}

function setup(t: { after(fn: () => void): void }, o: { built?: boolean } = {}) {
  const tmp = tempDir('ledgerlink-start-');
  t.after(tmp.cleanup);
  const appRoot = join(tmp.dir, 'app');
  if (o.built !== false) {
    mkdirSync(join(appRoot, 'dist', 'electron'), { recursive: true });
    mkdirSync(join(appRoot, 'dist', 'renderer'), { recursive: true });
    for (const f of ['dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) writeFileSync(join(appRoot, f), '');
  }
  const spawned: Spawned[] = [];
  const child = new FakeChild();
  const spawnImpl = ((command: string, args: readonly string[], options: Spawned['options']) => {
    spawned.push({ command, args, options });
    return child;
  }) as unknown as typeof spawn;
  const errors: string[] = [];
  const signals = new EventEmitter();
  return {
    appRoot, spawned, child, errors, signals,
    launch: (found: boolean) => launchDesktop({
      dataDir: join(tmp.dir, 'data'),
      io: { out: () => undefined, err: (s) => errors.push(s) },
      appRoot,
      electronBinary: () => (found ? { found: true, path: '/opt/electron/electron' } : { found: false, reason: 'the electron package is installed but its binary was never downloaded' }),
      spawnImpl,
      env: { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', LEDGERLINK_DATA_DIR: '/elsewhere' },
      signals: signals as unknown as NodeJS.Process,
    }),
  };
}

test('with the binary, Electron runs the app on the same data folder and its exit code comes back', async (t) => {
  const s = setup(t);
  const running = s.launch(true);
  await new Promise((r) => setImmediate(r));
  assert.equal(s.spawned.length, 1);
  const [spawned] = s.spawned;
  assert.equal(spawned!.command, '/opt/electron/electron');
  assert.deepEqual(spawned!.args, [s.appRoot], 'Electron is pointed at the package (its "main" is the built shell)');
  assert.equal(spawned!.options.stdio, 'inherit');
  const env = spawned!.options.env!;
  assert.equal(env.LEDGERLINK_DATA_DIR, join(s.appRoot, '..', 'data'), 'the data folder of this command, not the inherited one');
  assert.equal('ELECTRON_RUN_AS_NODE' in env, false, 'never as plain Node');
  assert.equal(env.PATH, '/usr/bin');
  s.child.emit('exit', 3, null);
  assert.equal(await running, 3);
  assert.deepEqual(s.errors, []);
});

test('an Electron that cannot load the Node-built SQLite module hands back: the browser UI is served, with how to rebuild', async (t) => {
  const s = setup(t);
  const running = s.launch(true);
  await new Promise((r) => setImmediate(r));
  assert.equal(s.spawned[0]!.options.env![STARTED_BY_CLI_ENV], '1', 'Electron knows the command will take over');
  s.child.emit('spawn');
  s.child.emit('exit', EXIT_NATIVE_MODULE, null);
  assert.equal(await running, undefined, 'undefined: the caller serves the browser UI');
  assert.match(s.errors.join('\n'), /serving the same app in your browser instead.*@electron\/rebuild/s);
});

test('Ctrl+C and SIGTERM are passed on to Electron; a signal death maps to 128 + n', async (t) => {
  const s = setup(t);
  const running = s.launch(true);
  await new Promise((r) => setImmediate(r));
  s.signals.emit('SIGINT', 'SIGINT');
  s.signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(s.child.killed, ['SIGINT', 'SIGTERM']);
  s.child.emit('exit', null, 'SIGTERM');
  assert.equal(await running, 143);
  assert.equal(s.signals.listenerCount('SIGINT') + s.signals.listenerCount('SIGTERM'), 0, 'the forwarding stops with Electron');
});

test('without the binary it says why and hands over to the browser host', async (t) => {
  const s = setup(t);
  assert.equal(await s.launch(false), undefined);
  assert.equal(s.spawned.length, 0);
  assert.equal(s.errors.length, 1);
  assert.match(s.errors[0]!, /binary was never downloaded.*browser/);
});

test('with the binary but the shell not built, it says what to run and serves in the browser', async (t) => {
  const s = setup(t, { built: false });
  assert.equal(await s.launch(true), undefined);
  assert.equal(s.spawned.length, 0);
  assert.match(s.errors.join('\n'), /npm run build:electron.*browser/);
});

test('an Electron that fails to start falls back to the browser host', async (t) => {
  const s = setup(t);
  const running = s.launch(true);
  await new Promise((r) => setImmediate(r));
  s.child.emit('error', Object.assign(new Error('spawn /opt/electron/electron EACCES'), { code: 'EACCES' }));
  assert.equal(await running, undefined);
  assert.match(s.errors.join('\n'), /EACCES.*browser/);
  assert.equal(s.signals.listenerCount('SIGINT'), 0);
});

test('once Electron runs, a later child error does not start the browser host: its exit code decides', async (t) => {
  const s = setup(t);
  const running = s.launch(true);
  await new Promise((r) => setImmediate(r));
  s.child.emit('spawn');
  s.child.emit('error', new Error('kill ESRCH'));
  s.child.emit('exit', 0, null);
  assert.equal(await running, 0);
  assert.deepEqual(s.errors, []);
});

test('`ledgerlink start` without Electron serves the UI in the browser until SIGTERM', async (t) => {
  const tmp = tempDir('ledgerlink-start-serve-');
  t.after(tmp.cleanup);
  const root = join(import.meta.dirname, '..', '..', '..');
  const emptyPath = join(tmp.dir, 'bin');
  mkdirSync(emptyPath);
  // No Electron whatever this machine has (see fixtures/no-electron-hooks.mjs), and an empty
  // PATH so that "open the browser" finds no opener and stays a message.
  const child = spawn(process.execPath, [
    '--import', join(import.meta.dirname, 'fixtures', 'register-no-electron.mjs'),
    join(root, 'bin', 'ledgerlink.mjs'), '--data-dir', join(tmp.dir, 'data'), 'start', '--port', '0',
  ], { cwd: root, env: { ...process.env, PATH: emptyPath, LEDGERLINK_DATA_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address after 30 s\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /Ledgerlink is running at (http:\/\/127\.0\.0\.1:\d+)\/launch\?code=[A-Za-z0-9_-]+/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving\n${stdout}\n${stderr}`)));
  });
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="root">/);
  assert.match(stderr, /Electron binary is not installed here \(no Electron in this test\): serving the same app in your browser instead/);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
