// Cancel on the first-sync progress, pressed by the user in real Chromium while the Demo Bank's
// busiest account (two years, ~150 payments a day) is being fetched: what was fetched stays,
// the chatter says so, and Synchronize Now carries on to the bank's exact figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bankLedger, DEFAULT_SEED } from '../../main/providers/demo/index';
import { parseAmount } from '../../main/ledger/money';
import { useChromium, openApp, screenshot } from './harness';
import { consentInPopup, ok, waitUntil, watchCsp, watchProgressBar } from './support';

const NOW = new Date('2026-06-15T10:00:00Z');
const browser = useChromium();

test('Cancel stops the first synchronization, keeps what was fetched, and the next one carries on', { timeout: 180_000 }, async (t) => {
  // Pages of 100 lines: over a thousand pages, so Cancel lands well before the end.
  const app = await openApp(browser(), { now: () => NOW, demoPageSize: 100 });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  const bank = bankLedger({ seed: DEFAULT_SEED, institutionId: 'demo-busy', accountId: 'busy-business-eur', now: NOW });

  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();
  await page.getByRole('combobox', { name: 'Search your bank' }).fill('demo bank business');
  await page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Business' }).first().click();
  await page.getByTestId('phone-step').waitFor();
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Skip for the demo' }).click();
  await consentInPopup(await popupPromise);
  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  const progressSeen = await watchProgressBar(page);
  await page.getByRole('button', { name: 'Synchronize the chosen accounts' }).click();

  // Once the bar shows part of the history read, the user cancels.
  await page.waitForFunction(() => {
    const bar = document.querySelector<HTMLProgressElement>('[data-testid=sync-progress]');
    return bar !== null && bar.hasAttribute('value') && bar.value > 0;
  }, undefined, { timeout: 60_000 });
  await screenshot(page, 'cancel-01-progress');
  await page.getByTestId('progress-step').getByRole('button', { name: 'Cancel' }).click();

  // Back on the dashboard with part of the history.
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  const card = page.getByTestId('journal-card').first();
  await card.waitFor();
  const [partial] = ok(await core.api.listJournals({}));
  assert.ok(partial, 'the journal exists');
  await page.waitForFunction(() => !document.querySelector('[data-testid=sync-progress]'));
  const stored = ok(await core.api.countLines({ journal_id: partial.id }));
  assert.ok(stored > 0, 'what was fetched before Cancel is kept');
  assert.ok(stored < bank.posted.length, `the synchronization stopped before the end (${stored} of ${bank.posted.length} lines)`);
  const shares = (await progressSeen()).filter((p) => p.value !== null).map((p) => p.value! / p.max);
  assert.ok(shares.length > 0 && shares.every((s) => s < 1), `the bar never claimed the end: ${shares.join(' ')}`);

  // The connection is still connected, and its chatter says what happened.
  const [connection] = ok(await core.api.listConnections({}));
  assert.equal(connection?.state, 'connected');
  await card.getByTestId('first-sync-unfinished').waitFor();
  await card.getByTestId('card-chatter').locator('summary').click();
  await card.getByText('Synchronization cancelled. What was fetched so far is kept; the next synchronization carries on.').waitFor();
  await screenshot(page, 'cancel-02-dashboard');

  // Synchronize Now carries on from where it stopped, to the bank's exact figures.
  await page.getByRole('button', { name: 'Synchronize Now' }).first().click();
  await waitUntil(async () => ok(await core.api.listJournals({}))[0]?.balance === parseAmount(bank.balance, 'EUR'), 120_000, 'the ledger reaches the bank balance');
  const [journal] = ok(await core.api.listJournals({}));
  assert.equal(journal!.bank_balance, parseAmount(bank.balance, 'EUR'));
  assert.equal(journal!.balance, journal!.bank_balance, 'the ledger equals the bank');
  const opening = parseAmount(bank.openingBalance, 'EUR') === 0 ? 0 : 1;
  assert.equal(ok(await core.api.countLines({ journal_id: journal!.id })), bank.posted.length + opening, 'every bank line once, and the opening line');
  assert.deepEqual(ok(await core.api.checkIntegrity({})), []);
  await card.getByTestId('balance-mismatch').waitFor({ state: 'detached' });
  await card.getByTestId('first-sync-unfinished').waitFor({ state: 'detached' });
  await screenshot(page, 'cancel-03-finished');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});
