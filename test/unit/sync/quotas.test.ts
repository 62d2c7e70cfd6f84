import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_CAP_MS, backoffDelay } from '../../../main/sync/backoff';
import { formatNextAt, manualRefusal, planUnattended, recordQuotaReport } from '../../../main/sync/quotas';
import { setSetting } from '../../../main/ledger/settings';
import type { Institution } from '../../../main/providers/types';
import { seedConnection, tempLedger } from '../../helpers/ledger';

const MIN = 60_000;
const HOUR = 3_600_000;

test('back-off: 5 min × 2^attempt, ±20 % jitter, capped at 12 h', () => {
  assert.equal(backoffDelay(0, () => 0.5), 5 * MIN);
  assert.equal(backoffDelay(0, () => 0), 4 * MIN);
  assert.equal(backoffDelay(0, () => 1), 6 * MIN);
  assert.equal(backoffDelay(3, () => 0.5), 40 * MIN);
  assert.equal(backoffDelay(7, () => 0.5), 640 * MIN);
  assert.equal(backoffDelay(8, () => 0.5), BACKOFF_CAP_MS);
  assert.equal(backoffDelay(8, () => 0), BACKOFF_CAP_MS * 0.8, 'jitter still spreads delays at the cap');
  assert.equal(backoffDelay(5000, () => 0.5), BACKOFF_CAP_MS);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(i % 12);
    assert.ok(d > 0 && d <= BACKOFF_CAP_MS);
  }
});

function ledger() {
  const l = tempLedger();
  const ids = seedConnection(l.db);
  const now = new Date('2026-03-20T10:00:00Z');
  const run = (at: number) => l.db.prepare(`INSERT INTO sync_runs (connection_id, trigger, started_at, result) VALUES (?, 'scheduled', ?, 'success')`)
    .run(ids.connectionId, new Date(at).toISOString());
  return { ...l, ...ids, now, run };
}

const psd2: Institution = { id: 'bank', name: 'Bank', country: 'BE', beta: false, historyDays: 730, automaticSync: true, unattendedPerDay: 4 };

test('unattended runs are spaced by 24 h / limit and keep one request of the day for the user', (t) => {
  const l = ledger();
  t.after(l.cleanup);
  const t0 = l.now.getTime();
  assert.equal(planUnattended(l.db, l.connectionId, l.now, psd2).allowedAt.getTime(), t0, 'nothing used: now');
  l.run(t0 - 7 * HOUR);
  assert.equal(planUnattended(l.db, l.connectionId, l.now, psd2).allowedAt.getTime(), t0, '6 h since the last one: now');
  l.run(t0 - 13 * HOUR);
  l.run(t0 - 19 * HOUR);
  const budget = planUnattended(l.db, l.connectionId, l.now, psd2);
  assert.deepEqual([budget.allowedAt.getTime(), budget.reason, budget.limit], [t0 + 5 * HOUR, 'daily_budget', 4],
    '3 used in 24 h, the 4th kept for the user: after the oldest leaves the 24 h');
  assert.equal(planUnattended(l.db, l.connectionId, l.now).allowedAt.getTime(), t0, 'no known limit: now');
  // A bank allowing a single request a day keeps nothing in reserve.
  const daily = planUnattended(l.db, l.connectionId, l.now, { ...psd2, unattendedPerDay: 1 });
  assert.equal(daily.allowedAt.getTime(), t0 + 17 * HOUR);
  // The provider's own, tighter limit wins.
  recordQuotaReport(l.db, l.connectionId, { limit: 2 }, l.now);
  assert.equal(planUnattended(l.db, l.connectionId, l.now, psd2).limit, 2);

  const other = seedConnection(l.db, { code: 'B2' });
  l.db.prepare(`INSERT INTO sync_runs (connection_id, trigger, started_at) VALUES (?, 'scheduled', ?)`).run(other.connectionId, new Date(t0 - HOUR).toISOString());
  const spaced = planUnattended(l.db, other.connectionId, l.now, psd2);
  assert.deepEqual([spaced.allowedAt.getTime(), spaced.reason], [t0 + 5 * HOUR, 'spacing']);
});

test('a manual sync is refused only when the provider says no request is left', (t) => {
  const l = ledger();
  t.after(l.cleanup);
  setSetting(l.db, 'timezone', 'Europe/Brussels');
  for (let i = 1; i <= 4; i++) l.run(l.now.getTime() - i * HOUR);
  assert.equal(manualRefusal(l.db, l.connectionId, l.now, psd2), null, 'PSD2: the unattended budget does not bind the user');
  recordQuotaReport(l.db, l.connectionId, { remaining: 0, resetAt: '2026-03-21T07:15:00Z' }, l.now);
  const r = manualRefusal(l.db, l.connectionId, l.now, { ...psd2, refreshesPerDay: 1 });
  assert.equal(r!.message, 'Scripted Bank allows 1 request a day; the next is possible at 08:15 on 2026-03-21. Nothing was requested.');
  const unknown = manualRefusal(l.db, l.connectionId, l.now);
  assert.match(unknown!.message, /^Scripted Bank allows no more requests for now; the next is possible at/);
  assert.equal(manualRefusal(l.db, l.connectionId, new Date('2026-03-21T07:15:00Z')), null, 'whole again after the reset');
});

test('next-attempt times read in the user\'s zone, with the date when not today', () => {
  const now = new Date('2026-03-20T22:30:00Z');
  assert.equal(formatNextAt(new Date('2026-03-20T22:45:00Z'), now, 'UTC'), '22:45');
  assert.equal(formatNextAt(new Date('2026-03-20T22:45:00Z'), now, 'Europe/Brussels'), '23:45');
  assert.equal(formatNextAt(new Date('2026-03-20T23:15:00Z'), now, 'Europe/Brussels'), '00:15 on 2026-03-21');
});
