// The connection lifecycle and the scheduler from the command line, as someone running
// Ledgerlink on a small server would use them: real child processes, the real keychain (a
// private gnome-keyring), the Demo Bank's consent pages over loopback HTTP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { ledgerVault } from '../helpers/ledger-vault';
import { usePrivateKeyring } from '../helpers/keyring';
import { CLI, NOW, ROOT, cleanupAll, cli, daysAfter, tempDir, type CliResult } from './helpers';

const keyring = usePrivateKeyring();
after(() => cleanupAll());

const PHONE = '+32470123456';

function env(now = NOW): NodeJS.ProcessEnv {
  return { ...process.env, ...keyring().env, TZ: 'UTC', LEDGERLINK_NOW: now };
}

/** Runs a command that prints a consent page, completes it like a user would, and waits. */
function withConsent(dataDir: string, args: string[], o: { now?: string; password?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { cwd: ROOT, env: env(o.now), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let driven = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /Open this page to give your consent at the bank:\s+(\S+)/.exec(stdout);
      if (m && !driven) {
        driven = true;
        completeConsentHeadlessly(m[1]!).then((redirect) => fetch(redirect)).catch(reject);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const run = (dataDir: string, args: string[], now = NOW) => cli(args, { dataDir, now, env: keyring().env as Record<string, string> });
function ledger(dataDir: string) {
  return new Database(join(dataDir, 'ledger.sqlite'), { readonly: true });
}

test('connect, fetch-accounts, disconnect and reconnect from the command line', async () => {
  const dir = tempDir();
  const connected = await withConsent(dir, ['connect', '--provider', 'demo', '--institution', 'demo-oauth', '--phone', PHONE]);
  assert.equal(connected.code, 0, connected.stderr);
  assert.match(connected.stdout, /Connected Demo Bank Connect \(connection 1\) and synchronized 1 account/);
  const vault = await ledgerVault(dir);
  assert.ok(await vault.get(1, 'refresh_token'), 'the bank\'s token is in the keychain');

  const accounts = await run(dir, ['fetch-accounts', '1']);
  assert.equal(accounts.code, 0, accounts.stderr);
  assert.match(accounts.stdout, /0 new account\(s\) linked/);

  const gone = await run(dir, ['disconnect', '1']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.match(gone.stdout, /disconnected\. The history is kept/);
  assert.deepEqual(await vault.list(1), [], 'its secrets are deleted');
  const refused = await run(dir, ['sync', '1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /Please reconnect your online account/);

  const back = await withConsent(dir, ['reconnect', '1']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /Connection 1 \(Demo Bank Connect\): connected/);
  const again = await run(dir, ['sync', '1']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal((await run(dir, ['check'])).code, 0);
});

test('a blocked connection is re-activated only with the registered phone number', async () => {
  const dir = tempDir();
  assert.equal((await withConsent(dir, ['connect', '--provider', 'demo', '--institution', 'demo-fraud', '--phone', PHONE])).code, 0);
  // The first sync ran at connect; three more within the hour look like abuse to the bank.
  let last: CliResult | undefined;
  for (const minutes of [1, 2, 3]) last = await run(dir, ['sync'], new Date(Date.parse(NOW) + minutes * 60_000).toISOString());
  assert.equal(last!.code, 1);
  const blocked = JSON.parse((await run(dir, ['--json', 'connections'])).stdout) as { state: string; state_action: string }[];
  assert.deepEqual([blocked[0]!.state, blocked[0]!.state_action], ['blocked', 'reactivate']);

  const wrong = await run(dir, ['reactivate', '1', '--phone', '+33612345678']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /not the phone number registered/);
  const missing = await run(dir, ['reactivate', '1']);
  assert.equal(missing.code, 2, 'reactivate needs --phone');

  const later = daysAfter(NOW, 1);
  const reactivated = await withConsent(dir, ['reactivate', '1', '--phone', '+32 470 12 34 56'], { now: later });
  assert.equal(reactivated.code, 0, reactivated.stderr);
  assert.match(reactivated.stdout, /connected/);
  assert.equal((await run(dir, ['sync'], later)).code, 0);
});

test('sync --due runs only what the schedule says; run keeps the scheduler going until stopped', async () => {
  const dir = tempDir();
  assert.equal((await run(dir, ['demo'])).code, 0);
  const notYet = await run(dir, ['sync', '--due']);
  assert.equal(notYet.code, 0, notYet.stderr);
  assert.match(notYet.stdout, /No connections to synchronize/);

  const due = await run(dir, ['sync', '--due'], new Date(Date.parse(NOW) + 13 * 3_600_000).toISOString());
  assert.equal(due.code, 0, due.stderr);
  assert.match(due.stdout, /Connection 1: synchronized/);
  const db = ledger(dir);
  assert.deepEqual(db.prepare('SELECT trigger FROM sync_runs ORDER BY id').pluck().all(), ['manual', 'scheduled']);
  db.close();

  // `run` in the foreground 26 hours later: it synchronizes what is due, then stops on SIGTERM.
  const child = spawn(process.execPath, [CLI, '--data-dir', dir, 'run'], { cwd: ROOT, env: env(daysAfter(NOW, 26 / 24)), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run did not synchronize in time:\n${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (/page \d+, fetched/.test(stderr) || /new transactions? recorded/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /scheduler running/);
  const after = ledger(dir);
  const runs = after.prepare('SELECT trigger, result FROM sync_runs ORDER BY id').all() as { trigger: string; result: string }[];
  after.close();
  assert.deepEqual(runs.at(-1), { trigger: 'scheduled', result: 'success' });
});

test('ledgerlink demo run twice continues the journals of the first connection and says so', async () => {
  const dir = tempDir();
  const first = await run(dir, ['demo']);
  assert.equal(first.code, 0, first.stderr);
  const second = await run(dir, ['demo'], daysAfter(NOW, 3));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Current Account was already synchronized into journal \S+ \(Demo Bank Current Account\) through another connection: that journal continues/);
  const db = ledger(dir);
  try {
    assert.equal(db.prepare('SELECT COUNT(*) FROM journals').pluck().get(), 3, 'one journal per bank account');
    const doubled = db.prepare(
      `SELECT COUNT(*) FROM (SELECT p.provider_id FROM line_provider_ids p JOIN statement_lines l ON l.id = p.line_id
        WHERE p.kind = 'transaction' GROUP BY l.journal_id, p.provider_id HAVING COUNT(DISTINCT p.line_id) > 1)`,
    ).pluck().get();
    assert.equal(doubled, 0, 'no bank transaction is two lines');
  } finally {
    db.close();
  }
});
