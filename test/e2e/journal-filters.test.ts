// The journal's search, date and amount filters: the table shows what matches, counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, connectDemo, goto, ok, watchCsp } from './support';

const browser = useChromium();

test('search, date and amount filters narrow the lines and say how many match', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => new Date('2026-06-15T10:00:00Z') });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  await connectDemo(core, 'demo-plain', { accounts: ['plain-current-eur'] });
  const journal = ok(await core.api.listJournals({}))[0]!;
  await goto(page, `#/journal/${journal.id}`);
  await page.getByTestId('lines-table').waitFor();

  // What the ledger says each filter should match, asked through the same API.
  const expected = async (q: Record<string, unknown>) => ok(await core.api.countLines({ journal_id: journal.id, ...q }));
  const shown = async () => Number((await page.getByTestId('lines-table').getAttribute('data-line-count')) ?? -1);
  const settle = async (n: number) => {
    for (let i = 0; i < 50 && (await shown()) !== n; i++) await page.waitForTimeout(100);
    assert.equal(await shown(), n);
  };

  await page.getByTestId('filter-search').fill('rent');
  const rent = await expected({ search: 'rent' });
  assert.ok(rent > 0 && rent < journal.line_count);
  await settle(rent);
  assert.match(await page.getByTestId('filter-matches').innerText(), new RegExp(`^${rent} matching lines`));
  const refs = await page.getByTestId('line-row').allInnerTexts();
  assert.ok(refs.filter((r) => r.trim() && r.trim() !== '…').every((r) => /rent/i.test(r)), 'every visible line is about rent');

  await page.getByTestId('filter-search').fill('');
  await page.getByTestId('filter-from').fill('2026-05-01');
  await page.getByTestId('filter-to').fill('2026-05-31');
  await page.getByTestId('filter-max').fill('-100');
  await settle(await expected({ date_from: '2026-05-01', date_to: '2026-05-31', amount_max: -10000 }));
  await accessibility(page, 'journal with filters');
  await screenshot(page, 'journal-filters');

  await page.getByTestId('filter-min').fill('12,3,4');
  await page.getByRole('alert').filter({ hasText: 'Amounts are numbers' }).waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await settle(journal.line_count);
  assert.deepEqual(problems, []);
});
