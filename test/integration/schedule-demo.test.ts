// The scheduler inside the core, driven by a fake clock, against the Demo Bank's special
// institutions: a PSD2 bank allowing 4 unattended requests a day, a bank asking a security
// code for unattended access, a bank refusing automatic sync, and a 90-day consent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotificationEvent, Result } from '../../preload/api';
import { Core } from '../../main/core/index';
import { hasNetwork } from '../../main/core/network';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { FakeClock, tempDir } from '../helpers/ledger';

const HOUR = 3_600_000;

function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function setup(t: { after(fn: () => unknown): void }, institution: string) {
  const tmp = tempDir();
  const clock = FakeClock.at('2026-06-15T08:00:00Z');
  const core = new Core({ dataDir: tmp.dir, now: clock.now });
  t.after(async () => {
    await core.close();
    tmp.cleanup();
  });
  const events: NotificationEvent[] = [];
  core.on('notification', (e) => events.push(e));
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: institution }));
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  await fetch(await completeConsentHeadlessly(started.consent_url));
  const { connection, accounts } = ok(await finishing);
  ok(await core.api.linkAccounts({ connection_id: connection.id, links: accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })) }));
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  const runs = (trigger: string) => core.db.prepare('SELECT result, error_code, started_at FROM sync_runs WHERE trigger = ? ORDER BY id').all(trigger) as { result: string; error_code: string | null; started_at: string }[];
  /** Lets the schedule run for `hours`, ticking every 10 minutes of fake time. */
  const live = async (hours: number) => {
    for (let end = clock.ms + hours * HOUR; clock.ms < end;) {
      clock.ms += 10 * 60_000;
      await core.scheduler.tick();
    }
  };
  return { core, clock, connection, events, runs, live };
}

test('a PSD2 bank allowing 4 unattended requests a day is never asked a fifth', async (t) => {
  const s = await setup(t, 'demo-psd2');
  await s.live(72);
  const scheduled = s.runs('scheduled');
  assert.ok(scheduled.length >= 6, `it kept synchronizing (${scheduled.length} runs in 3 days)`);
  assert.deepEqual(scheduled.filter((r) => r.result !== 'success'), [], 'never failed into the rate limit');
  for (const r of scheduled) {
    const windowStart = Date.parse(r.started_at) - 24 * HOUR;
    const inWindow = scheduled.filter((x) => Date.parse(x.started_at) > windowStart && x.started_at <= r.started_at);
    assert.ok(inWindow.length <= 4, `at most 4 unattended requests in the 24 h before ${r.started_at}`);
  }
  // The user is still free to synchronize by hand: PSD2 counts only unattended access.
  const [manual] = ok(await s.core.api.synchronize({ connection_ids: [s.connection.id] }));
  assert.equal(manual!.ok, true);
  const journal = ok(await s.core.api.listJournals({}))[0]!;
  assert.equal(journal.balance, journal.bank_balance);
});

test('a bank asking a security code waits for the user: one notification, no retries for days', async (t) => {
  const s = await setup(t, 'demo-mfa');
  await s.live(13);
  const conn = ok(await s.core.api.listConnections({}))[0]!;
  assert.deepEqual([conn.state, conn.state_action], ['waiting_for_user', 'mfa']);
  const attempts = s.runs('scheduled').length;
  assert.equal(attempts, 1, 'one unattended attempt found out');
  await s.live(72);
  assert.equal(s.runs('scheduled').length, attempts, 'not retried in a loop');
  assert.equal(s.events.filter((e) => e.type === 'waiting_for_user').length, 1);
  // The user, present, synchronizes: it works and the connection is connected again.
  const [manual] = ok(await s.core.api.synchronize({ connection_ids: [s.connection.id] }));
  assert.equal(manual!.ok, true);
  assert.equal(ok(await s.core.api.listConnections({}))[0]!.state, 'connected');
});

test('a bank refusing automatic sync: auto-sync is off from the start and the schedule leaves it alone', async (t) => {
  const s = await setup(t, 'demo-manual');
  const conn = ok(await s.core.api.listConnections({}))[0]!;
  assert.equal(conn.auto_sync, false);
  assert.ok(ok(await s.core.api.listChatter({ connection_id: conn.id })).some((m) => /does not allow automatic synchronization/.test(m.text)));
  await s.live(48);
  assert.equal(s.runs('scheduled').length, 0);
});

test('consent reminders come 15, 3 and 1 days before expiry, once each, with the days left on the connection', async (t) => {
  const s = await setup(t, 'demo-plain');
  assert.equal(ok(await s.core.api.listConnections({}))[0]!.consent_days_left, 90);
  s.clock.ms += 74 * 24 * HOUR; // 16 days left
  await s.live(1);
  assert.equal(s.events.filter((e) => e.type === 'consent_expiring').length, 0);
  await s.live(25);
  await s.live(12 * 24);
  await s.live(2 * 24);
  const reminders = s.events.filter((e): e is Extract<NotificationEvent, { type: 'consent_expiring' }> => e.type === 'consent_expiring');
  assert.deepEqual(reminders.map((r) => r.days_left), [15, 3, 1]);
  assert.ok(reminders.every((r) => r.action === 'reconnect'));
  assert.equal(ok(await s.core.api.listConnections({}))[0]!.consent_days_left, 1);
  const chatter = ok(await s.core.api.listChatter({ connection_id: s.connection.id }));
  assert.equal(chatter.filter((m) => /Reconnect/.test(m.text) && m.level === 'warning').length, 3);
});

test('offline is detected from the network interfaces', () => {
  const lo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' } as const;
  const eth = { ...lo, address: '192.0.2.10', internal: false, cidr: '192.0.2.10/24', mac: '02:00:00:00:00:01' } as const;
  assert.equal(hasNetwork({ lo: [lo] }), false, 'only loopback: offline');
  assert.equal(hasNetwork({ lo: [lo], eth0: [eth] }), true);
  assert.equal(hasNetwork({}), false);
});
