// Issue 9, point 2: an API client (the UI, or anything holding the browser host's token) must
// not be able to make the app send the stored provider secrets to a server of its choosing.
// Base URLs come from the environment (https, or plain http to this computer) or from each
// provider's fixed list; Settings accept only each provider's known keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempCore } from '../helpers/core';
import { MemoryVault } from '../helpers/memory-vault';

const PLAID_SECRET = 'plaid-secret-must-stay-home-4f9a';
const GOCARDLESS_KEY = 'gocardless-key-must-stay-home-77c1';

interface Recorded { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/** A loopback HTTP server that records every request and answers a Plaid-like error. */
async function recorder(t: { after(fn: () => unknown): void }) {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_type: 'INVALID_REQUEST', error_code: 'RECORDED', error_message: 'recorded', request_id: 'rec-1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** Sets environment variables for one test, restored after it. */
function withEnv(t: { after(fn: () => unknown): void }, vars: Record<string, string | undefined>): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.after(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

/** A core whose Plaid and GoCardless keys are set through the API, as a user would. */
async function configuredCore(t: Parameters<typeof tempCore>[0]) {
  const vault = new MemoryVault();
  const core = tempCore(t, { vault: async () => vault });
  for (const [key, value] of [
    ['provider.plaid.client_id', 'client-5f2e9a31'], ['provider.plaid.secret', PLAID_SECRET], ['provider.plaid.env', 'sandbox'],
    ['provider.gocardless.secret_id', 'gcl-id-1234'], ['provider.gocardless.secret_key', GOCARDLESS_KEY],
  ] as const) {
    const r = await core.api.setSetting({ key, value });
    assert.ok(r.ok, `${key}: ${JSON.stringify(r)}`);
  }
  return core;
}

const PROVIDER_ENV = ['PLAID_BASE_URL', 'PLAID_ENV', 'PLAID_CLIENT_ID', 'PLAID_SECRET', 'GOCARDLESS_BASE_URL', 'GOCARDLESS_SECRET_ID', 'GOCARDLESS_SECRET_KEY'];
const noProviderEnv = () => Object.fromEntries(PROVIDER_ENV.map((k) => [k, undefined]));

test('setSetting of a base URL is refused, and the stored secrets never reach that server', async (t) => {
  withEnv(t, noProviderEnv());
  const attacker = await recorder(t);
  const simulator = await recorder(t);
  const core = await configuredCore(t);

  for (const key of ['provider.plaid.base_url', 'provider.gocardless.base_url', 'provider.ponto.base_url', 'provider.ponto.auth_url', 'provider.yodlee.fastlink_url', 'provider.plaid.env']) {
    const r = await core.api.setSetting({ key, value: attacker.url });
    assert.equal(r.ok, false, `${key} is refused`);
    if (!r.ok) assert.equal(r.error.code, 'invalid_argument');
  }
  assert.ok(!Object.keys((await core.api.getSettings({}) as { ok: true; value: Record<string, string> }).value).some((k) => k.endsWith('_url')), 'no address is stored');

  // The environment is where tests (and only they) point clients elsewhere: Plaid goes there.
  process.env.PLAID_BASE_URL = simulator.url;
  process.env.GOCARDLESS_BASE_URL = simulator.url;
  await core.api.listInstitutions({ provider: 'plaid' });
  await core.api.listInstitutions({ provider: 'gocardless' });
  assert.deepEqual(attacker.requests, [], 'the server named through the API received nothing');
  assert.ok(simulator.requests.some((r) => r.headers['plaid-secret'] === PLAID_SECRET), 'Plaid went to the address of the environment');
  assert.ok(simulator.requests.some((r) => r.body.includes(GOCARDLESS_KEY)), 'GoCardless went to the address of the environment');
});

test('an unknown provider key is refused and stored nowhere', async (t) => {
  const vault = new MemoryVault();
  const core = tempCore(t, { vault: async () => vault });
  for (const key of ['provider.plaid.nonsense', 'provider.saltedge.base_url', 'provider.simplefin.access_url', 'provider.saltedge.include_sandboxes']) {
    const r = await core.api.setSetting({ key, value: 'https://example.com/x' });
    assert.equal(r.ok, false, `${key} is refused`);
    if (!r.ok) {
      assert.equal(r.error.code, 'invalid_argument');
      assert.doesNotMatch(r.error.message, /example\.com/, 'the value is not echoed');
    }
  }
  const refused = await core.api.setSetting({ key: 'provider.plaid.nonsense', value: 'x' });
  assert.ok(!refused.ok && /client_id, secret, env/.test(refused.error.message), 'the error lists the keys Plaid has');
  const badEnv = await core.api.setSetting({ key: 'provider.plaid.env', value: 'staging' });
  assert.ok(!badEnv.ok && /sandbox, production/.test(badEnv.error.message), 'Plaid\'s env is a name from its fixed list');
  assert.equal(core.db.prepare("SELECT COUNT(*) FROM settings WHERE key LIKE 'provider.%'").pluck().get(), 0, 'nothing reached the ledger');
  assert.equal(vault.data.size, 0, 'nothing reached the vault');
});

test('a base URL in the environment over plain http to another computer is refused before any request', async (t) => {
  withEnv(t, noProviderEnv());
  const core = await configuredCore(t);
  process.env.PLAID_BASE_URL = 'http://plaid.example.invalid/';
  const r = await core.api.listInstitutions({ provider: 'plaid' });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.error.message, /PLAID_BASE_URL must be an https address/, 'a clear error naming the variable');
    assert.match(r.error.message, /nothing was sent/);
  }
  process.env.PLAID_BASE_URL = 'ftp://127.0.0.1/';
  const ftp = await core.api.listInstitutions({ provider: 'plaid' });
  assert.ok(!ftp.ok && /PLAID_BASE_URL must be an https address/.test(ftp.error.message), 'only https, or http to this computer');
  process.env.PLAID_BASE_URL = 'https://user:pw@127.0.0.1/';
  const withCredentials = await core.api.listInstitutions({ provider: 'plaid' });
  assert.ok(!withCredentials.ok && /PLAID_BASE_URL must be/.test(withCredentials.error.message) && !withCredentials.error.message.includes('pw@'), 'no credentials in the address, none echoed');
});

test('a base URL an older version stored in the ledger is not used any more', async (t) => {
  withEnv(t, noProviderEnv());
  const attacker = await recorder(t);
  const core = await configuredCore(t);
  // As an older Ledgerlink, which accepted any provider key, left it in the settings table.
  core.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('provider.plaid.base_url', attacker.url);
  core.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('provider.gocardless.base_url', attacker.url);
  // Without an address in the environment, Plaid's fixed sandbox host (PLAID_ENV's list) is
  // used: whether it answers from here or not, the stored address must receive nothing.
  await core.api.listInstitutions({ provider: 'plaid' });
  await core.api.listInstitutions({ provider: 'gocardless' });
  assert.deepEqual(attacker.requests.map((r) => `${r.method} ${r.url}`), [], 'the stored base_url received nothing');
});
