// A connection's life through the core's API, against the real keychain (a private
// gnome-keyring), the real ledger file and the Demo Bank's consent pages over loopback HTTP:
// phone number, connect, Fetch Accounts, Reconnect, Update Credentials, Disconnect, Blocked
// and Reactivate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectStart, ConnectionView, OnlineAccountView, Result } from '../../preload/api';
import { Core } from '../../main/core/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { DemoBank } from '../../main/providers/demo/index';
import type { Provider } from '../../main/providers/types';
import { openVault } from '../../main/vault/index';
import { ledgerId } from '../../main/ledger/identity';
import { FakeClock, tempDir } from '../helpers/ledger';
import { usePrivateKeyring } from '../helpers/keyring';

usePrivateKeyring();

const PHONE = '+32 470 12 34 56';
const PHONE_E164 = '+32470123456';

function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`API error ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function setup(t: { after(fn: () => unknown): void }, providers: Provider[] = []) {
  const tmp = tempDir();
  const clock = FakeClock.at('2026-06-15T10:00:00Z');
  const core = new Core({ dataDir: tmp.dir, now: clock.now, providers, vault: (scope) => openVault({ scope }) });
  t.after(async () => {
    await core.close();
    tmp.cleanup();
  });
  return { core, clock, dir: tmp.dir };
}

/** Completes a consent the way the user would: the bank's pages, then the loopback redirect. */
async function consent(core: Core, started: ConnectStart, opts: { accounts?: string[] } = {}) {
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  const redirect = await completeConsentHeadlessly(started.consent_url, opts.accounts ? { accounts: opts.accounts } : {});
  await fetch(redirect);
  return ok(await finishing);
}

async function connect(core: Core, institution: string, opts: { phone?: string; accounts?: string[] } = {}) {
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: institution, ...(opts.phone ? { phone: opts.phone } : {}) }));
  assert.equal(started.mode, 'new');
  const { connection, accounts } = await consent(core, started, opts);
  ok(await core.api.linkAccounts({
    connection_id: connection.id,
    links: accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  }));
  return { connection, accounts };
}

async function connection(core: Core, id: number): Promise<ConnectionView> {
  return ok(await core.api.listConnections({})).find((c) => c.id === id)!;
}

/** A Demo Bank that is not a sandbox: a real provider's first connection needs the phone. */
class RealBank implements Provider {
  readonly name = 'ponto' as const;
  readonly displayName = 'Real Bank';
  private readonly inner: DemoBank;
  constructor(stateDir: string) {
    this.inner = new DemoBank({ stateDir });
  }
  listInstitutions = () => this.inner.listInstitutions();
  startConsent: Provider['startConsent'] = (r) => this.inner.startConsent(r);
  completeConsent: Provider['completeConsent'] = (r) => this.inner.completeConsent(r);
  listAccounts: Provider['listAccounts'] = (c) => this.inner.listAccounts(c);
  fetchTransactions: Provider['fetchTransactions'] = (c, r) => this.inner.fetchTransactions(c, r);
  close = () => this.inner.close();
}

test('the first real connection needs a valid phone number, kept in the keychain and nowhere else', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const { core, dir } = setup(t, [new RealBank(join(tmp.dir, 'bank'))]);
  const refused = await core.api.startConnect({ provider: 'ponto', institution_id: 'demo-plain' });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'phone_required');
  assert.match(!refused.ok ? refused.error.message : '', /suspicious activity is detected, requests are blocked until you re-activate with this number/);

  const bad = await core.api.startConnect({ provider: 'ponto', institution_id: 'demo-plain', phone: '0470 12' });
  assert.equal(!bad.ok && bad.error.code, 'invalid_phone');

  const started = ok(await core.api.startConnect({ provider: 'ponto', institution_id: 'demo-plain', phone: PHONE }));
  await consent(core, started);
  const vault = await openVault({ scope: ledgerId(core.db) });
  assert.equal(await vault.get('app', 'phone'), PHONE_E164, 'stored in E.164 form in the keychain');
  assert.equal(ok(await core.api.getSettings({})).phone_registered, 'yes');
  for (const f of readdirSync(dir)) {
    if (statSync(join(dir, f)).isFile()) assert.equal(readFileSync(join(dir, f)).includes(PHONE_E164), false, `${f} holds no phone number`);
  }
  // The next connection does not ask again.
  ok(await core.api.startConnect({ provider: 'ponto', institution_id: 'demo-beta' }));
});

test('the consent redirect must carry our state: a forged one is refused and the real one completes', async (t) => {
  const { core } = setup(t);
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: 'demo-plain' }));
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  const redirect = new URL(await completeConsentHeadlessly(started.consent_url));
  const forged = new URL(redirect);
  forged.searchParams.set('state', 'f'.repeat(32));
  const answer = await fetch(forged);
  assert.equal(answer.status, 400);
  assert.match(await answer.text(), /not the one Ledgerlink is waiting for/);
  await fetch(redirect);
  const { connection } = ok(await finishing);
  assert.equal(connection.state, 'connected');
  assert.equal(redirect.hostname, '127.0.0.1', 'the redirect comes back to a loopback listener');
});

test('Fetch Accounts lists the accounts again and links the ones not yet synchronized', async (t) => {
  const { core } = setup(t);
  const { connection } = await connect(core, 'demo-plain', { accounts: ['plain-current-eur'] });
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(ok(await core.api.listJournals({})).length, 1);

  // The user gives access to the other accounts at the bank (update mode), then Fetch Accounts.
  const update = ok(await core.api.updateCredentials({ connection_id: connection.id }));
  await consent(core, update);
  const accounts: OnlineAccountView[] = ok(await core.api.fetchAccounts({ connection_id: connection.id }));
  const fresh = accounts.filter((a) => a.journal_id === null);
  assert.deepEqual(fresh.map((a) => a.provider_account_id).sort(), ['plain-dollar-usd', 'plain-savings-eur']);
  ok(await core.api.linkAccounts({ connection_id: connection.id, links: fresh.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })) }));
  const [r] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(r!.ok, true);
  const journals = ok(await core.api.listJournals({}));
  assert.equal(journals.length, 3);
  for (const j of journals) assert.equal(j.balance, j.bank_balance, `${j.code} equals the bank`);
});

test('Reconnect renews an expired consent and keeps journals and history', async (t) => {
  const { core, clock } = setup(t);
  const { connection } = await connect(core, 'demo-plain');
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  const before = ok(await core.api.listJournals({}));

  clock.advanceDays(91);
  const [failed] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(failed!.ok, false);
  assert.equal((await connection_(core, connection.id)).state, 'waiting_for_user');
  assert.equal((await connection_(core, connection.id)).state_action, 'reconnect');

  const started = ok(await core.api.reconnect({ connection_id: connection.id }));
  assert.equal(started.mode, 'reconnect');
  const { connection: renewed } = await consent(core, started);
  assert.equal(renewed.id, connection.id, 'the same connection');
  assert.equal(renewed.state, 'connected');
  assert.ok(renewed.consent_expires_at! > new Date(clock.ms).toISOString(), 'a new expiry');
  const [again] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(again!.ok, true);
  const journals = ok(await core.api.listJournals({}));
  assert.deepEqual(journals.map((j) => j.id), before.map((j) => j.id), 'the same journals');
  const count = (js: typeof journals) => js.reduce((n, j) => n + j.line_count, 0);
  assert.ok(count(journals) > count(before), 'the 91 days since came in');
  for (const j of journals) assert.equal(j.balance, j.bank_balance, `${j.code} equals the bank`);
  assert.deepEqual(ok(await core.api.checkIntegrity({})), []);
});
const connection_ = connection;

test('Update Credentials replaces rotated-out tokens in the keychain and fetches', async (t) => {
  const { core } = setup(t);
  const { connection } = await connect(core, 'demo-oauth');
  const vault = await openVault({ scope: ledgerId(core.db) });
  const first = await vault.get(connection.id, 'refresh_token');
  assert.ok(first, 'the bank\'s refresh token is in the keychain');
  // Someone else used the refresh token (or the bank revoked it): the login is gone.
  await vault.set(connection.id, 'refresh_token', 'demo-rt-stolen');
  await vault.delete(connection.id, 'access_token');
  const [failed] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(failed!.ok, false);
  const waiting = await connection_(core, connection.id);
  assert.deepEqual([waiting.state, waiting.state_action], ['waiting_for_user', 'update_credentials']);

  const started = ok(await core.api.updateCredentials({ connection_id: connection.id }));
  assert.equal(started.mode, 'update');
  const { connection: updated } = await consent(core, started);
  assert.equal(updated.state, 'connected');
  const token = await vault.get(connection.id, 'refresh_token');
  assert.ok(token && token !== 'demo-rt-stolen' && token !== first, 'new tokens stored');
  const journals = ok(await core.api.listJournals({}));
  assert.ok(journals[0]!.line_count > 0, 'Update Credentials ran a fetch');
  assert.equal(journals[0]!.balance, journals[0]!.bank_balance);
});

test('Disconnect revokes, deletes the secrets, keeps the history; Reconnect resumes', async (t) => {
  const { core } = setup(t);
  const { connection } = await connect(core, 'demo-oauth');
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  const vault = await openVault({ scope: ledgerId(core.db) });
  assert.ok((await vault.list(connection.id)).length > 0);
  const lines = ok(await core.api.listJournals({}))[0]!.line_count;

  const gone = ok(await core.api.disconnect({ connection_id: connection.id }));
  assert.equal(gone.state, 'disconnected');
  assert.deepEqual(await vault.list(connection.id), [], 'no secret of the connection is left');
  assert.equal(ok(await core.api.listJournals({}))[0]!.line_count, lines, 'history kept');
  const [r] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(r!.error!.message, 'Please reconnect your online account.');
  assert.equal((await connection_(core, connection.id)).state, 'disconnected');

  const { connection: back } = await consent(core, ok(await core.api.reconnect({ connection_id: connection.id })));
  assert.equal(back.state, 'connected');
  const [again] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(again!.ok, true);
  assert.equal(again!.stored, 0, 'nothing doubled');
  assert.deepEqual(ok(await core.api.checkIntegrity({})), []);
});

test('a bank lock blocks every request until re-activation with the registered phone and a new consent', async (t) => {
  const { core, clock } = setup(t);
  const { connection } = await connect(core, 'demo-fraud', { phone: PHONE });
  let result;
  for (let i = 0; i < 4; i++) {
    clock.ms += 60_000;
    [result] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  }
  assert.equal(result!.ok, false);
  const blocked = await connection_(core, connection.id);
  assert.deepEqual([blocked.state, blocked.state_action], ['blocked', 'reactivate']);

  // Blocked: no request reaches the bank, even hours later.
  clock.ms += 3 * 3_600_000;
  const runs = () => core.db.prepare('SELECT COUNT(*) FROM sync_runs').pluck().get();
  const runsBefore = runs();
  const [still] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(still!.ok, false);
  assert.equal(still!.error!.code, 'blocked');
  assert.equal(runs(), runsBefore, 'no new attempt was made');
  const renew = await core.api.reconnect({ connection_id: connection.id });
  assert.equal(!renew.ok && renew.error.code, 'blocked', 'Reconnect is not the way out of a block');

  const wrong = await core.api.reactivate({ connection_id: connection.id, phone: '+33612345678' });
  assert.equal(!wrong.ok && wrong.error.code, 'phone_mismatch');
  const started = ok(await core.api.reactivate({ connection_id: connection.id, phone: '0032 470 123 456' }));
  assert.equal(started.mode, 'reactivate');
  const { connection: active } = await consent(core, started);
  assert.equal(active.state, 'connected');
  const [after] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(after!.ok, true);
});
