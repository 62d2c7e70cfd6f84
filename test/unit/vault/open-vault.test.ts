// openVault's choice when the OS keychain is not there: Electron's safeStorage inside the app,
// else a refusal that says what to install. Never a plaintext fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KeychainVault, openVault, VaultUnavailableError, type KeytarLike } from '../../../main/vault/index';
import { SafeStorageVault } from '../../../main/electron/safe-storage-vault';
import { FakeSafeStorage } from '../electron/fake-safe-storage';
import { tempDir } from '../../helpers/ledger';

const notBuilt = async (): Promise<KeytarLike> => {
  throw new Error("Cannot find module '../build/Release/keytar.node'");
};

/** keytar that loads but whose keychain does not answer (as on Linux without a Secret Service). */
const noKeychain = async (): Promise<KeytarLike> => {
  const fail = async (): Promise<never> => {
    throw new Error('The name org.freedesktop.secrets was not provided by any .service files');
  };
  return { getPassword: fail, setPassword: fail, deletePassword: fail, findCredentials: fail };
};

function unavailable(reason: string, ...patterns: RegExp[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VaultUnavailableError, `expected VaultUnavailableError, got ${String(e)}`);
    assert.equal(e.reason, reason);
    for (const p of patterns) assert.match(e.message, p);
    assert.match(e.message, /never keeps them in plain text/);
    return true;
  };
}

test('keytar that failed to build: reinstall, it needs libsecret-1-dev', async () => {
  await assert.rejects(openVault({ loadKeytar: notBuilt, platform: 'linux' }), unavailable(
    'keytar-missing', /reinstall Ledgerlink; the keytar module failed to build: needs libsecret-1-dev/i, /keytar\.node/,
  ));
  await assert.rejects(openVault({ loadKeytar: notBuilt, platform: 'darwin' }), unavailable('keytar-missing', /reinstall Ledgerlink; the keytar module failed to build/i));
});

test('no keychain answering: the hint fits the computer', async () => {
  await assert.rejects(openVault({ loadKeytar: noKeychain, platform: 'linux' }), unavailable(
    'keychain-unavailable',
    /Install gnome-keyring \(or another Secret Service such as KeePassXC\) and libsecret, and make sure it is unlocked in your session/,
    /org\.freedesktop\.secrets/,
  ));
  await assert.rejects(openVault({ loadKeytar: noKeychain, platform: 'darwin' }), unavailable('keychain-unavailable', /macOS Keychain/, /system keychain should be present/));
  await assert.rejects(openVault({ loadKeytar: noKeychain, platform: 'win32' }), unavailable('keychain-unavailable', /Credential Manager/, /system keychain should be present/));
});

test("inside Electron without a keychain, secrets go to safeStorage's encrypted file", async (t) => {
  const tmp = tempDir('ledgerlink-openvault-');
  t.after(tmp.cleanup);
  const file = join(tmp.dir, 'secrets.safestorage');
  const storage = new FakeSafeStorage();
  const vault = await openVault({
    loadKeytar: noKeychain,
    electronSafeStorage: async () => {
      const v = new SafeStorageVault(storage, file, 'linux');
      v.assertUsable();
      return v;
    },
  });
  assert.ok(vault instanceof SafeStorageVault);
  await vault.set(3, 'refresh_token', 'rt-secret-value');
  assert.equal(await vault.get(3, 'refresh_token'), 'rt-secret-value');
  assert.ok(existsSync(file));
});

test("inside Electron with only basic_text: refused, naming both problems", async (t) => {
  const tmp = tempDir('ledgerlink-openvault-');
  t.after(tmp.cleanup);
  const file = join(tmp.dir, 'secrets.safestorage');
  const storage = new FakeSafeStorage();
  storage.backend = 'basic_text';
  await assert.rejects(openVault({
    loadKeytar: noKeychain,
    platform: 'linux',
    electronSafeStorage: async () => {
      const v = new SafeStorageVault(storage, file, 'linux');
      v.assertUsable();
      return v;
    },
  }), unavailable('keychain-unavailable', /Install gnome-keyring/, /safeStorage cannot be used either: .*basic_text/));
  assert.equal(existsSync(file), false);
});

test('a keychain that answers wins over safeStorage', async () => {
  const store = new Map<string, string>();
  const keytar: KeytarLike = {
    getPassword: async (s, a) => store.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void store.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => store.delete(`${s}/${a}`),
    findCredentials: async (s) => [...store].filter(([k]) => k.startsWith(`${s}/`)).map(([k, password]) => ({ account: k.slice(s.length + 1), password })),
  };
  let asked = false;
  const vault = await openVault({ loadKeytar: async () => keytar, electronSafeStorage: async () => { asked = true; throw new Error('unused'); } });
  assert.ok(vault instanceof KeychainVault);
  assert.equal(asked, false);
  await vault.set(9, 'access_token', 'a');
  assert.deepEqual([...store.keys()], ['Ledgerlink/connection:9:access_token']);
});
