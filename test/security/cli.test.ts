// Issue 9 through the real command line in child processes: PEM keys set without ever being
// printed (point 5), a killed process's lease taken over by `sync --due` at once (point 11),
// and exit codes and keychain states a user can rely on (point 14).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Core } from '../../main/core/index';
import { usePrivateKeyring } from '../helpers/keyring';
import { NOW, cleanupAll, cli, daysAfter, show, tempDir, type CliResult } from '../integration/helpers';

const keyring = usePrivateKeyring();
after(cleanupAll);

const KEY = 'provider.saltedge.private_key';

function newPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd();
}

/** No line of the key, and no 20-character piece of its body, in what the CLI printed. */
function assertNotPrinted(r: CliResult, pem: string, what: string): void {
  const printed = r.stdout + r.stderr;
  for (const line of pem.split('\n')) assert.equal(printed.includes(line), false, `${what}: a line of the key was printed: ${line.slice(0, 30)}`);
  const body = pem.split('\n').slice(1, -1).join('');
  for (let i = 0; i + 20 <= body.length; i += 10) assert.equal(printed.includes(body.slice(i, i + 20)), false, `${what}: part of the key was printed`);
}

/** The value the CLI stored, read back through the core's own vault on that data folder. */
async function storedKey(dataDir: string): Promise<string | undefined> {
  const core = new Core({ dataDir });
  try {
    return await (await core.vault()).get('app', KEY);
  } finally {
    await core.close();
  }
}

test('a PEM private key is set from a file, from stdin and after --, lands in the keychain and is never printed', async () => {
  const dir = tempDir();
  const env = keyring().env as Record<string, string>;
  const ways: { what: string; pem: string; run: (pem: string) => Promise<CliResult> }[] = [
    {
      what: '--from-file FILE', pem: newPem(), run: (pem) => {
        const file = join(tempDir(), 'saltedge.pem');
        writeFileSync(file, `${pem}\n`, { mode: 0o600 });
        return cli(['settings', 'set', KEY, '--from-file', file], { dataDir: dir, env });
      },
    },
    { what: '--from-file - (stdin)', pem: newPem(), run: (pem) => cli(['settings', 'set', KEY, '--from-file', '-'], { dataDir: dir, env, input: `${pem}\n` }) },
    { what: '-- VALUE', pem: newPem(), run: (pem) => cli(['settings', 'set', KEY, '--', pem], { dataDir: dir, env }) },
  ];
  for (const way of ways) {
    const r = await way.run(way.pem);
    assert.equal(r.code, 0, `${way.what}: ${show(r)}`);
    assert.match(r.stdout, /provider\.saltedge\.private_key = ••••••••/, `${way.what}: echoed masked`);
    assertNotPrinted(r, way.pem, way.what);
    assert.equal(await storedKey(dir), way.pem, `${way.what}: the whole key is in the keychain`);
  }
  const keys = await cli(['settings', 'keys'], { dataDir: dir, env });
  assert.match(keys.stdout, /saltedge\s+private_key\s+••••••••\s+keychain/);
  assertNotPrinted(keys, ways[2]!.pem, 'settings keys');
});

test('a PEM key given without -- is a usage error that does not show the key; values are never echoed whole', async () => {
  const dir = tempDir();
  const env = keyring().env as Record<string, string>;
  const pem = newPem();
  const r = await cli(['settings', 'set', KEY, pem], { dataDir: dir, env });
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, /^ledgerlink: unknown option .*--/, 'it says how to give such a value');
  assertNotPrinted(r, pem, 'without --');
  assert.equal(await storedKey(dir), undefined, 'nothing was stored');

  // An unknown option is named by its name only; a value the core quotes is cut short.
  const token = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
  const option = await cli(['settings', 'set', 'lock_date', `--token=${token}`], { dataDir: dir, env });
  assert.equal(option.code, 2, show(option));
  assert.match(option.stderr, /unknown option --token\b/);
  assert.equal(option.stderr.includes(token.slice(0, 12)), false, 'the value of an unknown option is not shown');
  const zone = `Europe/${'Nowhere'.repeat(6)}`;
  const badZone = await cli(['settings', 'set', 'timezone', zone], { dataDir: dir, env });
  assert.equal(badZone.code, 2, show(badZone));
  assert.equal(badZone.stderr.includes(zone.slice(0, 21)), false, `at most 20 characters of an argument: ${badZone.stderr}`);
  const secret = await cli(['settings', 'set', 'timezone', '--', pem], { dataDir: dir, env });
  assert.equal(secret.code, 2, show(secret));
  assertNotPrinted(secret, pem, 'a key given to the wrong setting');
  const missing = await cli(['settings', 'set', KEY, '--from-file', join(dir, 'no-such.pem')], { dataDir: dir, env });
  assert.equal(missing.code, 2, show(missing));
  assert.match(missing.stderr, /cannot read the file given to --from-file \(ENOENT\)/);
});

test('sync --due takes over at once the lease of a process that was killed mid-sync', async () => {
  const dir = tempDir();
  const demo = await cli(['demo'], { dataDir: dir });
  assert.equal(demo.code, 0, show(demo));
  // A process of this computer holding the lease, killed with SIGKILL: it can never release it.
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  await new Promise((r) => holder.once('spawn', r));
  const later = daysAfter(NOW, 1); // past the next scheduled synchronization (12 hours)
  const db = new Database(join(dir, 'ledger.sqlite'));
  try {
    db.prepare('UPDATE connections SET lease_owner = ?, lease_until = ?')
      .run(`${hostname()}:${holder.pid}:killed`, new Date(Date.parse(later) + 10 * 60_000).toISOString());
  } finally {
    db.close();
  }
  const exited = new Promise((r) => holder.once('exit', r));
  holder.kill('SIGKILL');
  await exited;

  const r = await cli(['sync', '--due'], { dataDir: dir, now: later });
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Connection 1: synchronized/, `the connection was taken over and synchronized: ${show(r)}`);
  const check = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
  try {
    assert.deepEqual(check.prepare('SELECT lease_owner, lease_until FROM connections').get(), { lease_owner: null, lease_until: null }, 'the lease is released');
  } finally {
    check.close();
  }
});

test('bad arguments exit 2: an invalid phone, an unknown provider for connect and for institutions', async () => {
  const dir = tempDir();
  const phone = await cli(['demo', '--phone', 'not-a-phone'], { dataDir: dir });
  assert.equal(phone.code, 2, show(phone));
  assert.match(phone.stderr, /not a phone number/);
  const connect = await cli(['connect', '--provider', 'nope', '--institution', 'x'], { dataDir: dir });
  assert.equal(connect.code, 2, show(connect));
  assert.match(connect.stderr, /no provider named "nope".*plaid/);
  const institutions = await cli(['institutions', '--provider', 'nope'], { dataDir: dir });
  assert.equal(institutions.code, 2, show(institutions));
  assert.equal(institutions.stdout, '');
  for (const name of ['demo', 'plaid', 'saltedge', 'ponto', 'enablebanking', 'yodlee', 'gocardless', 'simplefin']) {
    assert.match(institutions.stderr, new RegExp(`\\b${name}\\b`), `the providers are listed: ${institutions.stderr}`);
  }
});

test('with no keychain, settings keys says the keychain is unavailable instead of "not set" for secrets', async () => {
  const dir = tempDir();
  const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', DISPLAY: undefined, WAYLAND_DISPLAY: undefined, PLAID_SECRET: undefined, PLAID_CLIENT_ID: undefined };
  const r = await cli(['settings', 'keys'], { dataDir: dir, env });
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /plaid\s+secret\s+-\s+keychain unavailable/);
  assert.match(r.stdout, /saltedge\s+private_key\s+-\s+keychain unavailable/);
  assert.match(r.stdout, /plaid\s+client_id\s+-\s+not set/, 'a key kept in the ledger is known to be unset');
  const json = await cli(['--json', 'settings', 'keys'], { dataDir: dir, env });
  const rows = JSON.parse(json.stdout) as { provider: string; key: string; secret: boolean; source: string | null }[];
  for (const k of rows) assert.equal(k.source, k.secret ? 'unavailable' : null, `${k.provider}.${k.key}`);
});
