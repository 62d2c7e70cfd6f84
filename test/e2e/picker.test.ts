// The institution picker in real Chromium over the offline catalog: what it says before a
// search, for no result, per country, and while the app is unreachable; and what each bank
// shows (provider, Beta badge with its explanation, history depth, manual-only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, ok, watchCsp } from './support';

const browser = useChromium();

test('the picker explains its empty, no-result, per-country and offline states, and what each bank offers', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser());
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  await page.getByRole('button', { name: 'Add a Bank Account' }).first().click();
  const search = page.getByRole('combobox', { name: 'Search your bank' });
  const status = page.getByTestId('institution-status');
  const options = page.getByTestId('institution-option');
  await status.getByText('Start typing to find your bank').waitFor();

  // A beta bank: provider, Beta badge and why, and its history depth from the catalog.
  await search.fill('demo bank beta');
  const beta = options.filter({ hasText: 'Demo Bank Beta' }).first();
  await beta.waitFor();
  const [catalogBeta] = ok(await core.api.searchInstitutions({ query: 'demo bank beta' }));
  assert.ok(catalogBeta?.beta, 'the catalog marks it beta');
  const text = await beta.innerText();
  assert.match(text, /\bBeta\b/);
  assert.match(text, /this connection is new at the provider and may be less reliable/);
  assert.match(text, /via Demo Bank/);
  assert.match(text, new RegExp(`History: up to ${catalogBeta.historyDays} days`));
  await accessibility(page, 'picker with a beta bank');
  await screenshot(page, 'picker-01-beta');

  // A bank that refuses automatic synchronization says so.
  await search.fill('demo bank manual');
  await options.filter({ hasText: 'Manual synchronization only' }).first().waitFor();

  // No result, then the country: it ranks that country's banks first, and alone it lists them.
  await search.fill('zzqx nowhere');
  await status.getByText('No bank matches "zzqx nowhere"').waitFor();
  assert.equal(await options.count(), 0);
  await search.fill('demo');
  await status.getByText(/Banks found: \d+/).waitFor();
  const all = await options.count();
  assert.ok(all > 1, `several Demo Bank institutions (${all})`);
  assert.doesNotMatch(await options.first().innerText(), /Ngân hàng Demo/, 'the Vietnamese one is not first for everybody');
  await page.getByLabel('Country').selectOption('VN');
  await options.first().filter({ hasText: 'Ngân hàng Demo' }).waitFor();
  assert.equal(await options.count(), all, 'ranked, not filtered, while there is a query');
  await search.fill('');
  await status.getByText('Banks found: 1.').waitFor();
  assert.match(await options.first().innerText(), /Ngân hàng Demo/, 'with no query, only that country\'s banks');

  // The app becomes unreachable: the picker says so instead of showing nothing.
  await app.host.close();
  await status.getByText('The bank list cannot be searched while Ledgerlink is not reachable').waitFor();
  assert.equal(await options.count(), 0);
  await screenshot(page, 'picker-02-offline');
  assert.deepEqual(problems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(p)), [], 'no CSP violation or page error');
});
