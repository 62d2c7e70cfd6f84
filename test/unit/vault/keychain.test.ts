// The keytar vault against a real gnome-keyring on a private D-Bus session (test/helpers/keyring.ts),
// and openVault's choice between that keychain and a clear refusal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEYCHAIN_SERVICE, KeychainVault, loadKeytar, openVault, readSecret, rotateSecret } from '../../../main/vault/index';
import { startPrivateKeyring, type PrivateKeyring } from '../../helpers/keyring';
import { tempDir } from '../../helpers/ledger';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

let keyring: PrivateKeyring;
let vault: KeychainVault;

before(async () => {
  keyring = await startPrivateKeyring(); // throws with the apt-get line when something is missing
  vault = new KeychainVault(await loadKeytar());
});

after(async () => {
  await keyring?.stop();
});

const REFRESH = 'rt_€ünïcødé_密钥_🔑_' + 'Zk9dQ2vX7pLm4TnB8sY1wR6uE3oA5iC0hG';
const JWT = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'user', scope: 'x'.repeat(6000) })).toString('base64url')}.sig`;

/** Reads one keychain entry from another process on the same private bus. */
async function readFromAnotherProcess(account: string): Promise<string | null> {
  const { stdout } = await run(process.execPath, [
    '-e', `require('keytar').getPassword(${JSON.stringify(KEYCHAIN_SERVICE)}, process.argv[1]).then((v) => process.stdout.write(JSON.stringify(v)))`, account,
  ], { cwd: ROOT, env: keyring.env });
  return JSON.parse(stdout) as string | null;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test("a connection's secrets round-trip: set, get, list, delete", async () => {
  await vault.set(7, 'refresh_token', REFRESH);
  await vault.set(7, 'access_token', JWT);
  assert.equal(await vault.get(7, 'refresh_token'), REFRESH);
  assert.equal(await vault.get(7, 'access_token'), JWT, `a ${JWT.length}-character token comes back whole`);
  assert.deepEqual(await vault.list(7), ['access_token', 'refresh_token']);

  await vault.set(7, 'refresh_token', 'replaced');
  assert.equal(await vault.get(7, 'refresh_token'), 'replaced');

  await vault.delete(7, 'refresh_token');
  await vault.delete(7, 'refresh_token'); // deleting what is gone is fine
  assert.equal(await vault.get(7, 'refresh_token'), undefined);
  assert.deepEqual(await vault.list(7), ['access_token']);
  await vault.delete(7, 'access_token');
  assert.deepEqual(await vault.list(7), []);
});

test('they really are in the keyring, filed under service "Ledgerlink" and the owner\'s account name', async () => {
  await vault.set(21, 'refresh_token', REFRESH);
  await vault.set('app', 'phone', '+32470123456');
  assert.equal(await readFromAnotherProcess('connection:21:refresh_token'), REFRESH);
  assert.equal(await readFromAnotherProcess('app:phone'), '+32470123456');

  // The private keyring's file is where gnome-keyring keeps them: encrypted, not in plain text.
  const files = filesUnder(join(keyring.dataHome, 'keyrings'));
  assert.ok(files.some((f) => f.endsWith('login.keyring')), `the private login keyring exists (${files.join(', ')})`);
  for (const f of files) assert.equal(readFileSync(f).includes(Buffer.from(REFRESH)), false, `${f} holds the token in plain text`);
  await vault.delete(21, 'refresh_token');
  await vault.delete('app', 'phone');
});

test('two connections and the app are kept apart; list returns only the owner\'s names', async () => {
  await vault.set(1, 'refresh_token', 'one');
  await vault.set(12, 'refresh_token', 'twelve');
  await vault.set(12, 'setup_token', 'twelve-setup');
  await vault.set('app', 'refresh_token', 'app-level');
  await vault.set('app', 'ponto_client_secret', 'client-secret');

  assert.equal(await vault.get(1, 'refresh_token'), 'one');
  assert.equal(await vault.get(12, 'refresh_token'), 'twelve');
  assert.equal(await vault.get('app', 'refresh_token'), 'app-level');
  assert.deepEqual(await vault.list(1), ['refresh_token'], 'connection 1 does not see connection 12');
  assert.deepEqual(await vault.list(12), ['refresh_token', 'setup_token']);
  assert.deepEqual(await vault.list('app'), ['ponto_client_secret', 'refresh_token']);
  assert.deepEqual(await vault.list(2), []);

  await vault.delete(12, 'refresh_token');
  assert.equal(await vault.get(1, 'refresh_token'), 'one', "deleting connection 12's token leaves connection 1's");
  assert.equal(await vault.get('app', 'refresh_token'), 'app-level');
  for (const [owner, name] of [[1, 'refresh_token'], [12, 'setup_token'], ['app', 'refresh_token'], ['app', 'ponto_client_secret']] as const) {
    await vault.delete(owner, name);
  }
});

test('owners and names are checked before anything reaches the keychain', async () => {
  await assert.rejects(vault.set(0, 'refresh_token', 'x'), TypeError);
  await assert.rejects(vault.set(1.5, 'refresh_token', 'x'), TypeError);
  await assert.rejects(vault.get(3, ''), TypeError);
  assert.deepEqual(await vault.list(3), []);
});

test('a rotated refresh token is stored through the keychain and read back', async () => {
  await rotateSecret(vault, 5, 'refresh_token', 'rt-1');
  await rotateSecret(vault, 5, 'refresh_token', 'rt-2');
  assert.equal(await readSecret(vault, 5, 'refresh_token'), 'rt-2');
  assert.deepEqual(await vault.list(5), ['refresh_token'], 'no pending .next entry left');
  await vault.delete(5, 'refresh_token');
});

test('openVault picks the OS keychain when the Secret Service answers', async () => {
  let safeStorageAsked = false;
  const opened = await openVault({ electronSafeStorage: async () => { safeStorageAsked = true; throw new Error('not wanted'); } });
  assert.ok(opened instanceof KeychainVault, `got ${opened.constructor.name}`);
  assert.equal(safeStorageAsked, false, 'safeStorage is only the fallback');
  await opened.set('app', 'phone', '+32470999999');
  assert.equal(await readFromAnotherProcess('app:phone'), '+32470999999');
  await opened.delete('app', 'phone');
});

test('with no Secret Service, openVault refuses with what to install and writes nothing anywhere', async (t) => {
  const tmp = tempDir('ledgerlink-nokeychain-');
  t.after(tmp.cleanup);
  const home = join(tmp.dir, 'home');
  for (const d of ['', '.config', '.local/share', '.cache', 'run']) mkdirSync(join(home, d), { recursive: true, mode: 0o700 });
  const secret = 'phone-+32470555555-must-not-land-on-disk';
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'open-vault-child.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(tmp.dir, 'no-bus-here')}`,
      LEDGERLINK_TEST_SECRET: secret,
    },
  });
  const outcome = JSON.parse(stdout) as { ok: boolean; isVaultUnavailable?: boolean; reason?: string; message: string; backend?: string };
  assert.equal(outcome.ok, false, `the vault opened (${outcome.backend}) with no keychain`);
  assert.equal(outcome.isVaultUnavailable, true, outcome.message);
  assert.equal(outcome.reason, 'keychain-unavailable');
  assert.match(outcome.message, /Install gnome-keyring \(or another Secret Service such as KeePassXC\) and libsecret, and make sure it is unlocked in your session/);
  assert.match(outcome.message, /never keeps them in plain text/);

  const written = filesUnder(tmp.dir);
  for (const f of written) assert.equal(readFileSync(f).includes(Buffer.from(secret)), false, `${f} holds the secret`);
  assert.deepEqual(written, [], 'nothing was written in the home folder');
  assert.ok(statSync(home).isDirectory());
});
