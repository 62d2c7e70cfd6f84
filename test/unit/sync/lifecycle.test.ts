// The engine's side of the connection lifecycle: quotas reported by the provider, rate limits,
// automatic sync refused, back-off of transient failures, failed logins and blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listChatter } from '../../../main/ledger/chatter';
import { ProviderError } from '../../../main/providers/errors';
import { backoffDelay } from '../../../main/sync/backoff';
import { DEFAULT_RATE_LIMIT_RETRY_MS, SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { ScriptedProvider } from '../../helpers/scripted-provider';

function setup() {
  const l = tempLedger();
  const ids = seedConnection(l.db);
  const clock = FakeClock.at('2026-03-20T10:00:00Z');
  const bank = new ScriptedProvider();
  bank.accounts = [{ id: 'acc-1', name: 'Current account', currency: 'EUR', balance: '0', posted: [], pending: [] }];
  const randoms: number[] = [];
  const engine = new SyncEngine(l.db, { now: clock.now, random: () => randoms.shift() ?? 0.5 });
  const sync = (trigger: 'manual' | 'scheduled' = 'scheduled') => engine.run(ids.connectionId, bank, { trigger });
  const failWith = (error: Error) => { bank.failNext = { method: 'listAccounts', error }; };
  const conn = () => l.db.prepare(
    'SELECT state, state_action, auto_sync, retry_at, backoff_attempts, failed_logins, blocked_reason, next_refresh, last_refresh FROM connections WHERE id = ?',
  ).get(ids.connectionId) as {
    state: string; state_action: string | null; auto_sync: number; retry_at: string | null; backoff_attempts: number;
    failed_logins: number; blocked_reason: string | null; next_refresh: string | null; last_refresh: string | null;
  };
  return { ...l, ...ids, clock, bank, randoms, sync, failWith, conn };
}

test('the provider\'s reported budgets are recorded per online account', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const second = Number(s.db.prepare(`INSERT INTO online_accounts (connection_id, provider_account_id, name, currency) VALUES (?, 'acc-2', 'Savings', 'EUR')`).run(s.connectionId).lastInsertRowid);
  s.bank.listAccounts = async (ctx) => {
    ctx.reportQuota?.({ limit: 10, remaining: 9 }); // the whole connection
    ctx.reportQuota?.({ accountId: 'acc-1', limit: 4, remaining: 2, resetAt: '2026-03-21T00:00:00+01:00' });
    ctx.reportQuota?.({ accountId: 'acc-1', limit: -3, remaining: Number.NaN, resetAt: 'soon' }); // unreadable: ignored
    return [{ id: 'acc-1', name: 'Current account', currency: 'EUR', balance: '0' }];
  };
  assert.equal((await s.sync('manual')).ok, true);
  const rows = s.db.prepare('SELECT online_account_id, daily_limit, remaining, reset_at FROM account_quotas ORDER BY online_account_id').all();
  assert.deepEqual(rows, [
    { online_account_id: s.accountId, daily_limit: 4, remaining: 2, reset_at: '2026-03-20T23:00:00.000Z' },
    { online_account_id: second, daily_limit: 10, remaining: 9, reset_at: null },
  ]);
});

test('scheduled runs count as unattended use of each account', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.sync('scheduled');
  s.clock.ms += 3_600_000;
  await s.sync('manual');
  s.clock.ms += 3_600_000;
  await s.sync('scheduled');
  const q = s.db.prepare('SELECT used, window_start FROM account_quotas WHERE online_account_id = ?').get(s.accountId);
  assert.deepEqual(q, { used: 2, window_start: '2026-03-20T10:00:00.000Z' }, 'manual runs are not unattended');
});

test('a rate limit sets retry_at (the provider\'s or a default) and never the schedule', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.sync();
  const before = s.conn();
  s.clock.ms += 13 * 3_600_000;
  s.failWith(new ProviderError('rate_limited', '429'));
  await s.sync();
  const c = s.conn();
  assert.equal(c.retry_at, new Date(s.clock.ms + DEFAULT_RATE_LIMIT_RETRY_MS).toISOString());
  assert.deepEqual([c.next_refresh, c.last_refresh, c.state], [before.next_refresh, before.last_refresh, 'connected']);
  assert.equal(s.db.prepare('SELECT remaining FROM account_quotas WHERE online_account_id = ?').pluck().get(s.accountId), null,
    'without a time to come back, manual runs stay possible');

  s.failWith(new ProviderError('rate_limited', '429', { retryAt: '2026-03-22T08:00:00Z' }));
  await s.sync();
  assert.equal(s.conn().retry_at, '2026-03-22T08:00:00.000Z');
  assert.deepEqual(s.db.prepare('SELECT remaining, reset_at FROM account_quotas WHERE online_account_id = ?').get(s.accountId),
    { remaining: 0, reset_at: '2026-03-22T08:00:00.000Z' });

  s.failWith(new ProviderError('rate_limited', '429', { retryAt: '2020-01-01T00:00:00Z' })); // a time already past
  await s.sync();
  assert.equal(s.conn().retry_at, new Date(s.clock.ms + DEFAULT_RATE_LIMIT_RETRY_MS).toISOString(), 'never a retry in the past');
});

test('automatic synchronization refused: auto-sync off, the state kept, the chatter says to synchronize manually', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.failWith(new ProviderError('automatic_sync_refused', 'unattended refused', { description: 'PSU not present' }));
  const r = await s.sync();
  assert.equal(r.ok, false);
  assert.deepEqual([s.conn().auto_sync, s.conn().state], [0, 'connected']);
  const [m] = listChatter(s.db, { connectionId: s.connectionId });
  assert.equal(m!.level, 'warning');
  assert.match(m!.text, /does not allow automatic synchronization.*switched it off.*Fetch Transactions/);
  assert.equal(m!.error_description, 'PSU not present');
});

test('transient failures back off exponentially with jitter and reset on success', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const failures: [Error, number][] = [
    [new ProviderError('institution_down', '503'), 0.0],
    [new ProviderError('network', 'ETIMEDOUT'), 0.99],
    [new Error('HTTP 500'), 0.5],
    [new ProviderError('invalid_response', 'bad JSON'), 0.25],
  ];
  for (const [i, [error, r]] of failures.entries()) {
    s.randoms.push(r);
    s.failWith(error);
    await s.sync();
    const c = s.conn();
    assert.equal(c.backoff_attempts, i + 1);
    assert.equal(c.retry_at, new Date(s.clock.ms + backoffDelay(i, () => r)).toISOString(), `failure ${i + 1}`);
    assert.equal(c.next_refresh, null, 'the schedule does not advance');
    s.clock.ms = Date.parse(c.retry_at!);
  }
  // "Not ready yet" is no failure but is not worth asking again at once either.
  s.failWith(new ProviderError('not_ready', 'PRODUCT_NOT_READY'));
  assert.equal((await s.sync()).ok, true);
  assert.equal(s.conn().backoff_attempts, 5);
  assert.equal((await s.sync()).ok, true);
  assert.deepEqual([s.conn().retry_at, s.conn().backoff_attempts], [null, 0]);
});

test('3 consecutive failed logins block the connection; success resets the count; MFA prompts do not count', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const login = () => new ProviderError('login_required', 'ITEM_LOGIN_REQUIRED');
  for (let i = 0; i < 2; i++) {
    s.failWith(login());
    await s.sync('manual');
  }
  assert.deepEqual([s.conn().state, s.conn().failed_logins], ['waiting_for_user', 2]);
  await s.sync('manual');
  assert.equal(s.conn().failed_logins, 0, 'a successful login resets the count');

  for (let i = 0; i < 3; i++) {
    s.failWith(new ProviderError('user_action_required', 'SCA'));
    await s.sync('manual');
  }
  assert.deepEqual([s.conn().state, s.conn().failed_logins], ['waiting_for_user', 0]);

  for (let i = 0; i < 3; i++) {
    s.failWith(login());
    await s.sync('manual');
  }
  const c = s.conn();
  assert.deepEqual([c.state, c.state_action, c.blocked_reason, c.failed_logins], ['blocked', 'reactivate', 'repeated_failed_logins', 3]);
  assert.match(listChatter(s.db, { connectionId: s.connectionId }).at(-1)!.text, /refused the login 3 times in a row/);
  s.bank.calls = [];
  const r = await s.sync('manual');
  assert.equal(r.error!.code, 'blocked');
  assert.equal(s.bank.calls.length, 0, 'no request while blocked');
});

test('the provider\'s lock blocks the connection with its reason', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.failWith(new ProviderError('locked', 'SUSPICIOUS_ACTIVITY'));
  await s.sync();
  assert.deepEqual([s.conn().state, s.conn().state_action, s.conn().blocked_reason], ['blocked', 'reactivate', 'provider_locked']);
});
