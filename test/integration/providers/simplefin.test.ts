// The SimpleFIN Bridge client against its simulator, through the real sync engine and ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { createJournal, getJournal } from '../../../main/ledger/journals';
import { listLines, listPendingLines } from '../../../main/ledger/lines';
import { staticConfig } from '../../../main/providers/config';
import { ProviderError } from '../../../main/providers/errors';
import { classifyBridgeError, SimpleFinProvider } from '../../../main/providers/simplefin/index';
import { decodeSetupToken } from '../../../main/providers/simplefin/consent-server';
import type { Fault, SimRequest } from '../../simulators/base';
import { MAX_RANGE_SECONDS, startSimpleFinSimulator } from '../../simulators/simplefin';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';

type T = { after(fn: () => unknown): void };

async function setup(t: T, o: { timeoutMs?: number; dailyLimit?: number; claim?: boolean } = {}) {
  const clock = FakeClock.at('2026-06-15T15:00:00Z');
  const s = await startSimpleFinSimulator({ now: clock.now, ...(o.dailyLimit !== undefined ? { dailyLimit: o.dailyLimit } : {}) });
  t.after(() => s.close());
  const provider = new SimpleFinProvider({ config: staticConfig('SimpleFIN Bridge', {}), now: clock.now, timeoutMs: o.timeoutMs ?? 5_000 });
  t.after(() => provider.close());
  const l = tempLedger();
  t.after(l.cleanup);
  const [checking, savings] = s.accounts as [typeof s.accounts[0], typeof s.accounts[0]];
  const ids = seedConnection(l.db, { provider: 'simplefin', providerAccountId: checking.id, currency: 'USD', timezone: 'America/New_York', code: 'CHK' });
  const savingsAccountId = Number(l.db.prepare(
    `INSERT INTO online_accounts (connection_id, provider_account_id, name, currency) VALUES (?, ?, 'Savings', 'USD')`,
  ).run(ids.connectionId, savings.id).lastInsertRowid);
  const savingsJournalId = createJournal(l.db, {
    name: 'Savings', code: 'SAV', currency: 'USD', periodicity: 'month', timezone: 'America/New_York', onlineAccountId: savingsAccountId, at: clock.now(),
  });
  const secrets = new Map<string, string>();
  if (o.claim !== false) {
    const r = await provider.completeConsent({ institutionId: 'simplefin', params: { setup_token: s.setupToken(), state: 'st' }, now: clock.now() });
    for (const [k, v] of Object.entries(r.secrets)) secrets.set(k, v);
    l.db.prepare(`UPDATE connections SET provider_ref = ?, institution_id = 'simplefin', institution_name = 'SimpleFIN Bridge' WHERE id = ?`)
      .run(r.providerRef, ids.connectionId);
  }
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') => engine.run(ids.connectionId, provider, {
    trigger, getSecret: async (n) => secrets.get(n), setSecret: async (n, v) => { secrets.set(n, v); },
  });
  const conn = () => l.db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(ids.connectionId) as {
    state: string; state_action: string | null; retry_at: string | null;
  };
  const lines = (journalId: number) => listLines(l.db, { journalId, limit: 100_000 }).filter((x) => x.kind === 'bank');
  /** Ledger equals the bank for both journals, every posted transaction exactly once, no integrity problem. */
  const assertEqualsBank = () => {
    for (const [jid, acc] of [[ids.journalId, checking], [savingsJournalId, savings]] as const) {
      const j = getJournal(l.db, jid)!;
      assert.equal(j.balance, Math.round(Number(s.balance(acc.id)) * 100), `${j.code}: ledger equals the bank's balance`);
      assert.equal(j.bank_balance, j.balance);
      const got = lines(jid);
      assert.equal(got.length, s.posted(acc.id).length, `${j.code}: every posted transaction once`);
      const want = new Set(s.posted(acc.id).map((x) => x.id));
      for (const line of got) assert.ok(line.provider_ids.some((p) => want.has(p.id)), `${j.code}: line ${line.id} is a bank transaction`);
    }
    assert.deepEqual(checkIntegrity(l.db), []);
  };
  return { ...l, ...ids, s, clock, provider, secrets, sync, conn, lines, checking, savings, savingsJournalId, assertEqualsBank };
}

const lastChatter = (db: Parameters<typeof listChatter>[0], connectionId: number) => listChatter(db, { connectionId }).at(-1)!;
const isTxRequest = (r: SimRequest) => r.path === '/simplefin/accounts' && r.query.get('balances-only') !== '1';

test('a first sync brings seven months of both accounts in 90-day chunks; the ledger equals the bank', async (t) => {
  const x = await setup(t);
  assert.ok(x.s.posted(x.checking.id).length > 300, 'a realistic history');
  const r = await x.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stored, x.s.posted(x.checking.id).length + x.s.posted(x.savings.id).length);
  x.assertEqualsBank();
  // The opening line is the balance before the history: nothing was missed.
  const opening = listLines(x.db, { journalId: x.journalId }).filter((l) => l.kind === 'opening');
  assert.deepEqual(opening.map((l) => l.amount), [250_000]);
  assert.equal(listPendingLines(x.db, x.journalId).length, 2);

  const reqs = x.s.accountRequests().filter(isTxRequest);
  assert.ok(reqs.length >= 16, 'the 730-day window is walked in chunks');
  for (const q of reqs) {
    const span = Number(q.query.get('end-date')) - Number(q.query.get('start-date'));
    assert.ok(span > 0 && span <= MAX_RANGE_SECONDS, 'each request spans at most 90 days');
    assert.equal(q.query.get('pending'), '1');
    assert.match(String(q.headers.authorization), /^Basic /);
  }
  // The access URL's password reaches no file of the ledger.
  const password = new URL(x.secrets.get('access_url')!).password;
  assert.ok(password.length >= 16);
  for (const f of readdirSync(x.dir)) assert.equal(readFileSync(join(x.dir, f)).includes(password), false, `${f} holds no credential`);
  const ref = x.db.prepare('SELECT provider_ref FROM connections WHERE id = ?').pluck().get(x.connectionId) as string;
  assert.equal(ref.includes(password), false);
});

test('consent: the local page takes a setup token, redirects with it and the state, and the claim gives the access URL once', async (t) => {
  const x = await setup(t, { claim: false });
  const redirectUri = 'http://127.0.0.1:9/callback';
  const { url } = await x.provider.startConsent({ institutionId: 'simplefin', redirectUri, state: 'state-123', mode: 'new' });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Paste your SimpleFIN setup token/);
  assert.match(html, /https:\/\/beta-bridge\.simplefin\.org\/simplefin\/create/);

  const bad = await fetch(url, { method: 'POST', body: new URLSearchParams({ setup_token: 'not a token!' }), redirect: 'manual' });
  assert.equal(bad.status, 422);

  const token = x.s.setupToken();
  const sent = await fetch(url, { method: 'POST', body: new URLSearchParams({ setup_token: token, action: 'connect' }), redirect: 'manual' });
  assert.equal(sent.status, 302);
  const back = new URL(sent.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, redirectUri);
  assert.equal(back.searchParams.get('state'), 'state-123');
  assert.equal(back.searchParams.get('setup_token'), token);
  assert.equal((await fetch(url)).status, 404, 'the page is used once');

  const params = Object.fromEntries(back.searchParams);
  const result = await x.provider.completeConsent({ institutionId: 'simplefin', params, now: x.clock.now() });
  const access = new URL(result.secrets.access_url!);
  assert.ok(access.username && access.password, 'the access URL carries Basic credentials');
  assert.equal(result.providerRef.includes(access.password), false);
  assert.equal(result.providerRef.includes(access.username), false);
  // It works: listAccounts with it.
  const ctx = { connectionId: 1, institutionId: 'simplefin', providerRef: result.providerRef, interactive: true, now: x.clock.now,
    getSecret: async (n: string) => result.secrets[n], setSecret: async () => {} };
  const accounts = await x.provider.listAccounts(ctx);
  assert.deepEqual(accounts.map((a) => [a.id, a.currency, a.balance]), x.s.accounts.map((a) => [a.id, 'USD', x.s.balance(a.id)]));

  // A token claimed twice: the Bridge answers 403.
  await assert.rejects(x.provider.completeConsent({ institutionId: 'simplefin', params, now: x.clock.now() }), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.code, 'consent_expired');
    assert.match(e.description, /already used/);
    return true;
  });
  // Cancel goes back with access_denied.
  const { url: url2 } = await x.provider.startConsent({ institutionId: 'simplefin', redirectUri, state: 's2', mode: 'new' });
  const cancelled = await fetch(url2, { method: 'POST', body: new URLSearchParams({ action: 'cancel' }), redirect: 'manual' });
  const cb = new URL(cancelled.headers.get('location')!);
  assert.equal(cb.searchParams.get('error'), 'access_denied');
  await assert.rejects(x.provider.completeConsent({ institutionId: 'simplefin', params: Object.fromEntries(cb.searchParams), now: x.clock.now() }), /not given/);
  assert.equal(decodeSetupToken(Buffer.from('ftp://example.com/claim').toString('base64')), undefined, 'only https (or loopback) claim URLs');
});

test('pending lines that post under new ids give one line each; a second sync doubles nothing', async (t) => {
  const x = await setup(t);
  assert.equal((await x.sync()).ok, true);
  const before = x.lines(x.journalId).length;
  assert.deepEqual(listPendingLines(x.db, x.journalId).map((p) => p.amount).sort(), [-12_999, -4_512]);

  x.clock.advanceDays(1);
  const moved = x.s.postPending();
  assert.equal(moved.length, 2);
  const r = await x.sync();
  assert.equal(r.ok, true);
  assert.equal(r.stored, 2);
  assert.equal(listPendingLines(x.db, x.journalId).length, 0, 'the pending ones were replaced');
  const after = x.lines(x.journalId);
  assert.equal(after.length, before + 2);
  for (const amount of [-4_512, -12_999]) assert.equal(after.filter((l) => l.amount === amount).length, 1, `${amount} once`);
  const posted = after.find((l) => l.provider_ids.some((p) => p.id === moved[0]!.to))!;
  assert.ok(posted.provider_ids.some((p) => p.id === moved[0]!.from), 'the line keeps the pending id it replaced');
  x.assertEqualsBank();

  const again = await x.sync();
  assert.equal(again.ok, true);
  assert.equal(again.stored, 0);
  assert.ok(again.duplicates > 0, 'the overlap came back and was recognised');
  x.assertEqualsBank();

  // New activity a few days later.
  x.clock.advanceDays(3);
  x.s.addPosted(x.checking.id, -2_500, 'POS PURCHASE CHIPOTLE', 'Chipotle');
  x.s.addPosted(x.savings.id, 10_000, 'TRANSFER FROM CHECKING', 'Everyday Checking');
  const third = await x.sync();
  assert.equal(third.stored, 2);
  x.assertEqualsBank();
});

test('each documented error lands in the right state with the request id as the reference', async (t) => {
  const cases: { name: string; arrange: (x: Awaited<ReturnType<typeof setup>>) => void; code: string; state: string; action: string | null; ref?: RegExp }[] = [
    { name: '403 revoked', arrange: (x) => x.s.revokeAll(), code: 'consent_expired', state: 'waiting_for_user', action: 'reconnect', ref: /^simplefin:sfin-req-\d+$/ },
    { name: '402 subscription', arrange: (x) => x.s.sim.inject({ kind: 'status', status: 402, body: 'Payment Required', headers: { 'x-request-id': 'sfin-req-402' } }),
      code: 'other', state: 'error', action: null, ref: /sfin-req-402/ },
    { name: '503 Bridge down', arrange: (x) => x.s.sim.inject({ kind: 'status', status: 503, headers: { 'x-request-id': 'sfin-req-503' } }),
      code: 'institution_down', state: 'error', action: null, ref: /sfin-req-503/ },
    { name: 'errors[]: needs attention', arrange: (x) => x.s.setErrors(['Connection to Example Bank may need attention']),
      code: 'user_action_required', state: 'waiting_for_user', action: 'mfa', ref: /^simplefin:sfin-req-\d+$/ },
    { name: 'errlist: bad credentials', arrange: (x) => x.s.setErrors([], [{ code: 'con.auth', msg: 'Example Bank: the saved login credentials are no longer valid' }]),
      code: 'login_required', state: 'waiting_for_user', action: 'update_credentials', ref: /^simplefin:sfin-req-\d+$/ },
    { name: 'custom currency', arrange: (x) => x.s.setCurrency(x.checking.id, 'https://www.example.com/flight-miles.json'),
      code: 'invalid_response', state: 'error', action: null, ref: /^simplefin:sfin-req-\d+$/ },
    { name: 'no access URL', arrange: (x) => x.secrets.clear(), code: 'consent_expired', state: 'waiting_for_user', action: 'reconnect' },
  ];
  for (const c of cases) {
    const x = await setup(t);
    c.arrange(x);
    const r = await x.sync();
    assert.equal(r.ok, false, c.name);
    assert.equal(r.error?.code, c.code, c.name);
    const st = x.conn();
    assert.deepEqual([st.state, st.state_action], [c.state, c.action], c.name);
    const chat = lastChatter(x.db, x.connectionId);
    assert.ok(chat.error_description, `${c.name}: the Bridge's message is kept`);
    if (c.ref) assert.match(chat.reference ?? '', c.ref, c.name);
    assert.equal(x.lines(x.journalId).length, 0, `${c.name}: nothing stored`);
    const password = x.secrets.get('access_url') ? new URL(x.secrets.get('access_url')!).password : undefined;
    if (password) for (const ch of listChatter(x.db, {})) assert.equal(JSON.stringify(ch).includes(password), false, `${c.name}: no secret in the chatter`);
  }
  // An errlist entry about another account does not stop this one.
  const x = await setup(t);
  x.s.setErrors([], [{ code: 'con.auth', msg: 'Other Bank: credentials are no longer valid', account_id: 'ACT-someone-else' }]);
  assert.equal((await x.sync()).ok, true);
  x.assertEqualsBank();
  assert.equal(classifyBridgeError({ message: 'Sync delayed for Example Bank' }), null, 'an informative message is not an error');
});

test('faults fail the sync, keep nothing of the bad page, and the next sync carries on to the bank', async (t) => {
  const faults: { fault: Fault; code: string }[] = [
    { fault: { kind: 'status', status: 500, headers: { 'x-request-id': 'sfin-req-500' } }, code: 'institution_down' },
    { fault: { kind: 'timeout' }, code: 'network' },
    { fault: { kind: 'malformed' }, code: 'invalid_response' },
    { fault: { kind: 'truncated' }, code: 'network' },
  ];
  for (const f of faults) {
    const x = await setup(t, { timeoutMs: 400 });
    let n = 0;
    // The third chunk of the first account fails, after two pages were stored.
    x.s.sim.inject(f.fault, { match: (r) => isTxRequest(r) && ++n === 3 });
    const r = await x.sync();
    assert.equal(r.ok, false, f.fault.kind);
    assert.equal(r.error?.code, f.code, f.fault.kind);
    assert.equal(x.conn().state, 'error');
    const stored = x.lines(x.journalId);
    const reqs = x.s.accountRequests().filter(isTxRequest);
    const badStart = Number(reqs[2]!.query.get('start-date'));
    const bankIds = new Map(x.s.posted(x.checking.id).map((p) => [p.id, p.posted]));
    for (const line of stored) {
      const at = bankIds.get(line.provider_ids[0]!.id);
      assert.ok(at !== undefined && at < badStart, `${f.fault.kind}: only lines of the good pages`);
    }
    assert.equal(x.lines(x.savingsJournalId).length, 0);

    x.clock.ms += 60 * 60_000;
    const next = await x.sync();
    assert.equal(next.ok, true, `${f.fault.kind}: ${JSON.stringify(next.error)}`);
    x.assertEqualsBank();
  }
});

test('rate limits: 429 with Retry-After, a daily limit and an errors[] message give rate_limited with retryAt', async (t) => {
  {
    const x = await setup(t);
    x.s.sim.inject({ kind: 'status', status: 429, body: 'Too Many Requests', headers: { 'retry-after': '3600', 'x-request-id': 'sfin-req-429' } });
    const r = await x.sync();
    assert.equal(r.error?.code, 'rate_limited');
    assert.equal(x.conn().retry_at, new Date(x.clock.ms + 3_600_000).toISOString());
    assert.equal(x.conn().state, 'connected', 'a rate limit does not put the connection in error');
    assert.match(lastChatter(x.db, x.connectionId).reference ?? '', /sfin-req-429/);
  }
  {
    const x = await setup(t, { dailyLimit: 12 });
    const r = await x.sync();
    assert.equal(r.error?.code, 'rate_limited');
    assert.equal(x.conn().retry_at, '2026-06-16T00:00:00.000Z', 'until the Bridge\'s day turns');
    assert.equal(x.lines(x.journalId).length, x.s.posted(x.checking.id).length, 'the pages fetched before the limit are kept');
    // The next day the sync carries on from where it stopped.
    x.clock.ms = Date.parse('2026-06-16T01:00:00Z');
    const next = await x.sync();
    assert.equal(next.ok, true, JSON.stringify(next.error));
    x.assertEqualsBank();
  }
  {
    const x = await setup(t);
    x.s.setErrors(['Rate limit exceeded: too many requests today']);
    const r = await x.sync();
    assert.equal(r.error?.code, 'rate_limited');
    assert.equal(x.conn().retry_at, '2026-06-16T00:00:00.000Z');
  }
});
