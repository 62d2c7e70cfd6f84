// The desktop shell's life on a fake Electron with a real Core: the scheme registered before
// `ready`, the secure window on app://ledgerlink, one instance only, the scheduler and the
// catalog refresh running, and a quit that closes the ledger before Electron exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_INDEX_URL } from '../../../main/electron/app-url';
import { nativeModuleHint } from '../../../main/electron/desktop-app';
import { EXIT_NATIVE_MODULE } from '../../../main/desktop-handover';
import { createElectronSafeStorageVault, SafeStorageUnavailableError } from '../../../main/electron/safe-storage-vault';
import { IPC_CALL } from '../../../preload/methods';
import { tempDir } from '../../helpers/ledger';
import { appWindow, startShell } from './desktop-fixture';
import { FakeWebContents, fakeElectron } from './fake-electron';

test('the app:// scheme is registered as privileged (standard, secure) before ready', async (t) => {
  const s = await startShell(t, { ready: false });
  assert.equal(s.fake.protocol.registeredBeforeReady, true);
  assert.deepEqual(s.fake.protocol.privileged, [{ scheme: 'app', privileges: { standard: true, secure: true } }]);
  assert.equal(s.fake.windows.length, 0, 'no window before ready');
  assert.equal(s.desktop.core, undefined, 'no ledger opened before ready');
  s.fake.app.ready();
  assert.equal(await s.desktop.ready, true);
  assert.ok(s.fake.protocol.handlers.has('app'), 'app:// is served once ready');
});

test('the window is sandboxed, isolated, without Node, with the preload, and loads app://ledgerlink/index.html', async (t) => {
  const s = await startShell(t);
  assert.equal(s.fake.windows.length, 1);
  const win = appWindow(s);
  const prefs = win.options.webPreferences ?? {};
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, s.preload);
  assert.equal(prefs.partition, undefined, 'the app window uses the default session, where app:// is served');
  assert.deepEqual(win.webContents.loaded, [APP_INDEX_URL]);
  assert.equal(APP_INDEX_URL, 'app://ledgerlink/index.html');
  assert.equal(win.options.show, false, 'shown once painted');
  win.emit('ready-to-show');
  assert.equal(win.shown, 1);
  assert.ok(s.fake.ipcMain.handlers.has(IPC_CALL), 'the IPC bridge is installed');
});

test('the core is opened on the data folder and the scheduler started; the catalog refresh runs', async (t) => {
  const s = await startShell(t);
  const core = s.desktop.core;
  assert.ok(core);
  assert.equal(core.dataDir, s.dataDir);
  assert.ok(existsSync(join(s.dataDir, 'ledger.sqlite')), 'the ledger is in the data folder');
  assert.ok(s.coreCalls.includes('scheduler.start'), 'the scheduler was started');
  let refreshed = 0;
  for (let i = 0; i < 100 && refreshed === 0; i++) {
    refreshed = core.db.prepare("SELECT COUNT(*) FROM catalog_refreshes WHERE provider = 'demo'").pluck().get() as number;
    if (refreshed === 0) await sleep(20);
  }
  assert.equal(refreshed, 1, 'the Demo Bank catalog was refreshed at start');
});

test('quitting stops the scheduler and closes the ledger before Electron exits', async (t) => {
  const s = await startShell(t);
  const core = s.desktop.core!;
  assert.equal(core.db.open, true);
  s.fake.app.quit();
  assert.equal(s.fake.app.exited, false, 'the first will-quit is held while the ledger closes');
  await s.quit();
  assert.equal(core.db.open, false, 'the ledger is closed');
  const stopped = s.coreCalls.indexOf('scheduler.stop');
  assert.ok(stopped !== -1 && stopped < s.coreCalls.indexOf('close'), `the scheduler is stopped, then the core closed: ${s.coreCalls.join(', ')}`);
  assert.equal(s.fake.app.exited, true, 'then Electron exits');
  assert.equal(s.fake.ipcMain.handlers.has(IPC_CALL), false, 'the IPC handler is removed');
});

test('Ctrl+C (SIGINT) or SIGTERM quits through the same sequence', async (t) => {
  const s = await startShell(t);
  s.signals.emit('SIGTERM');
  await s.desktop.closed;
  assert.equal(s.desktop.core!.db.open, false);
  assert.ok(s.fake.app.quitCalls >= 1);
});

test('closing the last window quits, except on macOS where the app stays in the dock', async (t) => {
  const linux = await startShell(t);
  linux.fake.app.emit('window-all-closed');
  assert.equal(linux.fake.app.quitCalls, 1);
  const mac = await startShell(t, { platform: 'darwin' });
  mac.fake.app.emit('window-all-closed');
  assert.equal(mac.fake.app.quitCalls, 0);
  // The dock icon brings a window back.
  appWindow(mac).close();
  mac.fake.app.emit('activate');
  assert.equal(mac.fake.windows.length, 2);
});

test('a second launch quits at once; the first one shows its window instead of opening another', async (t) => {
  const second = await startShell(t, { lock: false, ready: false });
  assert.equal(second.fake.app.quitCalls, 1);
  assert.equal(await second.desktop.ready, false);
  assert.equal(second.fake.protocol.handlers.size, 0);

  const first = await startShell(t);
  const win = appWindow(first);
  win.minimized = true;
  first.fake.app.emit('second-instance', {}, [], '/');
  assert.equal(first.fake.windows.length, 1, 'no second window');
  assert.equal(win.minimized, false, 'restored');
  assert.equal(win.focused, 1, 'and focused');
});

test('a ledger that cannot be opened is explained in a dialog and the app quits', async (t) => {
  const tmp = tempDir('ledgerlink-electron-bad-');
  t.after(tmp.cleanup);
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'ledger.sqlite'), 'this is not a database');
  const s = await startShell(t, { dataDir });
  assert.equal(await s.desktop.ready, false);
  assert.equal(s.fake.dialog.errors.length, 1);
  assert.match(s.fake.dialog.errors[0]!.content, /not a Ledgerlink ledger/);
  assert.equal(s.fake.windows.length, 0);
  assert.ok(s.fake.app.quitCalls >= 1);
});

test('a better-sqlite3 built for Node instead of Electron gets a hint on how to rebuild it', () => {
  const abi = "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 139.";
  assert.match(nativeModuleHint(abi), /@electron\/rebuild/);
  assert.equal(nativeModuleHint('/data/ledger.sqlite is not a Ledgerlink ledger (not an SQLite database).'), '');
});

test('started by `ledgerlink start`, a Node-built better-sqlite3 makes the app exit with its own code instead of a dialog', async (t) => {
  const abi = "The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 139.";
  const fromCli = await startShell(t, { startedByCli: true, openCore: () => { throw new Error(abi); } });
  assert.equal(await fromCli.desktop.ready, false);
  await fromCli.desktop.closed;
  assert.equal(fromCli.fake.app.exitCode, EXIT_NATIVE_MODULE, 'the command takes over and serves the browser UI');
  assert.equal(fromCli.fake.dialog.errors.length, 0);
  assert.equal(fromCli.fake.windows.length, 0);

  // Launched on its own (a packaged app, a desktop icon): the user is told in a dialog.
  const alone = await startShell(t, { openCore: () => { throw new Error(abi); } });
  assert.equal(await alone.desktop.ready, false);
  assert.equal(alone.fake.app.exitCode, null);
  assert.match(alone.fake.dialog.errors[0]?.content ?? '', /@electron\/rebuild/);
});

test('every new webContents denies window.open and webviews by default', async (t) => {
  const s = await startShell(t);
  const stray = new FakeWebContents();
  s.fake.app.emit('web-contents-created', {}, stray);
  assert.deepEqual(stray.windowOpenHandler?.({ url: 'https://example.com/', frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'no-referrer' } }), { action: 'deny' });
  let prevented = false;
  stray.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
  assert.equal(prevented, true);
});

test('the safeStorage vault is built from the Electron modules handed in, in the given file', async (t) => {
  const tmp = tempDir('ledgerlink-electron-vault-');
  t.after(tmp.cleanup);
  const fake = fakeElectron({ userData: join(tmp.dir, 'user-data') });
  fake.app.ready();
  const file = join(tmp.dir, 'data', 'secrets.safestorage');
  const vault = await createElectronSafeStorageVault(file, fake);
  await vault.set('app', 'phone', '+32470123456');
  assert.ok(existsSync(file));
  assert.equal(fake.safeStorage.encryptCalls, 1, 'the fake safeStorage did the encryption');
  fake.safeStorage.available = false; // no keyring answered: refused, never a plaintext fallback
  await assert.rejects(createElectronSafeStorageVault(file, fake), SafeStorageUnavailableError);
});
