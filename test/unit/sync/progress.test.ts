import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateProgress } from '../../../main/sync/progress';

// A 31-day window: 2026-01-01..2026-01-31.
const window = ['2026-01-01', '2026-01-31'] as const;

test('a bank that goes oldest-first has covered the window up to its newest date', () => {
  const p = new DateProgress(...window);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 0, reached: null });
  p.observe(['2026-01-02', '2026-01-05', '2026-01-10']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 10, reached: '2026-01-10' });
  p.observe(['2026-01-10', '2026-01-20']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 20, reached: '2026-01-20' });
});

test('a bank that goes newest-first has covered the window back to its oldest date', () => {
  const p = new DateProgress(...window);
  p.observe(['2026-01-30', '2026-01-25']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 7, reached: '2026-01-25' });
  p.observe(['2026-01-21', '2026-01-11']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 21, reached: '2026-01-11' });
});

test('pages of a single date each still show the direction from page to page', () => {
  const back = new DateProgress(...window);
  back.observe(['2026-01-12']); // nearer the start: taken for oldest-first until shown otherwise
  assert.equal(back.value().days_done, 12);
  back.observe(['2026-01-08']);
  assert.deepEqual(back.value(), { days_total: 31, days_done: 24, reached: '2026-01-08' });

  const fwd = new DateProgress(...window);
  fwd.observe(['2026-01-28']); // nearer the end: taken for newest-first until shown otherwise
  assert.equal(fwd.value().days_done, 4);
  fwd.observe(['2026-01-29']);
  assert.deepEqual(fwd.value(), { days_total: 31, days_done: 29, reached: '2026-01-29' });
});

test('the bar never reaches the end before the last page, and reaches it then', () => {
  const p = new DateProgress(...window);
  p.observe(['2026-01-01', '2026-01-31']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 30, reached: '2026-01-31' });
  p.finish();
  assert.deepEqual(p.value(), { days_total: 31, days_done: 31, reached: '2026-01-31' });
});

test("the institution's history limit shortens the window the bar measures", () => {
  // A 90-day bank asked for 731 days: the bar measures the 91 days it can answer for.
  const p = new DateProgress('2024-03-20', '2026-03-20', 90);
  p.observe(['2025-12-20', '2026-01-05']);
  assert.deepEqual(p.value(), { days_total: 91, days_done: 17, reached: '2026-01-05' });
  // A history longer than the window changes nothing.
  assert.equal(new DateProgress(...window, 730).value().days_total, 31);
});

test('dates outside the window (an overlap, a bank ignoring the dates asked) do not move the bar', () => {
  const p = new DateProgress(...window);
  p.observe(['2025-12-24', '2026-02-03']);
  assert.deepEqual(p.value(), { days_total: 31, days_done: 0, reached: null });
});
