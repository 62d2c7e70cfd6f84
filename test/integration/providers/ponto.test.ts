// Ponto Connect through the real sync engine, against the Ponto simulator over HTTPS with a
// required client certificate (made with openssl in a temp folder): consent with PKCE,
// multi-month history, pending → posted, rotation of refresh tokens, every documented error,
// faults mid-history and rate limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { listPendingLines } from '../../../main/ledger/lines';
import { formatAmount } from '../../../main/ledger/money';
import { staticConfig } from '../../../main/providers/config';
import { isProviderError } from '../../../main/providers/errors';
import { httpsJson } from '../../../main/providers/ponto/https';
import { PontoProvider } from '../../../main/providers/ponto/index';
import type { ConnectionContext } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import {
  CONSENT_DAYS, PONTO_CLIENT_ID, PONTO_CLIENT_SECRET, PONTO_SIM_USER, makeTestPki, startPontoSimulator, type PontoSim, type TestPki,
} from '../../simulators/ponto';

let pki: TestPki;
before(() => {
  pki = makeTestPki();
});
after(() => pki?.cleanup());

const START = '2026-06-15T10:00:00Z';
const PAGE = 50;
const INSTITUTION = 'fi-0001-sandbox';
const REDIRECT = 'http://127.0.0.1:53682/callback';
const MIN = 60_000;

type T = { after(fn: () => unknown): void };

function makeProvider(sim: PontoSim, o: { timeoutMs?: number; values?: Record<string, string> } = {}) {
  return new PontoProvider({
    config: staticConfig('Ponto', {
      client_id: PONTO_CLIENT_ID, client_secret: PONTO_CLIENT_SECRET, cert: pki.paths.clientCert, key: pki.paths.clientKey, ca: pki.ca,
      base_url: sim.baseUrl, auth_url: sim.authUrl, ...o.values,
    }),
    timeoutMs: o.timeoutMs ?? 5_000, pageLimit: PAGE, syncPollMs: 2,
  });
}

/** The consent as the user gives it: the consent page, then the redirect's parameters. */
async function consent(provider: PontoProvider, state = 'state-1234') {
  const { url } = await provider.startConsent({ institutionId: INSTITUTION, redirectUri: REDIRECT, state, mode: 'new' });
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  return { url: new URL(url), location, params: Object.fromEntries(location.searchParams) };
}

async function setup(t: T, o: { timeoutMs?: number } = {}) {
  const clock = FakeClock.at(START);
  const sim = await startPontoSimulator({ pki, now: clock.now });
  const provider = makeProvider(sim, o);
  const l = tempLedger();
  t.after(async () => {
    await provider.close();
    await sim.close();
    l.cleanup();
  });
  const account = sim.accounts[0]!;
  const ids = seedConnection(l.db, { provider: 'ponto', providerAccountId: account.id, currency: 'EUR' });
  const { params } = await consent(provider);
  const result = await provider.completeConsent({ institutionId: INSTITUTION, params, now: clock.now() });
  l.db.prepare('UPDATE connections SET provider_ref = ?, institution_id = ?, consent_expires_at = ? WHERE id = ?')
    .run(result.providerRef, INSTITUTION, result.consentExpiresAt ?? null, ids.connectionId);
  const secrets = new Map(Object.entries(result.secrets));
  const secretWrites: string[] = [];
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
  const run = { trigger: 'manual' as 'manual' | 'scheduled', getSecret: async (n: string) => secrets.get(n), setSecret: async (n: string, v: string) => { secretWrites.push(n); secrets.set(n, v); } };
  const sync = (trigger: 'manual' | 'scheduled' = 'manual') => engine.run(ids.connectionId, provider, { ...run, trigger });
  const db = l.db;
  const ledger = () => formatAmount(db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE journal_id = ?').pluck().get(ids.journalId) as number, 'EUR');
  const bankLines = () => db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE journal_id = ? AND kind = 'bank'`).pluck().get(ids.journalId) as number;
  const conn = () => db.prepare('SELECT state, state_action, retry_at FROM connections WHERE id = ?').get(ids.connectionId) as { state: string; state_action: string | null; retry_at: string | null };
  const lastChatter = () => listChatter(db, { connectionId: ids.connectionId }).at(-1)!;
  const ctx = (): ConnectionContext => ({
    connectionId: ids.connectionId, institutionId: INSTITUTION, providerRef: result.providerRef, interactive: true, now: clock.now,
    getSecret: run.getSecret, setSecret: run.setSecret,
  });
  return { sim, provider, clock, db, ids, account, secrets, secretWrites, sync, ledger, bankLines, conn, lastChatter, ctx, result };
}

test('consent: PKCE authorization code, the redirect with code and state, tokens, user id and consent end', async (t) => {
  const clock = FakeClock.at(START);
  const sim = await startPontoSimulator({ pki, now: clock.now });
  const provider = makeProvider(sim);
  t.after(async () => { await provider.close(); await sim.close(); });

  const { url, location, params } = await consent(provider, 'st-abc');
  assert.equal(url.origin + url.pathname, sim.authUrl);
  assert.equal(url.searchParams.get('client_id'), PONTO_CLIENT_ID);
  assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
  assert.equal(url.searchParams.get('response_type'), 'code');
  assert.equal(url.searchParams.get('scope'), 'ai pi name offline_access');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(location.origin + location.pathname, REDIRECT);
  assert.equal(params['state'], 'st-abc');
  assert.ok(params['code']);

  const r = await provider.completeConsent({ institutionId: INSTITUTION, params, now: clock.now() });
  assert.equal(r.providerRef, PONTO_SIM_USER);
  assert.ok(r.secrets['refresh_token']?.startsWith('rt-'));
  assert.ok(r.secrets['access_token']?.startsWith('at-'));
  assert.equal(r.consentExpiresAt, new Date(clock.ms + CONSENT_DAYS * 86_400_000).toISOString());
  const tokenCall = sim.sim.log.find((x) => x.path.endsWith('/oauth2/token'))!;
  const form = tokenCall.json as Record<string, string>;
  assert.equal(form['grant_type'], 'authorization_code');
  assert.equal(form['redirect_uri'], REDIRECT);
  assert.equal(tokenCall.headers['authorization'], `Basic ${Buffer.from(`${PONTO_CLIENT_ID}:${PONTO_CLIENT_SECRET}`).toString('base64')}`);

  // The code is single-use, and the verifier is forgotten once used: a replay is refused.
  await assert.rejects(provider.completeConsent({ institutionId: INSTITUTION, params, now: clock.now() }), (e) => isProviderError(e) && e.providerCode === 'STATE_MISMATCH');

  // The simulator enforces PKCE: the right code with a wrong verifier is invalid_grant.
  const second = await consent(provider, 'st-def');
  const agent = new Agent({ cert: pki.clientCert, key: pki.clientKey, ca: pki.ca });
  t.after(() => agent.destroy());
  const res = await httpsJson({
    method: 'POST', url: `${sim.baseUrl}/oauth2/token`, agent,
    headers: { authorization: `Basic ${Buffer.from(`${PONTO_CLIENT_ID}:${PONTO_CLIENT_SECRET}`).toString('base64')}` },
    form: { grant_type: 'authorization_code', code: second.params['code']!, code_verifier: 'x'.repeat(43), redirect_uri: REDIRECT },
  }, 'Ponto');
  assert.equal(res.status, 400);
  assert.equal((res.body as Record<string, string>)['error'], 'invalid_grant');

  // The user refuses at Ponto.
  sim.state.denyNextConsent = true;
  const denied = await consent(provider, 'st-deny');
  assert.equal(denied.params['error'], 'access_denied');
  await assert.rejects(provider.completeConsent({ institutionId: INSTITUTION, params: denied.params, now: clock.now() }), (e) => isProviderError(e) && e.code === 'user_action_required');
});

test('mTLS: the API refuses a client without the certificate; the provider needs cert and key', async (t) => {
  const clock = FakeClock.at(START);
  const sim = await startPontoSimulator({ pki, now: clock.now });
  t.after(() => sim.close());
  // global fetch cannot present a certificate (and does not trust the test CA either)
  await assert.rejects(fetch(`${sim.baseUrl}/financial-institutions`));
  // trusting the CA but without a client certificate: the handshake is refused
  const agent = new Agent({ ca: pki.ca });
  t.after(() => agent.destroy());
  await assert.rejects(new Promise((ok, fail) => {
    const r = request(`${sim.baseUrl}/financial-institutions`, { agent }, (res) => { res.resume(); res.on('end', () => ok(res.statusCode)); res.on('error', fail); });
    r.on('error', fail);
    r.end();
  }));
  await assert.rejects(httpsJson({ method: 'GET', url: `${sim.baseUrl}/financial-institutions`, agent }, 'Ponto'), (e) => isProviderError(e) && e.code === 'network');
  assert.ok(sim.refused.length >= 1, 'the server saw refused handshakes');
  const noCert = makeProvider(sim, { values: { cert: '' } });
  await assert.rejects(noCert.listInstitutions(), (e) => isProviderError(e) && e.providerCode === 'NOT_CONFIGURED');
  // with the certificate it works (PEM paths)
  const ok = makeProvider(sim, { values: { ca: pki.paths.ca } });
  t.after(() => ok.close());
  assert.equal((await ok.listInstitutions()).length, 7);
});

test('institutions are read to the last page, with beta flags', async (t) => {
  const clock = FakeClock.at(START);
  const sim = await startPontoSimulator({ pki, now: clock.now });
  const provider = makeProvider(sim);
  t.after(async () => { await provider.close(); await sim.close(); });
  const list = await provider.listInstitutions();
  assert.equal(list.length, 7);
  assert.equal(new Set(list.map((i) => i.id)).size, 7);
  assert.deepEqual(list.filter((i) => i.beta).map((i) => i.name), ['Crelan', 'Triodos']);
  assert.equal(list.find((i) => i.name === 'KBC')?.bic, 'KREDBEBB');
  assert.equal(list.find((i) => i.name === 'Triodos')?.country, 'NL');
});

test('a multi-month history syncs to the bank balance; a second sync doubles nothing', async (t) => {
  const s = await setup(t);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(s.bankLines(), s.account.posted.length);
  assert.ok(s.account.posted.length >= 300);
  const months = s.db.prepare('SELECT COUNT(DISTINCT substr(date, 1, 7)) FROM statement_lines WHERE journal_id = ?').pluck().get(s.ids.journalId) as number;
  assert.ok(months >= 6, `${months} months`);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.deepEqual(checkIntegrity(s.db), []);
  const pages = s.sim.sim.log.filter((x) => x.path.endsWith('/transactions'));
  assert.equal(pages.length, Math.ceil(s.account.posted.length / PAGE));
  assert.ok(pages.every((p) => p.query.get('page[limit]') === String(PAGE)));
  assert.ok(pages.slice(1).every((p) => p.query.has('page[after]')));
  // a manual sync asked Ponto to synchronize every account first, and waited for it
  assert.equal(s.sim.sim.log.filter((x) => x.method === 'POST' && x.path.endsWith('/synchronizations')).length, 2);
  // amounts kept exact, signs as Ponto gives them, counterpart kept
  const one = s.account.posted[3]!;
  const line = s.db.prepare(`SELECT l.amount, l.partner_name, l.account_number, l.date FROM statement_lines l JOIN line_provider_ids i ON i.line_id = l.id WHERE i.provider_id = ?`).get(one.id) as
    { amount: number; partner_name: string; account_number: string; date: string } | undefined;
  assert.ok(line, 'the transaction is in the ledger');
  assert.equal(line.amount, one.cents);
  assert.equal(line.partner_name, one.counterpartName);
  assert.equal(line.account_number, one.counterpartReference);
  assert.equal(line.date, one.date);

  // Second sync, an hour later: only the window's pages are read, nothing doubled.
  s.clock.ms += 60 * MIN;
  const before = s.sim.sim.log.length;
  const r2 = await s.sync();
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.equal(r2.stored, 0);
  assert.ok(r2.duplicates > 0);
  assert.equal(s.bankLines(), s.account.posted.length);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.deepEqual(checkIntegrity(s.db), []);
  const pages2 = s.sim.sim.log.slice(before).filter((x) => x.path.endsWith('/transactions'));
  assert.ok(pages2.length < pages.length, 'the second sync stops at its window');

  // New bank activity arrives on the next sync.
  s.clock.ms += 86_400_000;
  const newer = s.sim.addPosted(s.account.id, 123_456, '2026-06-16', 'Client Peeters');
  const r3 = await s.sync();
  assert.equal(r3.ok, true);
  assert.equal(r3.stored, 1);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.ok(s.db.prepare('SELECT 1 FROM line_provider_ids WHERE provider_id = ?').get(newer.id));
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('refresh tokens rotate: the new one is stored first, the old one is dead', async (t) => {
  const s = await setup(t);
  const first = s.secrets.get('refresh_token')!;
  s.clock.ms += 31 * MIN; // the access token (30 min) has lapsed
  const r = await s.sync('scheduled');
  assert.equal(r.ok, true, JSON.stringify(r.error));
  const second = s.secrets.get('refresh_token')!;
  assert.notEqual(second, first);
  assert.deepEqual(s.sim.currentRefreshTokens(), [second]);
  assert.deepEqual(s.secretWrites.slice(0, 3), ['refresh_token', 'access_token', 'access_token_expires_at']);

  // Ponto drops the access token early: one renewal, then the call is retried.
  s.sim.expireAccessTokens();
  s.clock.ms += MIN;
  const r2 = await s.sync('scheduled');
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.notEqual(s.secrets.get('refresh_token'), second);
  assert.equal(s.sim.sim.log.filter((x) => x.path.endsWith('/oauth2/token')).length, 3);

  // A refresh token used twice is refused (invalid_grant): login_required.
  s.secrets.set('refresh_token', first);
  s.secrets.delete('access_token');
  const r3 = await s.sync('scheduled');
  assert.equal(r3.ok, false);
  assert.equal(r3.error?.code, 'login_required');
  assert.deepEqual({ ...s.conn(), retry_at: null }, { state: 'waiting_for_user', state_action: 'update_credentials', retry_at: null });
  const c = s.lastChatter();
  assert.equal(c.reference, `ponto:${s.sim.state.lastErrorRequestId}`);
  assert.match(c.error_description ?? '', /already used|invalid/);
});

test('pending then posted under a new id gives one line, no duplicate', async (t) => {
  const s = await setup(t);
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.pending, 2);
  assert.equal(listPendingLines(s.db, s.ids.journalId).length, 2);
  const balanceBefore = s.ledger();
  const pend = s.account.pending[0]!;
  s.clock.ms += 86_400_000;
  const posted = s.sim.postPending(s.account.id, pend.id, '2026-06-16');
  assert.notEqual(posted.id, pend.id);
  const r2 = await s.sync();
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.equal(r2.stored, 1);
  const pendingLeft = listPendingLines(s.db, s.ids.journalId);
  assert.deepEqual(pendingLeft.map((p) => p.provider_id), [s.account.pending[0]!.id]);
  const ids = s.db.prepare(`SELECT provider_id, kind FROM line_provider_ids WHERE line_id = (SELECT line_id FROM line_provider_ids WHERE provider_id = ?) ORDER BY provider_id`).all(posted.id) as { provider_id: string; kind: string }[];
  assert.ok(ids.some((x) => x.provider_id === posted.id));
  assert.ok(ids.some((x) => x.provider_id === pend.id), 'the line remembers the pending id it replaced');
  assert.equal(s.bankLines(), s.account.posted.length);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.notEqual(s.ledger(), balanceBefore);
  // and once more: nothing changes
  s.clock.ms += 60 * MIN;
  const r3 = await s.sync();
  assert.equal(r3.stored, 0);
  assert.equal(s.bankLines(), s.account.posted.length);
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('authorizationExpired → reconnect; a reauthorization request renews it and the sync carries on', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  s.clock.ms += 91 * 86_400_000;
  s.sim.expireConsent();
  const r = await s.sync('scheduled');
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'consent_expired');
  assert.deepEqual({ state: s.conn().state, action: s.conn().state_action }, { state: 'waiting_for_user', action: 'reconnect' });
  assert.equal(s.lastChatter().reference, `ponto:${s.sim.state.lastErrorRequestId}`);
  assert.match(s.lastChatter().error_description ?? '', /expired/);

  // Reconnect: Ponto's reauthorization request, the bank's page, back with our state.
  const { url } = await s.provider.startConsent({ institutionId: INSTITUTION, redirectUri: REDIRECT, state: 'st-re', mode: 'reconnect', connection: s.ctx() });
  assert.match(url, /\/reauthorize\//);
  assert.ok(s.sim.sim.log.some((x) => x.method === 'POST' && x.path.endsWith('/reauthorization-requests')));
  const res = await fetch(url, { redirect: 'manual' });
  const params = Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
  assert.equal(params['state'], 'st-re');
  const renewed = await s.provider.completeConsent({ institutionId: INSTITUTION, params, now: s.clock.now() });
  assert.equal(renewed.providerRef, PONTO_SIM_USER);
  assert.equal(renewed.consentExpiresAt, new Date(s.clock.ms + CONSENT_DAYS * 86_400_000).toISOString());
  for (const [k, v] of Object.entries(renewed.secrets)) s.secrets.set(k, v);
  assert.deepEqual(s.sim.currentRefreshTokens(), [s.secrets.get('refresh_token')]);
  s.db.prepare(`UPDATE connections SET state = 'connected', state_action = NULL WHERE id = ?`).run(s.ids.connectionId);
  const r2 = await s.sync();
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
});

test('revoked at Ponto → login_required; revoke() kills the refresh token', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  // invalidAccessToken even after one renewal: login_required, with Ponto's request id
  const bad = { kind: 'status' as const, status: 401, body: { errors: [{ code: 'invalidAccessToken', detail: 'The access token is invalid.', meta: {} }] }, headers: { 'ibanity-request-id': 'req-401-twice' } };
  s.sim.sim.inject(bad, { times: 2, match: (x) => x.path.endsWith('/accounts') });
  s.clock.ms += MIN;
  const tokenCalls = s.sim.sim.log.filter((x) => x.path.endsWith('/oauth2/token')).length;
  const r0 = await s.sync('scheduled');
  assert.equal(r0.error?.code, 'login_required');
  assert.equal(s.lastChatter().reference, 'ponto:req-401-twice');
  assert.equal(s.sim.sim.log.filter((x) => x.path.endsWith('/oauth2/token')).length, tokenCalls + 1, 'renewed once, not more');
  s.db.prepare(`UPDATE connections SET state = 'connected', state_action = NULL, failed_logins = 0 WHERE id = ?`).run(s.ids.connectionId);
  await s.provider.revoke(s.ctx());
  assert.deepEqual(s.sim.currentRefreshTokens(), []);
  s.clock.ms += 31 * MIN;
  const r = await s.sync('scheduled');
  assert.equal(r.error?.code, 'login_required');
  assert.equal(s.conn().state_action, 'update_credentials');
  assert.equal(s.lastChatter().reference, `ponto:${s.sim.state.lastErrorRequestId}`);
});

test('tooManyRequests (429) → rate_limited with retryAt from Retry-After; accountRecentlySynchronized is not an error', async (t) => {
  const s = await setup(t);
  assert.equal((await s.sync()).ok, true);
  // A second manual sync 5 minutes later: Ponto refuses the refresh, we fetch what it has.
  s.clock.ms += 5 * MIN;
  const r = await s.sync();
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.match(listChatter(s.db, { connectionId: s.ids.connectionId }).map((c) => c.text).join('\n'), /limited number of refreshes.*after 2026-06-15T10:30:00.000Z/);

  s.clock.ms += 60 * MIN;
  const requestId = s.sim.rateLimitNext(600, (x) => x.path.endsWith('/transactions'));
  const r2 = await s.sync('scheduled');
  assert.equal(r2.ok, false);
  assert.equal(r2.error?.code, 'rate_limited');
  const c = s.conn();
  assert.equal(c.state, 'connected');
  assert.equal(c.retry_at, new Date(s.clock.ms + 600_000).toISOString());
  assert.equal(s.lastChatter().reference, `ponto:${requestId}`);
});

test('5xx → institution_down; faults mid-history store nothing of the bad page and the next sync carries on', async (t) => {
  const s = await setup(t, { timeoutMs: 400 });
  const midPage = (x: { path: string; query: URLSearchParams }) => x.path.endsWith('/transactions') && x.query.has('page[after]');

  // 500 on the second page: the first page is kept, nothing of the second.
  const requestId = s.sim.serverErrorNext(500, midPage);
  const r = await s.sync('scheduled');
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'institution_down');
  assert.equal(s.conn().state, 'error');
  assert.equal(s.lastChatter().reference, `ponto:${requestId}`);
  assert.equal(s.bankLines(), PAGE);

  const faults: { kind: 'timeout' | 'malformed' | 'truncated'; code: string }[] = [
    { kind: 'timeout', code: 'network' }, { kind: 'malformed', code: 'invalid_response' }, { kind: 'truncated', code: 'network' },
  ];
  let stored = PAGE;
  for (const f of faults) {
    s.clock.ms += MIN;
    // Let the resumed sync store one more page, then fail on the next one.
    let seen = 0;
    s.sim.sim.inject({ kind: f.kind }, { match: (x) => midPage(x) && ++seen === 2 });
    const rf = await s.sync('scheduled');
    assert.equal(rf.ok, false, f.kind);
    assert.equal(rf.error?.code, f.code, `${f.kind}: ${JSON.stringify(rf.error)}`);
    assert.ok(rf.error?.reference, 'a reference to copy');
    stored += PAGE;
    assert.equal(s.bankLines(), stored, `${f.kind}: only whole pages are stored`);
    assert.equal(s.conn().state, 'error');
  }

  s.clock.ms += MIN;
  const done = await s.sync('scheduled');
  assert.equal(done.ok, true, JSON.stringify(done.error));
  assert.equal(s.bankLines(), s.account.posted.length);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.equal(s.conn().state, 'connected');
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('a synchronization that fails at the bank, and an unreadable amount, are errors with Ponto\'s words', async (t) => {
  const s = await setup(t);
  s.sim.state.syncFailNext = { code: 'authorizationExpired', detail: 'The bank says the authorization has expired.' };
  const r = await s.sync();
  assert.equal(r.error?.code, 'consent_expired');
  assert.equal(s.conn().state_action, 'reconnect');

  s.db.prepare(`UPDATE connections SET state = 'connected', state_action = NULL WHERE id = ?`).run(s.ids.connectionId);
  s.sim.sim.inject({ kind: 'status', status: 200, body: { data: [{ type: 'transaction', id: 'x1', attributes: { amount: 'twelve', currency: 'EUR', executionDate: '2026-06-01T00:00:00.000Z' } }], links: {} } },
    { match: (x) => x.path.endsWith('/transactions') });
  const r2 = await s.sync('scheduled');
  assert.equal(r2.error?.code, 'invalid_response');
  assert.equal(s.bankLines(), 0);
});

test('a resumed sync whose cursor transaction was re-issued under a new id starts over without doubling', async (t) => {
  const s = await setup(t);
  const midPage = (x: { path: string; query: URLSearchParams }) => x.path.endsWith('/transactions') && x.query.has('page[after]');
  s.sim.serverErrorNext(503, midPage);
  const r = await s.sync('scheduled');
  assert.equal(r.error?.code, 'institution_down');
  assert.equal(s.bankLines(), PAGE);
  // the last transaction of the stored page (the cursor) gets a new id at the bank
  const cursorTx = s.account.posted[PAGE - 1]!;
  const oldId = cursorTx.id;
  assert.ok(s.sim.churnIds(s.account.id, cursorTx.date) >= 1);
  s.clock.ms += MIN;
  const r2 = await s.sync('scheduled');
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.ok(s.sim.sim.log.some((x) => x.query.get('page[after]') === oldId), 'the old cursor was tried');
  // the re-issued ones are recognised by Ponto's internalReference: no line twice
  assert.equal(s.bankLines(), s.account.posted.length);
  const opening = s.db.prepare(`SELECT amount FROM statement_lines WHERE journal_id = ? AND kind = 'opening'`).pluck().get(s.ids.journalId) as number;
  assert.equal(opening, s.account.openingCents);
  assert.equal(s.ledger(), s.sim.balance(s.account.id));
  assert.deepEqual(checkIntegrity(s.db), []);
});
