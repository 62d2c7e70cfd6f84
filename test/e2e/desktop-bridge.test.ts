// The desktop path end to end: the built renderer in real Chromium, talking only through the
// built preload's window.ledgerlink, whose IPC lands in main's real handler (sender checks,
// consent bookkeeping, event forwarding) in front of a real core. Only Electron's transport is
// a stand-in (desktop-harness.ts), so this is what the unit tests with a fake electron cannot
// show: the renderer, the preload bundle and main agree on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpcMainInvokeEvent } from 'electron';
import type { Page } from 'playwright-core';
import type { Core } from '../../main/core/index';
import { appSecurityHeaders } from '../../main/electron/app-protocol';
import { answerCall } from '../../main/electron/ipc-bridge';
import { decideWindowOpen } from '../../main/electron/navigation-policy';
import { parseAmount } from '../../main/ledger/money';
import { bankLedger, DEFAULT_SEED } from '../../main/providers/demo/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { API_METHODS } from '../../preload/methods';
import { usePrivateKeyring } from '../helpers/keyring';
import { openDesktopApp, type DesktopApp } from './desktop-harness';
import { screenshot, useChromium } from './harness';
import { accessibility, consentInPopup, ok, watchProgressBar } from './support';

const NOW = new Date('2026-06-15T10:00:00Z');

// The phone number of the first connection goes to the keychain: a private one, never the developer's.
usePrivateKeyring();
const browser = useChromium();

/** Every card shows its bank's balance, and the ledger equals the bank (accounts by currency). */
async function assertDashboardEqualsBank(page: Page, core: Core, institutionId: string, accountOf: Record<string, string>): Promise<void> {
  const journals = ok(await core.api.listJournals({}));
  assert.equal(journals.length, Object.keys(accountOf).length, 'one journal per linked account');
  for (const j of journals) {
    const accountId = accountOf[j.currency];
    assert.ok(accountId, `a ${j.currency} account was linked`);
    const bank = bankLedger({ seed: DEFAULT_SEED, institutionId, accountId, now: NOW });
    assert.equal(j.bank_balance, parseAmount(bank.balance, j.currency));
    assert.equal(j.balance, j.bank_balance, `${j.code}: the ledger equals the bank`);
    const card = page.locator(`[data-testid=journal-card][data-journal-id="${j.id}"]`);
    const digits = (s: string) => s.replace(/[^\d]/g, '');
    assert.equal(digits(await card.getByTestId('bank-balance').innerText()), digits(bank.balance), `${j.code}: the card shows the bank balance`);
    assert.equal(await card.getByTestId('balance-mismatch').count(), 0, `${j.code}: no mismatch is shown`);
  }
}

/** Nothing reached the core but through the IPC handler: it saw the whole run, and there is no socket. */
function assertOnlyIpc(app: DesktopApp, expected: string[]): void {
  assert.deepEqual(app.sockets, [], 'the page opened no WebSocket');
  assert.ok(app.calls.length > 0, 'the page called the API through IPC');
  const missing = expected.filter((m) => !app.calls.includes(m));
  assert.deepEqual(missing, [], `every call of the run went through the IPC handler (seen: ${[...new Set(app.calls)].join(', ')})`);
}

async function searchAndChoose(page: Page, query: string, institution: string): Promise<void> {
  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();
  await page.getByRole('combobox', { name: 'Search your bank' }).fill(query);
  await page.getByTestId('institution-option').filter({ hasText: institution }).first().click();
  await page.getByTestId('phone-step').waitFor();
}

test('desktop first run over the preload and IPC: phone, consent popup, accounts, progress, dashboard equal to the bank', { timeout: 120_000 }, async (t) => {
  // Pages of 100 lines: enough pages for the progress events to move the bar.
  const app = await openDesktopApp(browser(), { now: () => NOW, demoPageSize: 100 });
  t.after(() => app.close());
  const { page, core, consent, problems } = app;

  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  // app://'s own policy: its connect-src names no WebSocket, so the socket fallback could not work.
  assert.equal(app.csp, appSecurityHeaders()['Content-Security-Policy']);
  assert.doesNotMatch(app.csp, /ws:|wss:/);
  const exposed = await page.evaluate(() => Object.keys((window as unknown as { ledgerlink?: object }).ledgerlink ?? {}).sort());
  assert.deepEqual(exposed, [...API_METHODS, 'on'].sort(), 'the preload exposes the contract and nothing else');
  await screenshot(page, 'desktop-01-dashboard-empty');

  await searchAndChoose(page, 'secure', 'Demo Bank Secure');
  await page.getByLabel('Phone number').fill('+32 470 12 34 56');
  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Continue' }).click();
  const popup = await popupOpened;
  await page.getByTestId('consent-waiting').waitFor();

  // Main learnt the consent origin from the startConnect Result passing through it, so its
  // window-open policy lets this popup be the consent window.
  const [start] = app.starts;
  assert.ok(start, 'startConnect came back through the IPC handler');
  assert.equal(app.popups[0]?.url, new URL(start.consent_url).href, 'the popup is the consent page the core issued');
  assert.equal(app.popups[0]?.decision.kind, 'consent', 'main would open it as the consent popup');
  assert.equal(consent.size, 1, 'one consent flow under way');
  assert.ok(consent.allows(start.consent_url), 'its origin is openable while the flow is open');
  await screenshot(page, 'desktop-02-consent-waiting');
  await consentInPopup(popup);

  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  // finishConnect settled: the origin is forgotten, a window.open of it would be refused (it is
  // no link the app shows, so it does not go to the browser either).
  assert.equal(consent.size, 0, 'the flow is over');
  assert.equal(consent.allows(start.consent_url), false, 'its origin is no longer openable');
  assert.equal(decideWindowOpen(start.consent_url, consent).kind, 'deny');
  assert.equal(await page.getByTestId('account-row').count(), 2, 'both accounts of Demo Bank Secure are offered');
  await screenshot(page, 'desktop-03-accounts');

  const progressSeen = await watchProgressBar(page);
  await page.getByRole('button', { name: 'Synchronize the chosen accounts' }).click();
  await page.getByTestId('progress-step').waitFor();
  await screenshot(page, 'desktop-04-progress');
  const cards = page.getByTestId('journal-card');
  await cards.first().waitFor({ timeout: 60_000 });
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.equal(await cards.count(), 2);

  // The bar is driven by syncProgress events forwarded by main over the event channel.
  assert.ok((app.delivered.get('syncProgress') ?? 0) > 0, 'main forwarded syncProgress events to the window');
  const shares = (await progressSeen()).filter((p) => p.value !== null).map((p) => p.value! / p.max);
  assert.ok(shares.every((s, i) => i === 0 || s >= shares[i - 1]!), `the bar never goes back: ${shares.join(' ')}`);
  assert.ok(shares.some((s) => s > 0 && s < 1), `the bar showed the history being read: ${shares.join(' ')}`);
  assert.equal(shares[shares.length - 1], 1, 'full when done');

  await accessibility(page, 'desktop dashboard');
  await screenshot(page, 'desktop-05-dashboard');
  await assertDashboardEqualsBank(page, core, 'demo-mfa', { EUR: 'secure-current-eur', GBP: 'secure-current-gbp' });
  assertOnlyIpc(app, ['getSettings', 'searchInstitutions', 'startConnect', 'finishConnect', 'linkAccounts', 'synchronize', 'listJournals']);

  // The same window asking from a frame that is not app://ledgerlink is refused; from the app's
  // own frame the same call is answered, so it is the frame that is refused.
  const callFrom = (url: string) =>
    answerCall({ sender: app.contents, senderFrame: { url, parent: null } } as unknown as IpcMainInvokeEvent, { method: 'listJournals', args: {} }, app.bridge);
  const refused = await callFrom('https://evil.example/index.html');
  assert.equal(refused.ok ? 'answered' : refused.error.code, 'forbidden');
  assert.ok((await callFrom('app://ledgerlink/index.html')).ok, 'the app frame is answered');
  assert.deepEqual(app.logs, ['ledgerlink: refused an API call from a frame that is not on app://ledgerlink.'], 'only that call was refused');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});

// Electron opens the consent popup in its own session and gives the page null; the desktop
// app has no popup blocker, so the page must wait for the consent rather than cry "blocked".
const NULL_WINDOW_OPEN = `(() => {
  const open = window.open.bind(window);
  window.open = (...args) => { open(...args); return null; };
})();`;

test('desktop: a window.open that returns null is not a blocked popup; main closes the popup when the flow ends', { timeout: 120_000 }, async (t) => {
  const app = await openDesktopApp(browser(), { now: () => NOW, initScript: NULL_WINDOW_OPEN });
  t.after(() => app.close());
  const { page, core, consent, problems } = app;

  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await searchAndChoose(page, 'demo bank beta', 'Demo Bank Beta');
  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: /Skip for the Demo Bank/ }).click();
  const popup = await popupOpened;

  const blocked = page.getByTestId('popup-blocked');
  await page.getByTestId('consent-waiting').or(blocked).first().waitFor();
  assert.equal(await blocked.count(), 0, 'a null from window.open is not reported as blocked in the desktop app');
  await screenshot(page, 'desktop-06-null-popup-waiting');

  const [start] = app.starts;
  assert.ok(start, 'startConnect came back through the IPC handler');
  assert.equal(app.popups[0]?.decision.kind, 'consent', 'main would open it as the consent popup');
  assert.ok(consent.allows(start.consent_url), 'its origin is openable while the flow is open');

  // The user consents; the page holds no handle on the popup, so only main can close it.
  const redirect = await completeConsentHeadlessly(start.consent_url);
  await fetch(redirect);
  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
  assert.ok(popup.isClosed(), 'main closed the consent popup when finishConnect settled');
  assert.equal(consent.size, 0, 'the flow is over');
  assert.equal(consent.allows(start.consent_url), false, 'its origin is no longer openable');

  await page.getByRole('button', { name: 'Synchronize the chosen accounts' }).click();
  await page.getByTestId('journal-card').first().waitFor({ timeout: 60_000 });
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await screenshot(page, 'desktop-07-null-popup-dashboard');
  await assertDashboardEqualsBank(page, core, 'demo-beta', { EUR: 'beta-current-eur' });
  assert.equal(await blocked.count(), 0, 'never reported as blocked');
  assertOnlyIpc(app, ['getSettings', 'searchInstitutions', 'startConnect', 'finishConnect', 'linkAccounts', 'synchronize', 'listJournals']);
  assert.deepEqual(app.logs, [], 'no call was refused');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});
