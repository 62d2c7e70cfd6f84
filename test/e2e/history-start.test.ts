// The account step's "History from" date, in real Chromium against the real core and the Demo
// Bank: nothing before the date is recorded, the opening line carries the balance on that day,
// and the ledger still equals the bank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, consentInPopup, goto, ok, watchCsp } from './support';

const NOW = new Date('2026-06-15T10:00:00Z');
const browser = useChromium();

test('a new journal whose history starts on a chosen date: nothing before it, the ledger equals the bank', { timeout: 90_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => NOW });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);

  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();
  await page.getByRole('combobox', { name: 'Search your bank' }).fill('demo bank beta');
  await page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Beta' }).first().click();
  await page.getByTestId('phone-step').waitFor();
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Skip for the Demo Bank (no real money)' }).click();
  await consentInPopup(await popupPromise);
  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });

  const rows = page.getByTestId('account-row');
  const first = rows.first();
  const accountId = await first.getAttribute('data-account-id');
  for (let i = 1; i < (await rows.count()); i++) await rows.nth(i).getByRole('checkbox').uncheck();
  await first.getByLabel(/History of .* from/).fill('2026-03-01');
  await accessibility(page, 'account selection with a history start');
  await screenshot(page, 'history-01-accounts');
  await page.getByRole('button', { name: 'Synchronize the chosen accounts' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('journal-card').first().waitFor();

  const [journal] = ok(await core.api.listJournals({}));
  assert.ok(journal && accountId, 'one journal for the chosen account');
  assert.equal(journal.history_from, '2026-03-01');
  assert.equal(journal.balance, journal.bank_balance, 'the ledger equals the bank');
  const lines = ok(await core.api.listLines({ journal_id: journal.id, offset: 0, limit: 5 }));
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => l.date >= '2026-03-01'), `nothing before the start: ${lines.map((l) => l.date).join(', ')}`);
  assert.ok(lines.some((l) => l.kind === 'opening'), 'the opening line carries the balance on that day');
  const statements = ok(await core.api.listStatements({ journal_id: journal.id }));
  assert.equal(statements.map((s) => s.date).sort()[0], '2026-03-01', 'the first statement is March 2026');

  await goto(page, `#/journal/${journal.id}`);
  await page.getByTestId('journal-page').getByTestId('history-from').getByText('history from Mar 1, 2026').waitFor();
  await screenshot(page, 'history-02-journal');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});
