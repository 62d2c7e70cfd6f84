// The Electron safeStorage vault, with a fake safeStorage that really encrypts (AES-256-GCM):
// round trip, file permissions, no plaintext on disk, refusal of fake encryption, crash safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SafeStorageFileError,
  SafeStorageUnavailableError,
  SafeStorageVault,
} from '../../../main/electron/safe-storage-vault';
import { tempDir } from '../../helpers/ledger';
import { FakeSafeStorage } from './fake-safe-storage';

const REFRESH = 'ponto-rt-Zk9dQ2vX7pLm4TnB8sY1wR6uE3oA5iC0hG-€ünïcødé-🔑';
const LONG = `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(9000)}.sig`;

function setup(t: { after: (fn: () => void) => void }, storage = new FakeSafeStorage()) {
  const tmp = tempDir('ledgerlink-safestorage-');
  t.after(tmp.cleanup);
  const file = join(tmp.dir, 'profile', 'secrets.safestorage');
  return { storage, file, dir: tmp.dir, vault: new SafeStorageVault(storage, file, 'linux') };
}

test('secrets round-trip per owner and survive a restart', async (t) => {
  const { storage, file, vault } = setup(t);
  await vault.set(3, 'refresh_token', REFRESH);
  await vault.set(3, 'access_token', LONG);
  await vault.set(12, 'refresh_token', 'other-connection');
  await vault.set('app', 'phone', '+32470123456');

  assert.equal(await vault.get(3, 'refresh_token'), REFRESH);
  assert.equal(await vault.get(3, 'access_token'), LONG);
  assert.equal(await vault.get(12, 'refresh_token'), 'other-connection');
  assert.deepEqual(await vault.list(3), ['access_token', 'refresh_token']);
  assert.deepEqual(await vault.list(1), [], 'connection 1 does not see connection 12');
  assert.deepEqual(await vault.list('app'), ['phone']);

  // A new process (new instance, same keyring key) reads the same secrets back.
  const reopened = new SafeStorageVault(new FakeSafeStorage(storage.key), file, 'linux');
  assert.equal(await reopened.get(3, 'refresh_token'), REFRESH);
  assert.equal(await reopened.get('app', 'phone'), '+32470123456');

  await reopened.delete(3, 'refresh_token');
  await reopened.delete(3, 'never-there');
  assert.equal(await vault.get(3, 'refresh_token'), undefined);
  assert.deepEqual(await vault.list(3), ['access_token']);
  assert.equal(await vault.get(12, 'refresh_token'), 'other-connection');
});

test('concurrent writes are all kept (no lost update)', async (t) => {
  const { vault } = setup(t);
  await Promise.all(Array.from({ length: 20 }, (_, i) => vault.set(i + 1, 'token', `value-${i}`)));
  for (let i = 0; i < 20; i++) assert.equal(await vault.get(i + 1, 'token'), `value-${i}`);
});

test('the file is mode 0600 in a 0700 folder, whatever the umask or an earlier mode', { skip: process.platform === 'win32' && 'POSIX modes' }, async (t) => {
  const { file, vault } = setup(t);
  const umask = process.umask(0);
  try {
    await vault.set(1, 'refresh_token', REFRESH);
  } finally {
    process.umask(umask);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);

  chmodSync(file, 0o644); // someone loosened it
  await vault.set(1, 'access_token', LONG);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('no secret, name or owner is readable in the file', async (t) => {
  const { file, dir, vault } = setup(t);
  await vault.set(7, 'refresh_token', REFRESH);
  await vault.set('app', 'ponto_client_secret', 'client-secret-4242');
  const bytes = readFileSync(file);
  for (const needle of [REFRESH, 'client-secret-4242', 'refresh_token', 'ponto_client_secret', 'connection:7']) {
    assert.equal(bytes.includes(Buffer.from(needle, 'utf8')), false, `${needle} in plain text`);
    assert.equal(bytes.includes(Buffer.from(Buffer.from(needle, 'utf8').toString('base64').slice(0, 16))), false, `${needle} in base64`);
  }
  // And no temp file or other copy stays behind.
  assert.deepEqual(readdirSync(join(dir, 'profile')), ['secrets.safestorage']);
});

test('a file encrypted under another key is refused and left untouched', async (t) => {
  const { file, vault } = setup(t);
  await vault.set(7, 'refresh_token', REFRESH);
  const before = readFileSync(file);

  const otherKeyring = new SafeStorageVault(new FakeSafeStorage(), file, 'linux');
  await assert.rejects(otherKeyring.get(7, 'refresh_token'), (e: unknown) => e instanceof SafeStorageFileError && /cannot be decrypted/.test(e.message));
  await assert.rejects(otherKeyring.set(8, 'refresh_token', 'new'), SafeStorageFileError);
  assert.deepEqual(readFileSync(file), before, 'never overwrite secrets it cannot read');
  assert.equal(await vault.get(7, 'refresh_token'), REFRESH);
});

test("refuses Linux's basic_text backend: nothing is written", async (t) => {
  const { storage, file, vault } = setup(t);
  storage.backend = 'basic_text';
  await assert.rejects(vault.set('app', 'phone', '+32470123456'), (e: unknown) =>
    e instanceof SafeStorageUnavailableError && /basic_text/.test(e.message) && /hard-coded/.test(e.message) && /Install gnome-keyring/.test(e.message));
  await assert.rejects(vault.get('app', 'phone'), SafeStorageUnavailableError);
  await assert.rejects(vault.list('app'), SafeStorageUnavailableError);
  assert.equal(existsSync(file), false);
  assert.equal(storage.encryptCalls, 0);
  assert.throws(() => vault.assertUsable(), SafeStorageUnavailableError);
});

test('refuses when encryption is unavailable, or asked before the app is ready', async (t) => {
  const { storage, file, vault } = setup(t);
  storage.available = false;
  await assert.rejects(vault.set(1, 'refresh_token', REFRESH), (e: unknown) =>
    e instanceof SafeStorageUnavailableError && /cannot encrypt/.test(e.message) && /gnome-keyring/.test(e.message));
  assert.equal(existsSync(file), false);

  const mac = new SafeStorageVault(storage, file, 'darwin');
  await assert.rejects(mac.set(1, 'refresh_token', REFRESH), (e: unknown) =>
    e instanceof SafeStorageUnavailableError && /system keychain should be present/.test(e.message));

  storage.available = true;
  storage.backend = 'unknown';
  await assert.rejects(vault.set(1, 'refresh_token', REFRESH), /before the app's 'ready' event/);
  assert.equal(existsSync(file), false);
});

test('a failed write keeps the previous secrets', async (t) => {
  const { storage, file, vault } = setup(t);
  await vault.set(1, 'refresh_token', 'old-token');
  const before = readFileSync(file);
  storage.failEncrypt = true;
  await assert.rejects(vault.set(1, 'refresh_token', 'new-token'), /encrypting/);
  storage.failEncrypt = false;
  assert.deepEqual(readFileSync(file), before);
  assert.equal(await vault.get(1, 'refresh_token'), 'old-token');
});

test('a torn write (temp file left by a crash) keeps the previous content and is cleaned up', async (t) => {
  const { storage, file, vault } = setup(t);
  await vault.set(1, 'refresh_token', 'token-A');
  await vault.set('app', 'phone', '+32470123456');
  // What a crash before the rename leaves: half of a newer file under a temp name.
  const full = Buffer.concat([Buffer.from('LEDGERLINK-SAFESTORAGE-1\n'), storage.encryptString(JSON.stringify({ 'connection:1': { refresh_token: 'token-B' } }))]);
  const stale = join(file, '..', '.secrets.safestorage.99999.0a1b2c3d4e5f.tmp');
  writeFileSync(stale, full.subarray(0, Math.floor(full.length / 2)), { mode: 0o600 });

  const restarted = new SafeStorageVault(new FakeSafeStorage(storage.key), file, 'linux');
  assert.equal(await restarted.get(1, 'refresh_token'), 'token-A');
  assert.equal(await restarted.get('app', 'phone'), '+32470123456');
  await restarted.set(1, 'refresh_token', 'token-C');
  assert.equal(existsSync(stale), false, 'the leftover temp file is removed');
  assert.equal(await restarted.get(1, 'refresh_token'), 'token-C');
  assert.equal(await restarted.get('app', 'phone'), '+32470123456');
});

test('kill -9 while writing never leaves a broken or mixed file', async (t) => {
  const { storage, file } = setup(t);
  const writer = join(import.meta.dirname, 'fixtures', 'safe-storage-writer.ts');
  let lastCounter = 0;
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, storage.key.toString('hex')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`writer exited (${code}) before writing: ${stderr}`)));
    });
    await sleep(20 + round * 40);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const vault = new SafeStorageVault(new FakeSafeStorage(storage.key), file, 'linux');
    const counter = Number(await vault.get('app', 'counter'));
    assert.ok(counter > lastCounter, `round ${round}: the writer made progress (${lastCounter} -> ${counter})`);
    lastCounter = counter;
    for (let c = 1; c <= 7; c++) {
      const token = await vault.get(c, 'refresh_token');
      if (token === undefined) continue;
      const n = Number(token.slice(0, token.indexOf(':')));
      assert.equal(token, `${n}:${String(n).repeat(2000)}`, 'a complete value');
      assert.ok(n <= counter, 'never newer than the counter written before it');
    }
  }
});
