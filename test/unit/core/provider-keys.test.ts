// Settings shows where each provider key is set, masked: a secret never leaves main, an id
// keeps its last four characters, the environment wins over Settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCore } from '../../helpers/core';
import { MemoryVault } from '../../helpers/memory-vault';

test('provider keys come back masked with where they are set, and can be removed', async (t) => {
  const vault = new MemoryVault();
  const core = tempCore(t, { vault: async () => vault });
  const before = process.env.PONTO_CLIENT_ID;
  process.env.PONTO_CLIENT_ID = 'ponto-client-from-env-7788';
  t.after(() => {
    if (before === undefined) delete process.env.PONTO_CLIENT_ID;
    else process.env.PONTO_CLIENT_ID = before;
  });
  const SECRET = 'plaid-sandbox-secret-0a1b2c3d4e5f';
  for (const [key, value] of [['provider.plaid.client_id', 'client-5f2e9a31'], ['provider.plaid.secret', SECRET], ['provider.plaid.env', 'sandbox']] as const) {
    const r = await core.api.setSetting({ key, value });
    assert.ok(r.ok, JSON.stringify(r));
  }
  const list = async () => {
    const r = await core.api.listProviderKeys({});
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const of = async (provider: string, key: string) => (await list()).find((k) => k.provider === provider && k.key === key)!;

  const keys = await list();
  assert.ok(!JSON.stringify(keys).includes(SECRET.slice(-6)), 'nothing of the secret comes back');
  assert.deepEqual(await of('plaid', 'secret'), { provider: 'plaid', provider_name: 'Plaid', key: 'secret', secret: true, source: 'keychain', masked: '••••••••' });
  assert.deepEqual([(await of('plaid', 'client_id')).source, (await of('plaid', 'client_id')).masked], ['ledger', '••••9a31']);
  assert.deepEqual([(await of('plaid', 'env')).source, (await of('plaid', 'env')).masked], ['ledger', '••••••••'], 'a short value shows nothing');
  assert.deepEqual([(await of('ponto', 'client_id')).source, (await of('ponto', 'client_id')).masked], ['environment', '••••7788']);
  assert.deepEqual([(await of('ponto', 'client_secret')).source, (await of('ponto', 'client_secret')).masked], [null, null]);
  assert.equal(vault.data.size, 1, 'only the secret is in the vault');
  assert.equal(core.db.prepare("SELECT COUNT(*) FROM settings WHERE value LIKE '%' || ? || '%'").pluck().get(SECRET), 0, 'the secret is not in the ledger');
  assert.deepEqual(keys.map((k) => `${k.provider}.${k.key}`).filter((k) => k.startsWith('saltedge')), ['saltedge.app_id', 'saltedge.secret', 'saltedge.private_key'], 'every key Settings offers');

  // Removing: an empty value deletes it from where it was.
  assert.ok((await core.api.setSetting({ key: 'provider.plaid.secret', value: '' })).ok);
  assert.ok((await core.api.setSetting({ key: 'provider.plaid.client_id', value: '' })).ok);
  assert.deepEqual([(await of('plaid', 'secret')).source, (await of('plaid', 'client_id')).source], [null, null]);
  assert.equal(vault.data.size, 0);
});
