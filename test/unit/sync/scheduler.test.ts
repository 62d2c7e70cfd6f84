import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listChatter } from '../../../main/ledger/chatter';
import { checkIntegrity } from '../../../main/ledger/integrity';
import { getJournal } from '../../../main/ledger/journals';
import { listLines } from '../../../main/ledger/lines';
import { setSetting } from '../../../main/ledger/settings';
import { ProviderError } from '../../../main/providers/errors';
import { BACKOFF_BASE_MS, backoffDelay } from '../../../main/sync/backoff';
import { SYNC_INTERVAL_HOURS } from '../../../main/sync/engine';
import { recordQuotaReport } from '../../../main/sync/quotas';
import { consentDaysLeft, LEASE_MS, LeaseBusyError, STAGGER_MS, type SchedulerEvent } from '../../../main/sync/scheduler';
import { tx } from '../../helpers/scripted-provider';
import { DAY, HOUR, iso, MINUTE, schedulerSetup } from './scheduler-fixture';

const ofType = <T extends SchedulerEvent['type']>(events: SchedulerEvent[], type: T) =>
  events.filter((e): e is Extract<SchedulerEvent, { type: T }> => e.type === type);

test('every 12 hours from next_refresh, which survives a restart; a connection never synced is due at once', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const t0 = s.clock.ms;
  const a = s.scheduler();
  assert.deepEqual(await a.due(), [{ connection_id: s.ids[0], due_at: null }], 'never synchronized: due at once');
  const [first] = await a.tick();
  assert.equal(first!.ok, true);
  assert.equal(s.requests.length, 1);
  assert.equal(s.requests[0]!.interactive, false, 'a scheduled run is unattended');
  assert.equal(s.conn(s.ids[0]!).next_refresh, iso(t0 + SYNC_INTERVAL_HOURS * HOUR));
  assert.deepEqual(await a.due(), []);

  await s.tickFor(a, 12 * HOUR - 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 1, 'nothing before the 12 hours are up');
  await s.tickFor(a, 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 2);
  assert.equal(s.requests[1]!.at, t0 + 12 * HOUR);

  // "Restart": another process opens the same file 6 hours later with a new scheduler.
  s.db.close();
  const db = s.openAgain();
  t.after(() => db.close());
  const b = s.scheduler({ db });
  await s.tickFor(b, 6 * HOUR, 10 * MINUTE);
  assert.equal(s.requests.length, 2, 'the stored next_refresh is kept after the restart');
  await s.tickFor(b, 6 * HOUR, 10 * MINUTE);
  assert.deepEqual(s.requests.map((r) => r.at), [t0, t0 + 12 * HOUR, t0 + 24 * HOUR]);
});

test('after 3 days asleep each connection catches up once, spread out in a fixed order', async (t) => {
  const s = schedulerSetup({ connections: 3 });
  t.after(s.cleanup);
  const sch = s.scheduler();
  await s.tickFor(sch, 10 * MINUTE);
  assert.equal(s.requests.length, 3);
  const before = s.requests.map((r) => r.connectionId);
  s.requests.length = 0;

  s.clock.advanceDays(3); // the computer slept: six intervals missed for every connection
  const wake = s.clock.ms;
  const firstTick = await sch.tick();
  assert.equal(firstTick.length, 1, 'one run starts at wake-up, not a stampede');
  await s.tickFor(sch, 30 * MINUTE);
  assert.equal(s.requests.length, 3, 'each connection catches up exactly once');
  assert.deepEqual(s.requests.map((r) => r.connectionId), before, 'same order as their schedule');
  assert.equal(s.requests[0]!.at, wake);
  for (let i = 1; i < 3; i++) assert.ok(s.requests[i]!.at - s.requests[i - 1]!.at >= STAGGER_MS, 'starts are staggered');
  // Their next runs stay spread out, 12 hours after each catch-up.
  for (const r of s.requests) assert.equal(s.conn(r.connectionId).next_refresh, iso(r.at + 12 * HOUR));
});

test('two schedulers on one file never run a connection at once; a dead owner\'s lease lapses', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const id = s.ids[0]!;
  const dbB = s.openAgain();
  t.after(() => dbB.close());

  let active = 0;
  let maxActive = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let entered!: () => void;
  const inside = new Promise<void>((r) => { entered = r; });
  const plain = s.scheduler({ owner: 'A2' });
  const engineRun = s.runSync();
  const slowA = s.scheduler({
    owner: 'A',
    runSync: async (cid, trigger) => {
      active++;
      maxActive = Math.max(maxActive, active);
      entered();
      await gate;
      try {
        return await engineRun(cid, trigger);
      } finally {
        active--;
      }
    },
  });
  const b = s.scheduler({ db: dbB, owner: 'B' });

  const running = slowA.tick();
  await inside;
  assert.equal(s.conn(id).lease_owner, 'A');
  assert.deepEqual(await b.tick(), [], 'B sees the lease and does not start');
  const [busy] = await b.syncNow([id]);
  assert.equal(busy!.ok, false);
  assert.equal(busy!.error!.code, 'busy');
  await assert.rejects(b.withLease(id, async () => 1), LeaseBusyError);
  assert.match(busy!.error!.message, /Another Ledgerlink process/);
  const [busyHere] = await slowA.syncNow([id]);
  assert.equal(busyHere!.error!.code, 'busy', 'the same process does not start it twice either');
  assert.match(busyHere!.error!.message, /^This connection is being synchronized already/);
  await assert.rejects(slowA.withLease(id, async () => 1), (e: LeaseBusyError) => e.holder === 'this process');
  assert.equal(s.requests.length, 0);
  release();
  const [done] = await running;
  assert.equal(done!.ok, true);
  assert.equal(maxActive, 1);
  assert.equal(s.requests.length, 1);
  assert.equal(s.conn(id).lease_owner, null, 'released after the run');

  // Two processes racing for the lease: exactly one gets it.
  const results = await Promise.allSettled([
    b.withLease(id, () => new Promise((r) => setTimeout(() => r('b'), 20))),
    plain.withLease(id, () => new Promise((r) => setTimeout(() => r('a'), 20))),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof LeaseBusyError));

  // A process died holding the lease (kill -9 mid-run): nobody runs it until the lease lapses.
  s.clock.ms += 13 * HOUR;
  s.db.prepare('UPDATE connections SET lease_owner = ?, lease_until = ? WHERE id = ?').run('4242-dead', iso(s.clock.ms + LEASE_MS), id);
  assert.deepEqual(await b.tick(), []);
  s.clock.ms += LEASE_MS - MINUTE;
  assert.deepEqual(await b.tick(), []);
  assert.equal(s.requests.length, 1);
  s.clock.ms += MINUTE;
  const [taken] = await b.tick();
  assert.equal(taken!.ok, true, 'the lapsed lease is taken over');
  assert.equal(s.requests.length, 2);
  assert.equal(s.conn(id).lease_owner, null);
});

test('Synchronize Now runs ahead of the schedule and asks the provider to refresh first', async (t) => {
  const s = schedulerSetup({ connections: 2 });
  t.after(s.cleanup);
  const sch = s.scheduler();
  await s.tickFor(sch, 5 * MINUTE);
  assert.equal(s.requests.length, 2);
  for (const b of s.banks.values()) {
    assert.equal(b.provider.calls.some((c) => c.method === 'requestRefresh'), false, 'scheduled runs do not ask a refresh');
    b.provider.calls = [];
  }
  s.clock.ms += HOUR;
  const [one, two] = await sch.syncNow();
  assert.deepEqual([one!.ok, two!.ok], [true, true]);
  for (const b of s.banks.values()) {
    assert.equal(b.provider.calls[0]!.method, 'requestRefresh');
    assert.equal(s.conn(b.connectionId).next_refresh, iso(s.clock.ms + 12 * HOUR), 'the schedule restarts from the manual run');
  }
  assert.ok(s.requests.slice(2).every((r) => r.interactive), 'a manual run is user-present');

  // Fetch Transactions: one connection only.
  const [only] = await sch.syncNow([s.ids[1]!]);
  assert.equal(only!.connection_id, s.ids[1]);
  assert.equal(s.requests.length, 5);
});

test('with 4 unattended requests a day the scheduler never makes a 5th in 24 h, keeps one for the user, and says when', async (t) => {
  const s = schedulerSetup({ institution: { unattendedPerDay: 4 } });
  t.after(s.cleanup);
  // The bank is down for days: back-off alone would retry after 5, 10, 20... minutes.
  s.bank.fault = () => new ProviderError('institution_down', 'HTTP 503');
  const sch = s.scheduler();
  await sch.tick();
  await s.tickFor(sch, 3 * DAY);
  const times = s.requests.filter((r) => !r.interactive).map((r) => r.at);
  assert.ok(times.length >= 6, `it keeps trying inside the budget (${times.length} attempts)`);
  for (const at of times) {
    const inDay = times.filter((x) => x > at - DAY && x <= at).length;
    assert.ok(inDay <= 3, `at most 3 unattended requests in any 24 h (one kept for the user), got ${inDay}`);
  }
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 6 * HOUR, 'spaced by at least 24 h / 4');

  const deferrals = ofType(s.events, 'quota_deferred');
  assert.ok(deferrals.length > 0, 'the deferral is notified');
  for (const d of deferrals) {
    assert.equal(d.limit, 4);
    assert.ok(times.includes(Date.parse(d.next_attempt_at)) || Date.parse(d.next_attempt_at) > s.clock.ms, 'the notified time is when it ran');
  }
  assert.equal(new Set(deferrals.map((d) => d.next_attempt_at)).size, deferrals.length, 'each deferral is notified once');

  // The user, present, is not held to the unattended budget.
  s.bank.fault = null;
  const [manual] = await sch.syncNow();
  assert.equal(manual!.ok, true);
});

test('a provider rate limit keeps next_refresh, sets retry_at, and the scheduler waits until then', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  setSetting(s.db, 'timezone', 'UTC');
  const sch = s.scheduler();
  const t0 = s.clock.ms;
  await sch.tick();
  const before = s.conn(s.ids[0]!);
  const retryAt = iso(t0 + 15 * HOUR);
  s.bank.fault = () => new ProviderError('rate_limited', 'HTTP 429', { retryAt });
  await s.tickFor(sch, 12 * HOUR, 10 * MINUTE);
  assert.equal(s.requests.length, 2);
  s.bank.fault = null;
  const after = s.conn(s.ids[0]!);
  assert.equal(after.next_refresh, before.next_refresh, 'the schedule does not advance');
  assert.equal(after.last_refresh, before.last_refresh);
  assert.equal(after.retry_at, retryAt);
  assert.ok(listChatter(s.db, { connectionId: s.ids[0]! }).some((m) => m.text.includes(`after ${retryAt}`)), 'the user is told when');

  // Meanwhile a manual run is refused without any request: no request at all is left.
  const [refused] = await sch.syncNow();
  assert.equal(refused!.ok, false);
  assert.match(refused!.error!.message, /the next is possible at 01:00 on 2026-03-21/);
  assert.equal(s.requests.length, 2);

  await s.tickFor(sch, 3 * HOUR - 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 2, 'nothing before retry_at');
  await s.tickFor(sch, 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 3);
  assert.equal(s.requests[2]!.at, t0 + 15 * HOUR);
  assert.equal(s.conn(s.ids[0]!).retry_at, null);
  assert.equal(s.conn(s.ids[0]!).next_refresh, iso(t0 + 27 * HOUR));
});

test('a manual sync the provider\'s quota forbids says so and makes no request', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  setSetting(s.db, 'timezone', 'Europe/Brussels');
  const resetAt = '2026-03-20T13:30:00Z'; // 14:30 in Brussels
  const list = s.bank.provider.listAccounts;
  s.bank.provider.listAccounts = async (ctx) => {
    ctx.reportQuota?.({ accountId: 'acc-1', limit: 4, remaining: 0, resetAt });
    return list(ctx);
  };
  const sch = s.scheduler();
  const [first] = await sch.syncNow();
  assert.equal(first!.ok, true);
  const q = s.db.prepare('SELECT daily_limit, remaining, reset_at FROM account_quotas').get();
  assert.deepEqual(q, { daily_limit: 4, remaining: 0, reset_at: '2026-03-20T13:30:00.000Z' }, 'the reported budget is recorded per account');

  s.clock.ms += 30 * MINUTE;
  const [refused] = await sch.syncNow([s.ids[0]!]);
  assert.equal(refused!.ok, false);
  assert.equal(refused!.error!.code, 'rate_limited');
  assert.match(refused!.error!.message, /^Scripted Bank allows 4 requests a day; the next is possible at 14:30\./);
  assert.equal(s.requests.length, 1, 'no request was made');

  s.clock.ms = Date.parse(resetAt);
  const [again] = await sch.syncNow();
  assert.equal(again!.ok, true);
  assert.equal(s.requests.length, 2);
});

test('a scheduled run waits for the provider\'s reported reset and the deferral is notified', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const sch = s.scheduler();
  await sch.tick();
  // The provider says a single request is left until tomorrow: kept for the user.
  const t0 = s.clock.ms;
  const resetAt = iso(t0 + 20 * HOUR);
  recordQuotaReport(s.db, 1, { limit: 4, remaining: 1, resetAt }, s.clock.now());
  await s.tickFor(sch, 20 * HOUR - 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 1);
  const [d] = ofType(s.events, 'quota_deferred');
  assert.equal(d!.next_attempt_at, resetAt);
  assert.equal(d!.reason, 'reserve');
  await s.tickFor(sch, 10 * MINUTE, 10 * MINUTE);
  assert.equal(s.requests.length, 2);
});

test('an institution refusing automatic sync: auto-sync off, the chatter says so, never retried by the schedule', async (t) => {
  const s = schedulerSetup({ institution: null });
  t.after(s.cleanup);
  s.bank.fault = (ctx) => (ctx.interactive ? undefined : new ProviderError('automatic_sync_refused', 'unattended access refused'));
  const sch = s.scheduler();
  const [r] = await sch.tick();
  assert.equal(r!.ok, false);
  const c = s.conn(s.ids[0]!);
  assert.equal(c.auto_sync, 0);
  assert.notEqual(c.state, 'error', 'the connection itself works (manually)');
  const last = listChatter(s.db, { connectionId: s.ids[0]! }).at(-1)!;
  assert.match(last.text, /switched it off/);
  assert.match(last.text, /Fetch Transactions to synchronize manually/);
  await s.tickFor(sch, 3 * DAY, 30 * MINUTE);
  assert.equal(s.requests.length, 1, 'no retry by the schedule');
  const [manual] = await sch.syncNow();
  assert.equal(manual!.ok, true, 'manual synchronization still works');

  // Known beforehand from the institution: switched off without trying.
  const s2 = schedulerSetup({ institution: { automaticSync: false } });
  t.after(s2.cleanup);
  const sch2 = s2.scheduler();
  assert.deepEqual(await sch2.tick(), []);
  await s2.tickFor(sch2, DAY, HOUR);
  assert.equal(s2.requests.length, 0);
  assert.equal(s2.conn(s2.ids[0]!).auto_sync, 0);
  assert.equal(ofType(s2.events, 'auto_sync_off').length, 1);
  assert.equal(listChatter(s2.db, { connectionId: s2.ids[0]! }).filter((m) => /switched it off/.test(m.text)).length, 1);
});

test('MFA needed: waiting_for_user, one notification, no retries over days', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  s.bank.fault = () => new ProviderError('user_action_required', 'SCA required');
  const sch = s.scheduler();
  await sch.tick();
  assert.equal(s.conn(s.ids[0]!).state, 'waiting_for_user');
  await s.tickFor(sch, 4 * DAY, 10 * MINUTE);
  assert.equal(s.requests.length, 1, 'no retry loop');
  assert.deepEqual(ofType(s.events, 'waiting_for_user'), [{ type: 'waiting_for_user', connection_id: s.ids[0], action: 'mfa' }]);

  // The user gives the code (Fetch Transactions): back on schedule.
  s.bank.fault = null;
  const [r] = await sch.syncNow();
  assert.equal(r!.state, 'connected');
  await s.tickFor(sch, 12 * HOUR, 10 * MINUTE);
  assert.equal(s.requests.length, 3);
});

test('consent reminders at exactly 15, 3 and 1 days before the end, once each, with Reconnect', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const end = s.clock.ms + 20 * DAY;
  s.db.prepare('UPDATE connections SET consent_expires_at = ?').run(iso(end));
  const chatter: string[] = [];
  let sch = s.scheduler({ onChatter: (c) => chatter.push(c.text) });
  const at: number[] = [];
  const step = async (until: number) => {
    while (s.clock.ms < until) {
      s.clock.ms += HOUR;
      const n = ofType(s.events, 'consent_expiring').length;
      await sch.tick();
      if (ofType(s.events, 'consent_expiring').length > n) at.push(s.clock.ms);
    }
  };
  await step(end - 10 * DAY);
  // A restart in between does not remind twice.
  sch = s.scheduler({ onChatter: (c) => chatter.push(c.text) });
  await step(end - HOUR);
  assert.deepEqual(at, [end - 15 * DAY, end - 3 * DAY, end - DAY]);
  const reminders = ofType(s.events, 'consent_expiring');
  assert.deepEqual(reminders.map((r) => [r.days_left, r.action]), [[15, 'reconnect'], [3, 'reconnect'], [1, 'reconnect']]);
  const texts = listChatter(s.db, { connectionId: s.ids[0]! }).filter((m) => /consent/.test(m.text));
  assert.equal(texts.length, 3);
  assert.ok(texts.every((m) => m.level === 'warning' && /Use Reconnect to renew it/.test(m.text)));
  assert.match(texts[0]!.text, /ends in 15 days/);
  assert.match(texts[2]!.text, /ends in 1 day \(/);
  assert.deepEqual(chatter, texts.map((m) => m.text), 'the chatter events went out');

  // Renewed: the reminders start over for the new consent.
  s.db.prepare('UPDATE connections SET consent_expires_at = ?').run(iso(s.clock.ms + 90 * DAY));
  await sch.tick();
  assert.equal(s.conn(s.ids[0]!).consent_reminded_days, null);
});

test('consentDaysLeft rounds up to whole days', () => {
  const now = new Date('2026-03-20T10:00:00Z');
  const c = (ms: number) => ({ consent_expires_at: iso(now.getTime() + ms) });
  assert.equal(consentDaysLeft(c(15 * DAY), now), 15);
  assert.equal(consentDaysLeft(c(15 * DAY + 1), now), 16);
  assert.equal(consentDaysLeft(c(1), now), 1);
  assert.equal(consentDaysLeft(c(0), now), 0);
  assert.equal(consentDaysLeft(c(-DAY), now), 0);
  assert.equal(consentDaysLeft({ consent_expires_at: null }, now), null);
});

test('offline pauses the schedule and it resumes when the network is back, nothing lost', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const sch = s.scheduler();
  await sch.tick();
  s.net.online = false;
  s.bank.provider.accounts[0]!.posted.push(tx('late', '2026-03-21', '5.00'));
  s.bank.provider.accounts[0]!.balance = '15.00';
  await s.tickFor(sch, DAY, 10 * MINUTE);
  assert.equal(s.requests.length, 1, 'no run while offline');
  assert.deepEqual(s.events.map((e) => e.type), ['offline'], 'offline notified once');
  s.net.online = true;
  const [r] = await sch.tick();
  assert.equal(r!.ok, true, 'the missed run happens as soon as the network is back');
  assert.deepEqual(s.events.map((e) => e.type), ['offline', 'online']);
  assert.equal(getJournal(s.db, 1)!.balance, 1500);
});

test('transient 500s back off with growing, jittered delays, then succeed with nothing lost', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const p = s.bank.provider;
  p.pageSize = 3;
  p.accounts[0]!.posted = Array.from({ length: 10 }, (_, i) => tx(`t${i}`, `2026-03-${String(i + 1).padStart(2, '0')}`, `${i + 1}.00`));
  p.accounts[0]!.balance = '55.00';
  let attempt = 0;
  s.bank.fault = () => {
    attempt++;
    if (attempt === 1) return new ProviderError('institution_down', 'HTTP 503');
    if (attempt === 2) p.failNext = { method: 'fetchTransactions', error: new Error('HTTP 500 Internal Server Error'), afterPages: 1 };
    if (attempt === 3) return new ProviderError('network', 'ETIMEDOUT');
    if (attempt === 4) return new ProviderError('institution_down', 'HTTP 502');
    return undefined;
  };
  const jitter = [0.0, 0.9, 0.3, 0.99];
  s.randoms.push(...jitter);
  const sch = s.scheduler();
  const start = s.clock.ms;
  await sch.tick();
  while (attempt < 5) {
    s.clock.ms += 10_000; // finer than the delays, to see them exactly
    await sch.tick();
    assert.ok(s.clock.ms - start < DAY, 'it succeeds within a day');
  }
  // First failure (at start) and the next three, each stored with its delay.
  const delays = s.requests.slice(1).map((r, i) => r.at - s.requests[i]!.at);
  assert.equal(delays.length, 4);
  for (let i = 0; i < 4; i++) {
    const exact = backoffDelay(i, () => jitter[i]!);
    assert.ok(delays[i]! >= exact && delays[i]! < exact + 10_000, `attempt ${i + 1} waited ${delays[i]} ms, planned ${exact}`);
    assert.ok(exact >= BACKOFF_BASE_MS * 2 ** i * 0.8 && exact <= BACKOFF_BASE_MS * 2 ** i * 1.2, 'within ±20 % of 5 min × 2^n');
  }
  assert.ok(delays[1]! > delays[0]! && delays[2]! > delays[1]! && delays[3]! > delays[2]!, 'growing');
  assert.notEqual(delays[0], BACKOFF_BASE_MS, 'jittered');
  const c = s.conn(1);
  assert.deepEqual([c.state, c.retry_at, c.backoff_attempts], ['connected', null, 0], 'reset on success');
  const ids = listLines(s.db, { journalId: 1 }).filter((l) => l.kind === 'bank').map((l) => l.provider_ids[0]!.id).sort();
  assert.deepEqual(ids, p.accounts[0]!.posted.map((x) => x.id).sort(), 'ledger equals bank');
  assert.equal(getJournal(s.db, 1)!.balance, 5500);
  assert.deepEqual(checkIntegrity(s.db), []);
});

test('3 failed logins in a row block the connection: no more requests', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  s.bank.fault = () => new ProviderError('login_required', 'ITEM_LOGIN_REQUIRED');
  const sch = s.scheduler();
  await sch.tick();
  assert.deepEqual([s.conn(1).state, s.conn(1).failed_logins], ['waiting_for_user', 1]);
  await s.tickFor(sch, DAY, HOUR);
  assert.equal(s.requests.length, 1, 'waiting for the user: not retried by the schedule');
  // The user keeps trying with the wrong login.
  await sch.syncNow();
  assert.equal(s.conn(1).failed_logins, 2);
  const [third] = await sch.syncNow();
  assert.equal(third!.state, 'blocked');
  const c = s.conn(1);
  assert.deepEqual([c.state, c.state_action, c.blocked_reason], ['blocked', 'reactivate', 'repeated_failed_logins']);
  assert.match(listChatter(s.db, { connectionId: 1 }).at(-1)!.text, /refused the login 3 times in a row.*Re-activate/);
  assert.equal(s.requests.length, 3);
  const [fourth] = await sch.syncNow();
  assert.equal(fourth!.ok, false);
  assert.equal(fourth!.error!.code, 'blocked');
  await s.tickFor(sch, 3 * DAY, HOUR);
  assert.equal(s.requests.length, 3, 'a blocked connection makes no request');
  assert.deepEqual(ofType(s.events, 'blocked'), [{ type: 'blocked', connection_id: 1, reason: 'repeated_failed_logins', action: 'reactivate' }]);
});

test('syncDue runs only what is due, once', async (t) => {
  const s = schedulerSetup({ connections: 3 });
  t.after(s.cleanup);
  const sch = s.scheduler();
  const first = await sch.syncDue();
  assert.deepEqual(first.map((r) => [r.connection_id, r.ok]), [[1, true], [2, true], [3, true]]);
  s.clock.ms += HOUR;
  await sch.syncNow([2]);
  s.clock.ms += 11 * HOUR;
  const second = await sch.syncDue();
  assert.deepEqual(second.map((r) => r.connection_id), [1, 3], 'connection 2 ran an hour later: not due yet');
  assert.deepEqual(await sch.syncDue(), []);
});

test('start() looks for due work on its own until stop()', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const sch = s.scheduler({ tickMs: 5 });
  sch.start();
  for (let i = 0; i < 100 && s.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await sch.stop();
  assert.equal(s.requests.length, 1);
  s.clock.ms += 13 * HOUR;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(s.requests.length, 1, 'stopped');
});
