// Settings → Provider keys in real Chromium, with the real keychain (a private gnome-keyring):
// a secret typed in goes to the keychain, comes back only as dots, never in any frame the page
// receives, and can be removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePrivateKeyring } from '../helpers/keyring';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, goto, watchCsp } from './support';

usePrivateKeyring();
const browser = useChromium();

test('a provider secret is saved to the keychain, shown masked, never sent back, and removed', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser());
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  const SECRET = 'plaid-secret-e2e-71c4d9b2a8';
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));
  await page.reload(); // the socket opened again, now watched

  await goto(page, '#/settings');
  const keysCard = page.getByRole('form', { name: 'Provider keys' });
  await keysCard.getByLabel('Provider').selectOption('plaid');
  const row = (key: string) => keysCard.locator(`[data-testid=provider-key][data-key="${key}"]`);
  await row('secret').getByText('not set').waitFor();

  await keysCard.getByLabel('Key', { exact: true }).selectOption('secret');
  await keysCard.getByLabel('Value', { exact: true }).fill(SECRET);
  await keysCard.getByRole('button', { name: 'Save the key' }).click();
  await row('secret').getByText('in the keychain').waitFor();
  assert.equal(await row('secret').locator('code').innerText(), '••••••••');
  assert.equal(await keysCard.getByLabel('Value', { exact: true }).inputValue(), '', 'the field is emptied');

  await keysCard.getByLabel('Key', { exact: true }).selectOption('client_id');
  await keysCard.getByLabel('Value', { exact: true }).fill('client-e2e-30fa');
  await keysCard.getByRole('button', { name: 'Save the key' }).click();
  await row('client_id').getByText('in the ledger').waitFor();
  assert.equal(await row('client_id').locator('code').innerText(), '••••30fa', 'an id shows its last four characters');
  await accessibility(page, 'settings with provider keys');
  await screenshot(page, 'settings-01-provider-keys');

  // The core has it; the page never received it.
  const vault = await core.vault();
  assert.equal(await vault.get('app', 'provider.plaid.secret'), SECRET);
  assert.ok(received.length > 0, 'frames from the core were watched');
  assert.equal(received.some((f) => f.includes(SECRET)), false, 'no frame the page received holds the secret');
  assert.equal((await page.content()).includes(SECRET), false, 'the page holds no trace of it');

  await row('secret').getByRole('button', { name: 'Remove secret' }).click();
  await row('secret').getByText('not set').waitFor();
  assert.equal(await vault.get('app', 'provider.plaid.secret'), undefined, 'removed from the keychain');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});
