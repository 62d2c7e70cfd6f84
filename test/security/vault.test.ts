// The credential vault as an unlucky user and a second company on the same computer meet it,
// against a real gnome-keyring on a private D-Bus session (test/helpers/keyring.ts):
//   1. a locked keyring with no display to ask for its password: libsecret crashes the process
//      that lists it; Ledgerlink keeps running, says what to unlock, works for everything that
//      needs no secret, and picks the keychain up again once it is unlocked;
//   3. two data folders, each with its own connection 1, never share or delete each other's
//      tokens; the secrets older versions filed without a ledger id move under their ledger;
//  10. Disconnect removes every secret of the connection or changes nothing, in an order a crash
//      or a keychain error can resume, and says what happened.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Core } from '../../main/core/index';
import { LEDGER_FILE_NAME } from '../../main/ledger/db';
import { ledgerId } from '../../main/ledger/identity';
import { KEYCHAIN_SERVICE, loadKeytarIsolated, openVault, type KeytarLike, type Vault } from '../../main/vault/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { usePrivateKeyring } from '../helpers/keyring';
import { FakeClock } from '../helpers/ledger';
import { ledgerIdOf } from '../helpers/ledger-vault';
import { NOW, cleanupAll, cli, cliJson, show, tempDir } from '../integration/helpers';

const keyring = usePrivateKeyring();
after(() => cleanupAll());

const env = () => {
  // No display: the keyring cannot show its password prompt, as on a server or over SSH.
  const e: Record<string, string | undefined> = { ...(keyring().env as Record<string, string>), DISPLAY: undefined, WAYLAND_DISPLAY: undefined };
  return e;
};

/**
 * keytar for the test's own reads and writes, in a child process like the app's: libsecret in
 * this process would keep talking to the daemon it met first, which unlock() replaces.
 */
async function withKeytar<T>(fn: (keytar: KeytarLike) => Promise<T>): Promise<T> {
  const keytar = await loadKeytarIsolated();
  try {
    return await fn(keytar);
  } finally {
    await keytar.close();
  }
}

/** Every Ledgerlink account name in the keyring. */
function accounts(): Promise<string[]> {
  return withKeytar(async (keytar) => (await keytar.findCredentials(KEYCHAIN_SERVICE)).map((c) => c.account).sort());
}

/** `demo --institution demo-oauth`: a connection whose access and refresh tokens are secrets. */
async function connectOauth(dir: string): Promise<void> {
  const r = await cli(['demo', '--institution', 'demo-oauth'], { dataDir: dir, env: env(), timeoutMs: 120_000 });
  assert.equal(r.code, 0, show(r));
}

/** Each test starts with the keyring unlocked, whatever the one before it left. */
async function unlocked(): Promise<void> {
  if (await keyring().isLocked()) await keyring().unlock();
}

interface Run { result: string; ended_at: string | null }
function runsAndLease(dir: string): { runs: Run[]; leases: (string | null)[]; states: string[] } {
  const db = new Database(join(dir, LEDGER_FILE_NAME), { readonly: true });
  try {
    return {
      runs: db.prepare('SELECT result, ended_at FROM sync_runs ORDER BY id').all() as Run[],
      leases: db.prepare('SELECT lease_owner FROM connections ORDER BY id').pluck().all() as (string | null)[],
      states: db.prepare('SELECT state FROM connections ORDER BY id').pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

test('1. a locked keyring: no crash, a clear message, everything that needs no secret works, and it is picked up once unlocked', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  await connectOauth(dir);
  const plain = tempDir();
  assert.equal((await cli(['demo'], { dataDir: plain, env: env(), timeoutMs: 120_000 })).code, 0);
  await keyring().lock();
  assert.equal(await keyring().isLocked(), true);

  // The hazard is real here: keytar asked in-process to list a locked keyring that holds
  // Ledgerlink's items crashes its process (this is what killed `ledgerlink sync` before).
  const keytarPath = createRequire(import.meta.url).resolve('keytar');
  const crash = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(keytarPath)}).findCredentials(${JSON.stringify(KEYCHAIN_SERVICE)}).then(() => process.exit(0), () => process.exit(3))`], {
      env: { ...process.env, ...keyring().env, DISPLAY: '' }, stdio: 'ignore',
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  assert.equal(crash.signal, 'SIGSEGV', `a locked keyring crashes an in-process keytar listing (got ${JSON.stringify(crash)}): without that this test proves nothing`);

  // The commands that crashed with exit 139 and no output now answer.
  const institutions = await cli(['institutions', 'bank'], { dataDir: dir, env: env() });
  assert.equal(institutions.code, 0, show(institutions));
  assert.match(institutions.stdout, /Demo Bank/);

  const keys = await cli(['settings', 'keys'], { dataDir: dir, env: env() });
  assert.equal(keys.code, 0, show(keys));
  assert.match(keys.stdout, /plaid\s+secret\s+-\s+keychain unavailable/, 'a secret whose place cannot be read is not called "not set"');

  const set = await cli(['settings', 'set', 'provider.plaid.secret', 'plaid-secret-while-locked'], { dataDir: dir, env: env() });
  assert.equal(set.code, 1, show(set));
  assert.match(set.stderr, /is locked/);
  assert.match(set.stderr, /Unlock your "login" keyring/, 'says what to unlock');
  assert.doesNotMatch(set.stdout + set.stderr, /plaid-secret-while-locked/);

  // A sync that needs the connection's tokens fails with the reason, finishes its run and
  // gives its lease back; one that needs no secret goes through.
  const sync = await cli(['sync'], { dataDir: dir, env: env() });
  assert.equal(sync.code, 1, show(sync));
  assert.match(sync.stdout, /FAILED/);
  assert.match(sync.stdout, /is locked[^\n]*Unlock your "login" keyring[^\n]*Nothing was lost/, 'the sync says it is the keychain, and what to unlock');
  assert.doesNotMatch(sync.stdout, /send the reference to support/, 'not a generic failure');
  const after = runsAndLease(dir);
  assert.deepEqual(after.runs.filter((r) => r.result === 'running'), [], 'no run is left running');
  assert.deepEqual(after.leases, [null], 'no lease is left held');
  const plainSync = await cli(['sync'], { dataDir: plain, env: env() });
  assert.equal(plainSync.code, 0, show(plainSync));
  for (const cmd of [['journals'], ['connections'], ['check']]) {
    const r = await cli(cmd, { dataDir: dir, env: env() });
    assert.equal(r.code, 0, `${cmd.join(' ')}: ${show(r)}`);
  }

  // `serve`: the host starts and serves the page.
  await whileRunning(dir, ['serve', '--port', '0'], /running at (http:\/\/127\.0\.0\.1:\d+)\//, async (m) => {
    assert.equal((await fetch(`${m[1]}/`)).status, 200);
  });
  // `run`: the scheduler's due synchronization reports the locked keychain and keeps going.
  const ran = await whileRunning(dir, ['run'], /\[error\][^\n]*locked[^\n]*\n/, async () => undefined, new Date(Date.parse(NOW) + 86_400_000).toISOString());
  assert.match(ran, /scheduler running/);

  // In one long-running core (the app): locked, then unlocked without a restart.
  const clock = FakeClock.at(NOW);
  const core = new Core({ dataDir: dir, now: clock.now });
  try {
    const refused = await core.api.setSetting({ key: 'provider.plaid.secret', value: 'plaid-secret-1' });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'no_vault');
    const listed = await core.api.listProviderKeys({});
    assert.equal(listed.ok && listed.value.find((k) => k.provider === 'plaid' && k.key === 'secret')?.source, 'unavailable');
    await keyring().unlock();
    const stored = await core.api.setSetting({ key: 'provider.plaid.secret', value: 'plaid-secret-1' });
    assert.equal(stored.ok, true, JSON.stringify(stored));
    const again = await core.api.synchronize({});
    assert.equal(again.ok && again.value.every((s) => s.ok), true, JSON.stringify(again));
  } finally {
    await core.close();
  }
  assert.ok((await accounts()).includes(`ledger:${ledgerIdOf(dir)}:app:provider.plaid.secret`));
});

/**
 * Starts a long-running command (`serve`, `run`) on the folder, waits until its output matches
 * `ready`, runs `whileUp` with that output, then stops it with SIGINT; resolves with all it
 * printed once it has exited 0.
 */
function whileRunning(dir: string, args: string[], ready: RegExp, whileUp: (m: RegExpExecArray) => Promise<void>, now = NOW): Promise<string> {
  return new Promise((resolve, reject) => {
    const e = { ...process.env, ...env(), LEDGERLINK_NOW: now, TZ: 'UTC' } as Record<string, string | undefined>;
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'ledgerlink.mjs'), '--data-dir', dir, ...args], { env: e as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let seen = false;
    const look = async (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (!m || seen) return;
      seen = true;
      try {
        await whileUp(m);
      } catch (e2) {
        reject(e2 as Error);
      }
      child.kill('SIGINT');
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code, signal) => {
      if (code === 0 && seen) resolve(out);
      else reject(new Error(`ledgerlink ${args.join(' ')} ended with ${code ?? signal}\n${out}`));
    });
  });
}

test('3. two data folders, each with a connection 1: their tokens are filed apart and a disconnect in one leaves the other working', { timeout: 600_000 }, async () => {
  await unlocked();
  const a = tempDir();
  const b = tempDir();
  await connectOauth(a);
  await connectOauth(b);
  const idA = ledgerIdOf(a);
  const idB = ledgerIdOf(b);
  assert.notEqual(idA, idB, 'each ledger has its own id');
  const names = await accounts();
  for (const id of [idA, idB]) {
    assert.ok(names.includes(`ledger:${id}:connection:1:refresh_token`), `${id} holds its own refresh token: ${names.join(', ')}`);
  }
  assert.deepEqual(names.filter((n) => n.startsWith('connection:') || n.startsWith('app:')), [], 'nothing is filed without a ledger');

  const disconnected = await cli(['disconnect', '1'], { dataDir: a, env: env() });
  assert.equal(disconnected.code, 0, show(disconnected));
  const left = await accounts();
  assert.deepEqual(left.filter((n) => n.startsWith(`ledger:${idA}:connection:1:`)), [], 'A\'s tokens are gone');
  assert.ok(left.includes(`ledger:${idB}:connection:1:refresh_token`), 'B\'s tokens are still there');
  const syncB = await cli(['sync', '1'], { dataDir: b, env: env(), now: new Date(Date.parse(NOW) + 3_600_000).toISOString() });
  assert.equal(syncB.code, 0, `B still synchronizes (its refresh token rotates): ${show(syncB)}`);
});

test('3. secrets filed by older versions without a ledger id move under the ledger that was using them, never under a new one', { timeout: 600_000 }, async () => {
  await unlocked();
  const old = tempDir();
  await connectOauth(old);
  const id = ledgerIdOf(old);
  // Put the folder back as an older version left it: tokens as `connection:1:<name>`, not moved yet.
  await withKeytar(async (keytar) => {
    const mine = (await keytar.findCredentials(KEYCHAIN_SERVICE)).filter((c) => c.account.startsWith(`ledger:${id}:`));
    assert.ok(mine.length >= 2);
    for (const c of mine) {
      await keytar.setPassword(KEYCHAIN_SERVICE, c.account.slice(`ledger:${id}:`.length), c.password);
      await keytar.deletePassword(KEYCHAIN_SERVICE, c.account);
    }
    await keytar.setPassword(KEYCHAIN_SERVICE, 'app:provider.plaid.secret', 'plaid-secret-of-the-old-version');
  });
  const db = new Database(join(old, LEDGER_FILE_NAME));
  db.prepare('UPDATE ledger_identity SET legacy_secrets_moved_at = NULL').run();
  db.close();

  // A new data folder opened first takes none of them.
  const fresh = tempDir();
  const newcomer = await cli(['settings', 'set', 'provider.gocardless.secret_key', 'gc-key-of-the-new-folder'], { dataDir: fresh, env: env() });
  assert.equal(newcomer.code, 0, show(newcomer));
  assert.ok((await accounts()).includes('connection:1:refresh_token'), 'the new folder left the old tokens alone');

  // The folder that used them synchronizes with them, now filed under its id.
  const sync = await cli(['sync', '1'], { dataDir: old, env: env(), now: new Date(Date.parse(NOW) + 3_600_000).toISOString() });
  assert.equal(sync.code, 0, show(sync));
  const names = await accounts();
  assert.deepEqual(names.filter((n) => n.startsWith('connection:') || n.startsWith('app:')), [], `no old entry is left: ${names.join(', ')}`);
  assert.ok(names.includes(`ledger:${id}:connection:1:refresh_token`));
  await withKeytar(async (keytar) => {
    assert.equal(await keytar.getPassword(KEYCHAIN_SERVICE, `ledger:${id}:app:provider.plaid.secret`), 'plaid-secret-of-the-old-version');
    assert.equal(await keytar.getPassword(KEYCHAIN_SERVICE, `ledger:${ledgerIdOf(fresh)}:app:provider.plaid.secret`), null);
  });
});

test('10. with the keychain locked, Disconnect changes nothing, at the bank or in the ledger, and says what to unlock', { timeout: 600_000 }, async () => {
  await unlocked();
  const dir = tempDir();
  await connectOauth(dir);
  const id = ledgerIdOf(dir);
  await keyring().lock();
  const r = await cli(['disconnect', '1'], { dataDir: dir, env: env() });
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /locked/);
  assert.match(r.stderr, /Unlock/);
  assert.doesNotMatch(r.stderr, /No such secret item/);
  const [connection] = await cliJson<{ state: string }>(['connections'], { dataDir: dir, env: env() });
  assert.equal(connection!.state, 'connected', 'still connected: nothing was revoked or deleted');

  await keyring().unlock();
  const names = await accounts();
  assert.ok(names.includes(`ledger:${id}:connection:1:refresh_token`), 'its tokens are all still there');
  const sync = await cli(['sync', '1'], { dataDir: dir, env: env() });
  assert.equal(sync.code, 0, `the bank did not revoke it either: ${show(sync)}`);
});

test('10. a keychain error half-way: the connection is disconnected, the user is told, and the tokens left go the next time the keychain opens', { timeout: 600_000 }, async () => {
  await unlocked();
  const dir = tempDir();
  const clock = FakeClock.at(NOW);
  // The real keychain, whose deletes start failing once Disconnect has removed one secret (a
  // keyring locked mid-way): until `armed`, it is the plain keychain.
  let armed = false;
  let deletes = 0;
  const flaky = async (scope: string): Promise<Vault> => {
    const real = await openVault({ scope });
    return {
      get: (o, n) => real.get(o, n),
      set: (o, n, v) => real.set(o, n, v),
      list: (o) => real.list(o),
      delete: async (o, n) => {
        if (armed && ++deletes > 1) throw new Error('Cannot delete an item in a locked collection');
        await real.delete(o, n);
      },
      legacy: () => real.legacy!(),
      close: () => real.close!(),
    };
  };
  let core = new Core({ dataDir: dir, now: clock.now, vault: flaky });
  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
    if (!r.ok) assert.fail(r.error.message);
    return r.value;
  };
  try {
    const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: 'demo-oauth' }));
    const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 60_000 });
    await fetch(await completeConsentHeadlessly(started.consent_url));
    const { connection } = ok(await finishing);
    const id = ledgerId(core.db);
    assert.ok((await accounts()).some((n) => n.startsWith(`ledger:${id}:connection:${connection.id}:`)));

    armed = true;
    const r = await core.api.disconnect({ connection_id: connection.id });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /disconnected, but its tokens could not be removed from the OS keychain \(Cannot delete an item in a locked collection\)/);
    assert.equal(ok(await core.api.listConnections({}))[0]!.state, 'disconnected', 'the bank was told and nothing synchronizes it any more');
    const chatter = ok(await core.api.listChatter({ connection_id: connection.id }));
    assert.ok(chatter.some((c) => c.level === 'warning' && /tokens could not be removed/.test(c.text)), 'the chatter says so too');
    assert.ok((await accounts()).some((n) => n.startsWith(`ledger:${id}:connection:${connection.id}:`)), 'some tokens are still in the keychain');
  } finally {
    await core.close();
  }

  // The next start opens the keychain (a working one) and finishes the job.
  core = new Core({ dataDir: dir, now: clock.now });
  try {
    ok(await core.api.listProviderKeys({}));
    const id = ledgerId(core.db);
    assert.deepEqual((await accounts()).filter((n) => n.startsWith(`ledger:${id}:connection:`)), [], 'no token of the disconnected connection is left');
  } finally {
    await core.close();
  }
});
