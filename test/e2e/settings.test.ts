// Settings → Provider keys in real Chromium, with the real keychain (a private gnome-keyring):
// a secret typed in goes to the keychain, comes back only as dots, never in any frame the page
// receives, and can be removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePrivateKeyring } from '../helpers/keyring';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, connectDemo, consentInPopup, goto, ok, watchCsp } from './support';

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

test('Settings lists the bank connections: Update Credentials from there brings a refused login back', { timeout: 90_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => new Date('2026-06-15T10:00:00Z') });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  const oauth = await connectDemo(core, 'demo-oauth');
  // Someone else used the refresh token: the bank refuses the login at the next synchronization.
  const vault = await core.vault();
  await vault.set(oauth.id, 'refresh_token', 'demo-rt-stolen');
  await vault.delete(oauth.id, 'access_token');
  await core.api.synchronize({ connection_ids: [oauth.id] });
  assert.equal(ok(await core.api.listConnections({}))[0]?.state_action, 'update_credentials');

  await page.reload();
  await goto(page, '#/settings');
  const banks = page.getByTestId('bank-connections');
  const row = banks.locator(`[data-testid=bank-connection][data-connection-id="${oauth.id}"]`);
  await row.locator('[data-testid=state-badge][data-state=waiting_for_user]').waitFor();
  await accessibility(page, 'settings with bank connections');
  await screenshot(page, 'settings-02-bank-connections');
  const popupPromise = page.waitForEvent('popup');
  await row.getByRole('button', { name: 'Update Credentials' }).click();
  await consentInPopup(await popupPromise);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=state-badge][data-state=connected]').first().waitFor({ timeout: 15_000 });
  const after = ok(await core.api.listConnections({}))[0]!;
  assert.equal(after.state, 'connected');
  assert.notEqual(await vault.get(oauth.id, 'refresh_token'), 'demo-rt-stolen', 'new tokens in the keychain');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});

test('the lock date and the periodicity of new journals are saved to the ledger and shown again', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser());
  t.after(() => app.close());
  const { page, core } = app;
  await goto(page, '#/settings');
  await page.getByLabel('Lock date').fill('2025-12-31');
  await page.getByLabel('Statement periodicity of new journals').selectOption('week');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved').first().waitFor();
  const s = ok(await core.api.getSettings({}));
  assert.deepEqual([s.lock_date, s.default_periodicity], ['2025-12-31', 'week']);

  // Changed elsewhere (the command line): a reload shows what the ledger holds.
  ok(await core.api.setSetting({ key: 'lock_date', value: '' }));
  await page.reload();
  await goto(page, '#/settings');
  assert.equal(await page.getByLabel('Lock date').inputValue(), '');
  assert.equal(await page.getByLabel('Statement periodicity of new journals').inputValue(), 'week', 'shown again from the ledger');
});
