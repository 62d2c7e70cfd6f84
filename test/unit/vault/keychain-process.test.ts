// keytar in a child process (main/vault/keychain-process.ts): a keychain that crashes or hangs
// the process that asks it ends that call with an error, never the app, and the next call
// starts a new child. The child really runs (node -e, or a utilityProcess played by a Node
// child with Electron's parentPort); the keytar it loads is a small module written here whose
// calls can crash with a real SIGSEGV or never answer, as libsecret does on a locked keyring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UtilityProcess } from 'electron';
import { KeychainProcess, KeychainProcessError, nodeKeychainLauncher, type KeychainLauncher } from '../../../main/vault/keychain-process';
import { KEYCHAIN_CHILD_SOURCE, openVault, VaultUnavailableError } from '../../../main/vault/index';
import { utilityKeychainLauncher } from '../../../main/electron/keychain-utility';
import { tempDir } from '../../helpers/ledger';

/** A keytar module: secrets in memory; `crash:` and `hang:` accounts crash or hang the child. */
const FAKE_KEYTAR = String.raw`'use strict';
const store = new Map();
const act = (account) => {
  if (account.startsWith('crash:')) process.kill(process.pid, 'SIGSEGV');
  if (account.startsWith('hang:')) return new Promise(() => {});
  return null;
};
module.exports = {
  async getPassword(s, a) { const x = act(a); if (x) return x; return store.has(s + '/' + a) ? store.get(s + '/' + a) : null; },
  async setPassword(s, a, p) { const x = act(a); if (x) return x; if (process.env.FAKE_KEYTAR_LOCKED === '1') throw new Error('Cannot create an item in a locked collection'); store.set(s + '/' + a, p); },
  async deletePassword(s, a) { return store.delete(s + '/' + a); },
  async findCredentials(s) {
    if (process.env.FAKE_KEYTAR_LIST_CRASHES === '1') process.kill(process.pid, 'SIGSEGV');
    return [...store].filter(([k]) => k.startsWith(s + '/')).map(([k, password]) => ({ account: k.slice(s.length + 1), password }));
  },
};
`;

function fakeKeytar(t: { after(fn: () => void): void }): string {
  const tmp = tempDir('ledgerlink-keychain-process-');
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'fake-keytar.cjs');
  writeFileSync(path, FAKE_KEYTAR);
  return path;
}

test('calls are answered by the child; a crash there ends that call with an error, and the next call starts a new child', async (t) => {
  const keychain = new KeychainProcess(nodeKeychainLauncher(fakeKeytar(t)));
  t.after(() => keychain.close());
  await keychain.setPassword('Ledgerlink', 'app:phone', '+32470123456');
  assert.equal(await keychain.getPassword('Ledgerlink', 'app:phone'), '+32470123456');
  assert.deepEqual(await keychain.findCredentials('Ledgerlink'), [{ account: 'app:phone', password: '+32470123456' }]);

  await assert.rejects(keychain.getPassword('Ledgerlink', 'crash:me'), (e: unknown) => {
    assert.ok(e instanceof KeychainProcessError);
    assert.equal(e.crashed, true);
    assert.match(e.message, /crashed the process that asked it \(SIGSEGV/);
    return true;
  });
  // This process is alive, and a new child answers (the old one's memory went with it).
  assert.equal(await keychain.getPassword('Ledgerlink', 'app:phone'), null);
  await keychain.setPassword('Ledgerlink', 'app:phone', '+32470999999');
  assert.equal(await keychain.getPassword('Ledgerlink', 'app:phone'), '+32470999999');
});

test('a call the keychain never answers is ended after the time-out, and the child with it', async (t) => {
  const keychain = new KeychainProcess(nodeKeychainLauncher(fakeKeytar(t)), 1_500);
  t.after(() => keychain.close());
  await assert.rejects(keychain.getPassword('Ledgerlink', 'hang:forever'), /did not answer within 2 s/);
  await keychain.setPassword('Ledgerlink', 'a', 'b');
  assert.equal(await keychain.getPassword('Ledgerlink', 'a'), 'b');
});

test('keytar that does not load in the child is reported as such', async () => {
  const keychain = new KeychainProcess(nodeKeychainLauncher('/nonexistent/keytar.node'));
  await assert.rejects(keychain.load(), /Cannot find module/);
  await keychain.close();
});

test('openVault: a keychain that refuses the probe as locked, or crashes listing, is "locked", with what to unlock', async (t) => {
  const path = fakeKeytar(t);
  for (const variable of ['FAKE_KEYTAR_LOCKED', 'FAKE_KEYTAR_LIST_CRASHES']) {
    process.env[variable] = '1';
    try {
      await assert.rejects(openVault({ keychainLauncher: nodeKeychainLauncher(path), platform: 'linux', scope: 'ledger-test-1' }), (e: unknown) => {
        assert.ok(e instanceof VaultUnavailableError);
        assert.equal(e.reason, 'keychain-locked', variable);
        assert.match(e.message, /is locked and cannot ask for its password here/);
        assert.match(e.message, /Unlock your "login" keyring/);
        return true;
      });
    } finally {
      delete process.env[variable];
    }
  }
  const vault = await openVault({ keychainLauncher: nodeKeychainLauncher(path), platform: 'linux', scope: 'ledger-test-1' });
  await vault.set('app', 'phone', '+32470123456');
  assert.equal(await vault.get('app', 'phone'), '+32470123456');
  await vault.close?.();
});

/**
 * Electron's utilityProcess, played by a Node child: `fork(path)` runs the module with a
 * `process.parentPort` whose messages arrive as `{ data }`, as Electron gives them.
 */
function fakeUtilityProcess(forked: ChildProcess[]) {
  const shim = String.raw`const { EventEmitter } = require('node:events');
const port = new EventEmitter();
port.postMessage = (m) => process.send(m);
process.on('message', (m) => port.emit('message', { data: m }));
process.on('disconnect', () => process.exit(0));
process.parentPort = port;
require(process.argv[1]);`;
  return {
    fork(modulePath: string): UtilityProcess {
      const child = fork('-e', [shim, modulePath], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      // node's fork() takes the script path first: '-e' here makes it `node -e shim modulePath`.
      forked.push(child);
      const up = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void; kill(): boolean };
      up.postMessage = (m) => child.send(m as object);
      up.kill = () => child.kill('SIGKILL');
      child.on('message', (m) => up.emit('message', m));
      child.on('exit', (code, signal) => up.emit('exit', code ?? (signal ? 139 : 0)));
      return up as unknown as UtilityProcess;
    },
  };
}

test('inside Electron the same child runs as a utilityProcess, from the file the build writes', async (t) => {
  const keytarPath = fakeKeytar(t);
  const tmp = tempDir('ledgerlink-keychain-utility-');
  t.after(tmp.cleanup);
  const childFile = join(tmp.dir, 'keychain-child.cjs');
  writeFileSync(childFile, KEYCHAIN_CHILD_SOURCE);
  const forked: ChildProcess[] = [];
  t.after(() => {
    for (const c of forked) c.kill('SIGKILL');
  });
  const base = utilityKeychainLauncher(fakeUtilityProcess(forked), childFile);
  // The packaged app's child finds keytar in its own node_modules; here it is the fake module.
  const launcher: KeychainLauncher = { ...base, keytarSpecifier: keytarPath };
  const keychain = new KeychainProcess(launcher);
  t.after(() => keychain.close());
  await keychain.setPassword('Ledgerlink', 'ledger:ledger-test-1:app:phone', '+32470123456');
  assert.equal(await keychain.getPassword('Ledgerlink', 'ledger:ledger-test-1:app:phone'), '+32470123456');
  await assert.rejects(keychain.getPassword('Ledgerlink', 'crash:me'), /crashed the process that asked it \(exit code 139\)/);
  assert.equal(await keychain.getPassword('Ledgerlink', 'ledger:ledger-test-1:app:phone'), null, 'a new utility process answers');
  assert.equal(forked.length, 2);
});
