import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localDate } from '../../../main/sync/dates';
import { LATEST_ZONE, journalLock, syncWindow } from '../../../main/sync/window';

test('an empty journal asks 730 days back; a journal with lines from the day after its last, minus the overlap', () => {
  assert.deepEqual(syncWindow({ lastLineDate: null, today: '2026-03-20', lockDate: null }), { since: '2024-03-20', until: '2026-03-20' });
  assert.deepEqual(syncWindow({ lastLineDate: '2026-03-10', today: '2026-03-20', lockDate: null }), { since: '2026-03-04', until: '2026-03-20' });
  assert.deepEqual(syncWindow({ lastLineDate: '2026-03-10', today: '2026-03-20', lockDate: null, overlapDays: 0 }), { since: '2026-03-11', until: '2026-03-20' });
});

test('never on or before the lock date', () => {
  assert.equal(syncWindow({ lastLineDate: null, today: '2026-03-20', lockDate: '2025-12-31' }).since, '2026-01-01');
  assert.equal(syncWindow({ lastLineDate: '2026-03-10', today: '2026-03-20', lockDate: '2026-03-08' }).since, '2026-03-09');
  // A lock date in the future leaves nothing to fetch before it.
  assert.deepEqual(syncWindow({ lastLineDate: null, today: '2026-03-20', lockDate: '2026-04-30' }), { since: '2026-03-20', until: '2026-03-20' });
});

test("the window reaches the bank's today even when the user's day is behind it", () => {
  // 19:00 in Los Angeles on the 14th is already the 15th in Amsterdam and in Kiribati.
  const now = new Date('2026-06-15T02:00:00Z');
  const today = localDate(now, 'America/Los_Angeles');
  assert.equal(today, '2026-06-14');
  const w = syncWindow({ lastLineDate: '2026-06-10', today, lockDate: null, latest: localDate(now, LATEST_ZONE) });
  assert.equal(w.until, '2026-06-15');
});

test("a journal's history start works as its own lock date; the later of the two wins", () => {
  assert.equal(journalLock(null, null), null);
  assert.equal(journalLock('2025-12-31', null), '2025-12-31');
  assert.equal(journalLock(null, '2026-03-01'), '2026-02-28');
  assert.equal(journalLock('2025-12-31', '2024-03-01'), '2025-12-31', 'the ledger lock is later');
  assert.equal(journalLock('2025-12-31', '2026-01-01'), '2025-12-31', 'the same day either way');
});
