// The whole first-run flow with the keyboard alone: no mouse, from the empty dashboard to the
// synchronized journals (the bank's own pages in the popup included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { usePrivateKeyring } from '../helpers/keyring';
import { useChromium, openApp } from './harness';

usePrivateKeyring();
const browser = useChromium();

/** Presses Tab until the focused element has this accessible text, then returns. */
async function tabTo(page: Page, name: RegExp, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const labelled = el.getAttribute('aria-label') ?? '';
      const byLabel = el.id ? (document.querySelector(`label[for="${el.id}"]`)?.textContent ?? '') : '';
      return `${labelled} ${byLabel} ${el.innerText ?? ''} ${(el as HTMLInputElement).value ?? ''}`;
    });
    if (name.test(label)) return;
  }
  assert.fail(`no focusable element matching ${name} within ${max} tabs`);
}

test('the first run works with the keyboard alone', { timeout: 90_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => new Date('2026-06-15T10:00:00Z') });
  t.after(() => app.close());
  const { page } = app;
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  await tabTo(page, /Add a Bank Account/);
  await page.keyboard.press('Enter');
  const search = page.getByRole('combobox', { name: 'Search your bank' });
  await search.waitFor();
  if (!(await search.evaluate((el) => el === document.activeElement))) await tabTo(page, /Search your bank/);
  await page.keyboard.type('demo bank beta');
  await page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Beta' }).first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');

  await page.getByTestId('phone-step').waitFor();
  if (!(await page.getByLabel('Phone number').evaluate((el) => el === document.activeElement))) await tabTo(page, /Phone number/);
  await page.keyboard.type('+32 470 12 34 56');
  const popupPromise = page.waitForEvent('popup');
  await page.keyboard.press('Enter');

  const popup = await popupPromise;
  await popup.getByLabel('Username').waitFor();
  await popup.getByLabel('Username').focus();
  await popup.keyboard.type('demo');
  await popup.keyboard.press('Tab');
  await popup.keyboard.type('demo');
  await popup.keyboard.press('Enter');
  await popup.getByRole('button', { name: 'Allow access' }).waitFor();
  await popup.getByRole('checkbox').first().focus();
  await popup.keyboard.press('Enter'); // submits the form: every account stays chosen

  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  await tabTo(page, /Synchronize the chosen accounts/);
  await page.keyboard.press('Enter');
  await page.getByTestId('journal-card').first().waitFor({ timeout: 60_000 });
  const journals = await app.core.api.listJournals({});
  assert.ok(journals.ok && journals.value.length === 1 && journals.value[0]!.balance === journals.value[0]!.bank_balance);
});
