// The first run a new user makes, in real Chromium against the real core behind the browser
// host, the Demo Bank's consent pages in a popup, and a private keyring for the phone number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '../../main/ledger/money';
import { bankLedger, DEFAULT_SEED } from '../../main/providers/demo/index';
import { usePrivateKeyring } from '../helpers/keyring';
import { useChromium, openApp, screenshot, type App } from './harness';
import { accessibility, ok, watchCsp, watchProgressBar } from './support';

const NOW = new Date('2026-06-15T10:00:00Z');

usePrivateKeyring();
const browser = useChromium();

test('first run: search, phone number, consent with the MFA code, accounts, progress, dashboard equal to the bank', { timeout: 120_000 }, async (t) => {
  // Pages of 100 lines: two years of history come in enough pages to watch the bar move.
  const app: App = await openApp(browser(), { now: () => NOW, demoPageSize: 100 });
  t.after(() => app.close());
  const { page } = app;
  const problems = watchCsp(page);

  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await accessibility(page, 'empty dashboard');
  await screenshot(page, '01-dashboard-empty');
  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();

  const search = page.getByRole('combobox', { name: 'Search your bank' });
  await search.fill('secure');
  const option = page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Secure' });
  await option.first().waitFor();
  await accessibility(page, 'institution picker');
  await screenshot(page, '02-institution-picker');
  await option.first().click();

  await page.getByTestId('phone-step').waitFor();
  await accessibility(page, 'phone number');
  await screenshot(page, '03-phone');
  await page.getByLabel('Phone number').fill('+32 470 12 34 56');
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Continue' }).click();

  // The Demo Bank's consent pages, in the popup the app opened.
  const popup = await popupPromise;
  await page.getByTestId('consent-waiting').waitFor();
  await screenshot(page, '04-consent-waiting');
  await popup.getByLabel('Username').fill('demo');
  await popup.getByLabel('Password').fill('demo');
  await popup.getByRole('button', { name: /Sign in|Log in|Continue/ }).click();
  await popup.getByLabel('One-time code').fill('123456');
  await popup.getByRole('button', { name: 'Confirm' }).click();
  await popup.getByRole('button', { name: 'Allow access' }).click();

  // The app carries on by itself once the bank sent the user back.
  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  const rows = page.getByTestId('account-row');
  assert.equal(await rows.count(), 2, 'both accounts of Demo Bank Secure are offered');
  await accessibility(page, 'account selection');
  await screenshot(page, '05-accounts');
  const progressSeen = await watchProgressBar(page);
  await page.getByRole('button', { name: 'Synchronize the chosen accounts' }).click();

  await page.getByTestId('progress-step').waitFor();
  await accessibility(page, 'first-sync progress');
  await screenshot(page, '06-progress');
  const cards = page.getByTestId('journal-card');
  await cards.first().waitFor({ timeout: 60_000 });
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.equal(await cards.count(), 2);

  // The bar moved with the history read, never backwards, and was full only when done.
  const samples = (await progressSeen()).filter((p) => p.value !== null);
  const shares = samples.map((p) => p.value! / p.max);
  assert.ok(shares.every((s, i) => i === 0 || s >= shares[i - 1]!), `the bar never goes back: ${shares.join(' ')}`);
  const between = new Set(shares.filter((s) => s > 0 && s < 1));
  assert.ok(between.size >= 5, `the bar showed ${between.size} steps between empty and full`);
  assert.ok(shares.some((s) => s > 0.1 && s < 0.5) && shares.some((s) => s >= 0.5 && s < 1), `the bar went through its halves: ${shares.join(' ')}`);
  assert.equal(shares[shares.length - 1], 1, 'full when done');
  assert.ok(samples.some((p) => /% of your history read, as far as/.test(p.text)), 'the text says how far the history was read');
  await accessibility(page, 'dashboard');
  await screenshot(page, '07-dashboard');

  // Every card shows the bank's balance, and the ledger equals it.
  const journals = await app.core.api.listJournals({});
  assert.ok(journals.ok);
  for (const j of journals.value) {
    const accountId = j.currency === 'EUR' ? 'secure-current-eur' : 'secure-current-gbp';
    const bank = bankLedger({ seed: DEFAULT_SEED, institutionId: 'demo-mfa', accountId, now: NOW });
    assert.equal(j.bank_balance, parseAmount(bank.balance, j.currency));
    assert.equal(j.balance, j.bank_balance, `${j.code}: the ledger equals the bank`);
    const card = page.locator(`[data-testid=journal-card][data-journal-id="${j.id}"]`);
    const shown = await card.getByTestId('bank-balance').innerText();
    const digits = (s: string) => s.replace(/[^\d]/g, '');
    assert.equal(digits(shown), digits(bank.balance.replace('-', '')), `${j.code}: the card shows the bank balance`);
    assert.equal(await card.getByTestId('balance-mismatch').count(), 0, 'no mismatch is shown');
    // The rest of the card: pending count, consent countdown, last synchronization, 90-day chart.
    assert.equal(await card.getByTestId('pending-count').innerText(), `${bank.pending.length} pending`);
    const [connection] = ok(await app.core.api.listConnections({}));
    assert.equal(await card.getByTestId('consent-days').innerText(), `Consent ends in ${connection!.consent_days_left} days`);
    assert.match(await card.getByTestId('last-sync').innerText(), /Last synchronization: Jun 15, 2026/);
    assert.match((await card.getByRole('img').getAttribute('aria-label')) ?? '', /^Balance over the last 90 days/);
    assert.ok((await card.getByTestId('balance-chart').locator('path, polyline').count()) > 0, 'the chart draws the balance');
  }
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});

test('a blocked popup is reported with a way out', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => NOW });
  t.after(() => app.close());
  const { page } = app;
  // Simulate the browser's popup blocker: window.open answers null.
  await page.addInitScript(() => {
    window.open = () => null;
  });
  await page.reload();
  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();
  await page.getByRole('combobox', { name: 'Search your bank' }).fill('demo bank beta');
  await page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Beta' }).first().click();
  await page.getByTestId('phone-step').waitFor();
  await page.getByRole('button', { name: /Skip for the Demo Bank/ }).click();
  const blocked = page.getByTestId('popup-blocked');
  await blocked.waitFor();
  assert.match(await blocked.innerText(), /popup|pop-up/i);
  assert.ok(await page.getByTestId('consent-link').getAttribute('href'), 'a link to open the consent page in a tab');
  await accessibility(page, 'popup blocked');
  await screenshot(page, '08-popup-blocked');
});
