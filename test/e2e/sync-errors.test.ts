// Synchronize Now with failing institutions, in real Chromium against the real core behind the
// browser host: the error and its reference in the chatter, Copy, Update Credentials (a stolen
// refresh token) and Reconnect (an expired consent) through the consent popup, and the Online
// Synchronizations list of developer mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { Core } from '../../main/core/index';
import { usePrivateKeyring } from '../helpers/keyring';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, connectDemo, consentInPopup, goto, ok, watchCsp } from './support';

const START = Date.parse('2026-06-15T10:00:00Z');
const DAY = 86_400_000;

usePrivateKeyring();
const browser = useChromium();

/** The dashboard card of the connection's first journal. */
async function cardOf(page: Page, core: Core, connectionId: number): Promise<Locator> {
  const journal = ok(await core.api.listJournals({})).find((j) => j.connection_id === connectionId)!;
  return page.locator(`[data-testid=journal-card][data-journal-id="${journal.id}"]`);
}

/** Runs a consent (Update Credentials or Reconnect) from a button: the popup, then back to the dashboard. */
async function consentThrough(page: Page, button: Locator): Promise<void> {
  const popupPromise = page.waitForEvent('popup');
  await button.click();
  const popup = await popupPromise;
  await page.getByTestId('consent-waiting').waitFor();
  await consentInPopup(popup);
  // Nothing new to link: the app fetches at once, shows the progress and returns to the dashboard.
  await page.getByTestId('progress-step').or(page.getByTestId('accounts-step')).or(page.getByTestId('error')).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('progress-step').count(), 1, 'the app goes straight to the fetch');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 30_000 });
}

test('Synchronize Now: failing connections show their error and reference, Copy, Update Credentials and Reconnect recover them', { timeout: 120_000 }, async (t) => {
  let now = START;
  const app = await openApp(browser(), { now: () => new Date(now) });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);

  const oauth = await connectDemo(core, 'demo-oauth');
  const plain = await connectDemo(core, 'demo-plain');
  const institutions = Object.fromEntries(ok(await core.api.listConnections({})).map((c) => [c.id, c.institution_name]));

  await page.reload();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await (await cardOf(page, core, oauth.id)).waitFor();

  // Someone else used the refresh token: the bank refuses the login.
  const vault = await core.vault();
  await vault.set(oauth.id, 'refresh_token', 'demo-rt-stolen');
  await vault.delete(oauth.id, 'access_token');

  await page.getByRole('button', { name: 'Synchronize Now' }).click();
  const error = page.getByTestId('error');
  await error.first().waitFor({ timeout: 30_000 });
  const reference = (await error.first().getByTestId('error-reference').innerText()).replace(/^Reference:\s*/, '').trim();
  assert.ok(reference.length > 0, 'the error carries a reference');
  const oauthCard = await cardOf(page, core, oauth.id);
  await oauthCard.locator('[data-testid=state-badge][data-state=waiting_for_user]').waitFor();
  assert.match(await oauthCard.innerText(), /Update Credentials/, 'the card says what to do');
  await page.getByTestId('notice').filter({ hasText: 'Sign in again' }).first().waitFor();
  await accessibility(page, 'dashboard with a failed synchronization');
  await screenshot(page, 'sync-01-dashboard-error');

  // The card's messages: the error with its reference; Copy puts description + reference on the clipboard.
  await oauthCard.getByTestId('card-chatter').locator('summary').click();
  const item = oauthCard.locator('[data-testid=chatter-item][data-level=error]').filter({ hasText: reference });
  await item.last().waitFor();
  const description = (await item.last().locator('.error-description').count()) > 0
    ? await item.last().locator('.error-description').innerText()
    : await item.last().locator('p').first().innerText();
  assert.match(await item.last().getByTestId('chatter-reference').innerText(), new RegExp(reference));
  await item.last().getByRole('button', { name: 'Copy' }).click();
  await item.last().getByText('Copied').waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(clip.includes(reference), 'the clipboard holds the reference');
  assert.ok(clip.includes(description.trim()), 'the clipboard holds the description');
  await accessibility(page, 'dashboard chatter');
  await screenshot(page, 'sync-02-chatter');

  // Developer mode: Online Synchronizations with every connection and its buttons.
  await goto(page, '#/settings');
  await page.getByTestId('settings-page').waitFor();
  await page.getByTestId('developer-mode').check();
  await accessibility(page, 'settings');
  await screenshot(page, 'sync-03-settings');
  await page.getByRole('link', { name: 'Online Synchronizations' }).click();
  const cards = page.getByTestId('connection-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 2, 'every connection is listed');
  for (const c of [oauth, plain]) {
    const card = page.locator(`[data-testid=connection-card][data-connection-id="${c.id}"]`);
    for (const name of ['Fetch Transactions', 'Fetch Accounts', 'Reconnect', 'Update Credentials', 'Disconnect']) {
      assert.equal(await card.getByRole('button', { name, exact: true }).count(), 1, `${name} on ${institutions[c.id]}`);
    }
    assert.equal(await card.getByRole('checkbox', { name: 'Automatic synchronization' }).count(), 1);
  }
  assert.equal(await page.locator(`[data-testid=connection-card][data-connection-id="${oauth.id}"]`).getAttribute('data-state'), 'waiting_for_user');
  await accessibility(page, 'online synchronizations');
  await screenshot(page, 'sync-04-connections');

  // Update Credentials through the consent popup recovers the connection.
  const devCard = page.locator(`[data-testid=connection-card][data-connection-id="${oauth.id}"]`);
  await consentThrough(page, devCard.getByRole('button', { name: 'Update Credentials' }));
  await oauthCard.locator('[data-testid=state-badge][data-state=connected]').waitFor({ timeout: 15_000 });
  // What it asked of the user is done: its notice is gone.
  await page.getByTestId('notice').filter({ hasText: 'Sign in again' }).waitFor({ state: 'detached' });
  const token = await vault.get(oauth.id, 'refresh_token');
  assert.ok(token && token !== 'demo-rt-stolen', 'new tokens in the keychain');
  await screenshot(page, 'sync-05-updated');

  // 91 days later the consent of the plain bank has ended: Synchronize Now fails, Reconnect renews it.
  now += 91 * DAY;
  await page.getByRole('button', { name: 'Synchronize Now' }).click();
  const plainCard = await cardOf(page, core, plain.id);
  await plainCard.locator('[data-testid=state-badge][data-state=waiting_for_user]').waitFor({ timeout: 30_000 });
  await page.getByTestId('error').first().waitFor();
  assert.equal(ok(await core.api.listConnections({})).find((c) => c.id === plain.id)?.state_action, 'reconnect');
  await screenshot(page, 'sync-06-consent-ended');
  // The dashboard's card itself offers the way back (no developer mode needed).
  await consentThrough(page, plainCard.getByRole('button', { name: 'Reconnect' }));
  await plainCard.locator('[data-testid=state-badge][data-state=connected]').waitFor({ timeout: 15_000 });
  const renewed = ok(await core.api.listConnections({})).find((c) => c.id === plain.id)!;
  assert.equal(renewed.state, 'connected');
  const journals = ok(await core.api.listJournals({})).filter((j) => j.connection_id === plain.id);
  for (const j of journals) assert.equal(j.balance, j.bank_balance, `${j.code}: the ledger equals the bank after Reconnect`);
  await accessibility(page, 'dashboard recovered');
  await screenshot(page, 'sync-07-recovered');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});
