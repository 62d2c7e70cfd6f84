// Secrets (tokens, the phone number) live in the keychain only: after a whole Demo Bank flow
// with token rotation, none of them is in the SQLite file, its WAL, any file of the data
// folder, any output of the command line, or any API answer or event the UI would receive.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../main/core/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { openVault } from '../../main/vault/index';
import { ledgerId } from '../../main/ledger/identity';
import type { Vault } from '../../main/vault/types';
import { FakeClock } from '../helpers/ledger';
import { usePrivateKeyring } from '../helpers/keyring';
import { NOW, cleanupAll, cli, tempDir } from './helpers';

const keyring = usePrivateKeyring();
after(() => cleanupAll());

const PHONE = '+32470987654';

/** Every file below `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('no secret reaches SQLite, its WAL, the data folder, the logs or the API answers', async (t) => {
  const dir = tempDir();
  const clock = FakeClock.at(NOW);
  // Every value the app ever puts in the vault is a secret to look for.
  const secrets = new Set<string>([PHONE]);
  const recording = async (scope: string): Promise<Vault> => {
    const real = await openVault({ scope });
    return {
      get: (o, n) => real.get(o, n),
      set: async (o, n, v) => {
        secrets.add(v);
        await real.set(o, n, v);
      },
      delete: (o, n) => real.delete(o, n),
      list: (o) => real.list(o),
    };
  };
  const core = new Core({ dataDir: dir, now: clock.now, vault: recording });
  let closed = false;
  t.after(async () => {
    if (!closed) await core.close();
  });
  const answers: unknown[] = [];
  for (const name of Object.keys(core.api) as (keyof typeof core.api)[]) {
    const call = core.api[name] as (a: unknown) => Promise<unknown>;
    (core.api as unknown as Record<string, unknown>)[name] = async (a: unknown) => {
      const r = await call(a);
      answers.push(r);
      return r;
    };
  }
  for (const e of ['syncProgress', 'chatter', 'connectionState', 'notification'] as const) core.on(e, (x) => answers.push(x));

  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
    if (!r.ok) assert.fail(r.error.message);
    return r.value;
  };
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: 'demo-oauth', phone: PHONE }));
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  await fetch(await completeConsentHeadlessly(started.consent_url));
  const { connection, accounts } = ok(await finishing);
  ok(await core.api.linkAccounts({ connection_id: connection.id, links: accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })) }));
  ok(await core.api.synchronize({}));
  // 40 minutes later the access token has expired: the provider rotates both tokens.
  clock.ms += 40 * 60_000;
  ok(await core.api.synchronize({}));
  clock.ms += 40 * 60_000;
  // Update Credentials: a new consent issues a new token pair, then a fetch.
  const update = ok(await core.api.updateCredentials({ connection_id: connection.id }));
  const updating = core.api.finishConnect({ flow_id: update.flow_id, timeout_ms: 30_000 });
  await fetch(await completeConsentHeadlessly(update.consent_url));
  ok(await updating);
  // Provider keys typed into Settings: the secret goes to the keychain and comes back masked.
  const PROVIDER_SECRET = 'plaid-secret-4f9c2e7a1b';
  const CLI_SECRET = 'saltedge-secret-8d3b6a0c5e';
  secrets.add(PROVIDER_SECRET);
  secrets.add(CLI_SECRET);
  ok(await core.api.setSetting({ key: 'provider.plaid.secret', value: PROVIDER_SECRET }));
  const keys = ok(await core.api.listProviderKeys({}));
  answers.push(keys);
  assert.deepEqual(keys.filter((k) => k.provider === 'plaid' && k.key === 'secret').map((k) => [k.source, k.masked]), [['keychain', '••••••••']]);
  const reads: Promise<{ ok: boolean }>[] = [core.api.listConnections({}), core.api.listJournals({}), core.api.getSettings({}), core.api.listChatter({}), core.api.listAccounts({ connection_id: connection.id })];
  for (const r of await Promise.all(reads)) assert.equal(r.ok, true);
  const journal = ok(await core.api.listJournals({}))[0]!;
  ok(await core.api.listLines({ journal_id: journal.id }));

  assert.ok(secrets.size >= 7, `the flow produced secrets to look for (${secrets.size}: the phone and three token pairs)`);
  const vault = await openVault({ scope: ledgerId(core.db) });
  assert.equal(await vault.get(connection.id, 'refresh_token') !== undefined, true, 'they are in the keychain');

  const scan = (where: string, text: string | Buffer) => {
    for (const s of secrets) assert.equal(text.includes(s), false, `${where} contains the secret ${s.slice(0, 10)}...`);
  };
  // While the core is open the WAL holds the latest pages: scan it then, and after closing.
  const walFiles = files(dir).filter((f) => f.endsWith('-wal'));
  assert.ok(walFiles.length > 0, 'the WAL is there to be scanned');
  for (const f of files(dir)) scan(f, readFileSync(f));
  scan('the API answers and events', JSON.stringify(answers));

  // The command line on the same folder: its output is the log a server user keeps.
  await core.close();
  closed = true;
  const e = keyring().env as Record<string, string>;
  for (const args of [['--json', 'connections'], ['journals'], ['sync'], ['--json', 'sync'], ['check'], ['settings', 'get'],
    ['settings', 'set', 'provider.saltedge.secret', CLI_SECRET], ['--json', 'settings', 'set', 'provider.saltedge.secret', CLI_SECRET], ['settings', 'keys'], ['run', '--help']]) {
    const r = await cli(args, { dataDir: dir, now: new Date(clock.ms).toISOString(), env: e });
    scan(`ledgerlink ${args.join(' ').replace(CLI_SECRET, 'SECRET')}`, r.stdout + r.stderr);
    if (args.includes('keys')) assert.match(r.stdout, /saltedge\s+secret\s+••••••••\s+keychain/, 'the key the CLI set is listed, masked');
  }
  for (const f of files(dir)) scan(f, readFileSync(f));
});
