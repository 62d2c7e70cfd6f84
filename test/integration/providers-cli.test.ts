// The real providers are wired into the app: keys from the environment or from Settings
// (secret ones in the keychain), and `ledgerlink connect --provider plaid --sandbox`
// connecting a sandbox institution with no UI, against the Plaid simulator on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAmount } from '../../main/ledger/money';
import { ledgerVault } from '../helpers/ledger-vault';
import { usePrivateKeyring } from '../helpers/keyring';
import { CHECKING, PLAID_CLIENT_ID, PLAID_SECRET, SAVINGS, startPlaidSimulator } from '../simulators/plaid';
import { NOW, cleanupAll, cli, tempDir } from './helpers';

const keyring = usePrivateKeyring();
after(() => cleanupAll());

test('connect --provider plaid --institution ins_109508 --sandbox connects, links and syncs with no UI', async (t) => {
  const plaid = await startPlaidSimulator({ now: () => new Date(NOW) });
  t.after(() => plaid.close());
  const dir = tempDir();
  const env = { ...(keyring().env as Record<string, string>), PLAID_BASE_URL: plaid.baseUrl, PLAID_CLIENT_ID, PLAID_SECRET, PLAID_ENV: undefined as unknown as string };
  const r = await cli(['connect', '--provider', 'plaid', '--institution', 'ins_109508', '--sandbox'], { dataDir: dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Connected First Platypus Bank \(connection 1\) and synchronized 2 account/);

  const journals = JSON.parse((await cli(['--json', 'journals'], { dataDir: dir, env })).stdout) as { name: string; balance: number; bank_balance: number; currency: string }[];
  assert.equal(journals.length, 2);
  for (const [j, account] of [[journals[0]!, CHECKING], [journals[1]!, SAVINGS]] as const) {
    assert.equal(j.balance, j.bank_balance);
    assert.equal(j.bank_balance, parseAmount(plaid.balance(account), 'USD'), `${j.name} equals the bank`);
  }
  assert.equal((await cli(['check'], { dataDir: dir, env })).code, 0);

  // The access token is in the keychain, nowhere in the data folder.
  const token = await (await ledgerVault(dir)).get(1, 'access_token');
  assert.ok(token);
  for (const f of readdirSync(dir)) {
    if (f.startsWith('ledger.sqlite')) assert.equal(readFileSync(join(dir, f)).includes(token), false, `${f} holds no token`);
  }
});

test('provider keys set in Settings: the id in the ledger, the secret in the keychain; wrong keys are explained', async (t) => {
  const plaid = await startPlaidSimulator({ now: () => new Date(NOW) });
  t.after(() => plaid.close());
  const dir = tempDir();
  const env = { ...(keyring().env as Record<string, string>), PLAID_BASE_URL: plaid.baseUrl, PLAID_CLIENT_ID: undefined as unknown as string, PLAID_SECRET: undefined as unknown as string };
  const notSet = await cli(['connect', '--provider', 'plaid', '--institution', 'ins_109508', '--sandbox'], { dataDir: dir, env });
  assert.equal(notSet.code, 1);
  assert.match(notSet.stderr, /Plaid is not set up yet: enter its client id in Settings \(or set PLAID_CLIENT_ID\)/);

  assert.equal((await cli(['settings', 'set', 'provider.plaid.client_id', PLAID_CLIENT_ID], { dataDir: dir, env })).code, 0);
  assert.equal((await cli(['settings', 'set', 'provider.plaid.secret', 'wrong-secret'], { dataDir: dir, env })).code, 0);
  const wrong = await cli(['connect', '--provider', 'plaid', '--institution', 'ins_109508', '--sandbox'], { dataDir: dir, env });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /invalid client_id or secret/i);

  assert.equal((await cli(['settings', 'set', 'provider.plaid.secret', PLAID_SECRET], { dataDir: dir, env })).code, 0);
  const ok = await cli(['connect', '--provider', 'plaid', '--institution', 'ins_109508', '--sandbox'], { dataDir: dir, env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await (await ledgerVault(dir)).get('app', 'provider.plaid.secret'), PLAID_SECRET);
  const settings = (await cli(['settings', 'get'], { dataDir: dir, env })).stdout;
  assert.match(settings, new RegExp(`provider\\.plaid\\.client_id = ${PLAID_CLIENT_ID}`));
  for (const f of readdirSync(dir)) {
    if (f.startsWith('ledger.sqlite')) assert.equal(readFileSync(join(dir, f)).includes(PLAID_SECRET), false, `${f} holds no provider secret`);
  }
  assert.doesNotMatch(settings, new RegExp(PLAID_SECRET));
});

test('institutions searches the offline catalog, forgiving accents and prefixes', async () => {
  const dir = tempDir();
  const vn = await cli(['--json', 'institutions', 'ngan', 'hang'], { dataDir: dir });
  assert.equal(vn.code, 0, vn.stderr);
  const rows = JSON.parse(vn.stdout) as { name: string; country: string; providers: { provider: string; providerInstitutionId: string }[] }[];
  assert.equal(rows[0]!.name, 'Ngân hàng Demo');
  assert.deepEqual(rows[0]!.providers.map((p) => [p.provider, p.providerInstitutionId]), [['demo', 'demo-vnd']]);
  const beta = await cli(['institutions', 'demo', 'be'], { dataDir: dir });
  assert.match(beta.stdout, /Demo Bank Beta \[Beta\]/);
  const none = await cli(['institutions', 'zzzz'], { dataDir: dir });
  assert.equal(none.code, 0);
  assert.match(none.stdout, /No institution matches/);
  assert.equal((await cli(['institutions', 'demo', '--country', 'Belgium'], { dataDir: dir })).code, 2);
});
