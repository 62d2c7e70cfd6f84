// Switching to Vietnamese translates every screen: dashboard, picker, phone, accounts, progress,
// journal, Online Synchronizations and settings show none of the English dictionary's phrases
// and no raw message key; money is formatted for vi-VN, VND without decimals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { useChromium, openApp, ROOT, screenshot } from './harness';
import { accessibility, connectDemo, consentInPopup, goto, ok, waitUntil, watchCsp } from './support';

const NOW = new Date('2026-06-15T10:00:00Z');

/** The dictionaries of renderer/i18n.ts (not exported: read from the source). */
function dictionary(name: 'en' | 'vi'): Record<string, string> {
  const src = readFileSync(join(ROOT, 'renderer', 'i18n.ts'), 'utf8');
  const start = src.indexOf(name === 'en' ? 'const en = {' : 'const vi: Dict = {');
  const body = src.slice(start, src.indexOf('\n}', start));
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/^\s*'([^']+)':\s*'((?:[^'\\]|\\.)*)',?\s*$/gm)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}
const EN = dictionary('en');
const VI = dictionary('vi');
const KEYS = Object.keys(EN);

/** The English phrases to look for: each message's text between its {placeholders}, where it is
 * words, and not also a Vietnamese text (brand and provider names are the same in both). */
const viText = Object.values(VI).join('\n');
const PHRASES = [...new Set(Object.values(EN).flatMap((v) => v.split(/\{\w+\}/)).map((s) => s.trim().replace(/^[.:;,·\s]+|[.:;,·…\s]+$/g, '')))]
  .filter((s) => /[A-Za-z]{3}/.test(s) && !viText.includes(s));

const browser = useChromium();

/** Everything the screen shows or announces: its text, accessible names, titles. */
async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.body.innerText];
    for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    return parts.join('\n');
  });
}

function assertTranslated(text: string, bankData: string[], screen: string): void {
  let rest = text;
  // Bank data (account, institution and journal names, references, partners) is not translated.
  for (const d of [...bankData].sort((a, b) => b.length - a.length)) if (d) rest = rest.split(d).join(' ');
  const english = PHRASES.flatMap((p) => {
    const m = new RegExp(`(^|[^A-Za-z])${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).exec(rest);
    return m ? [`${p} (in "${rest.slice(Math.max(0, m.index - 40), m.index + p.length + 40).replace(/\s+/g, ' ')}")`] : [];
  });
  assert.deepEqual(english, [], `${screen}: English phrases on the Vietnamese screen`);
  const raw = KEYS.filter((k) => rest.includes(k));
  assert.deepEqual(raw, [], `${screen}: raw message keys shown`);
}

test('in Vietnamese every screen is translated and VND has no decimals', { timeout: 90_000 }, async (t) => {
  assert.ok(PHRASES.length > 150, 'the English dictionary was read');
  const app = await openApp(browser(), { now: () => NOW });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  const vnd = await connectDemo(core, 'demo-vnd');
  const data: string[] = [];
  const collectBankData = async () => {
    // The app's own chatter messages carry a key and must be translated; only what a bank
    // wrote (a message without a key, an error description) is data.
    const chatter = (r: Awaited<ReturnType<typeof core.api.listChatter>>) => ok(r).flatMap((c) => (c.message_key ? [c.error_description ?? ''] : [c.text, c.error_description ?? '']));
    for (const c of ok(await core.api.listConnections({}))) data.push(c.institution_name, ...chatter(await core.api.listChatter({ connection_id: c.id })));
    for (const j of ok(await core.api.listJournals({}))) {
      data.push(j.name, j.code, ...chatter(await core.api.listChatter({ journal_id: j.id })));
      for (const l of ok(await core.api.listLines({ journal_id: j.id, offset: 0, limit: 200 }))) data.push(l.payment_ref, l.partner_name ?? '');
      for (const s of ok(await core.api.listStatements({ journal_id: j.id }))) data.push(s.name);
      for (const p of ok(await core.api.listPendingLines({ journal_id: j.id }))) data.push(p.payment_ref, p.partner_name ?? '');
    }
  };
  await collectBankData();

  // Settings → Language → Tiếng Việt.
  await goto(page, '#/settings');
  await page.getByTestId('language').selectOption('vi');
  await page.getByRole('heading', { name: VI['settings.title'] }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi', 'the document language follows');
  await page.getByTestId('developer-mode').check();
  assertTranslated(await screenText(page), data, 'settings');
  await accessibility(page, 'settings (vi)');
  await screenshot(page, 'vi-01-settings');

  // Dashboard, with VND formatted for vi-VN without decimals.
  await goto(page, '#/');
  await page.getByRole('heading', { name: VI['dash.title'] }).waitFor();
  const card = page.getByTestId('journal-card').first();
  await card.waitFor();
  const journal = ok(await core.api.listJournals({})).find((j) => j.connection_id === vnd.id)!;
  assert.equal(journal.currency, 'VND');
  const shown = (await card.getByTestId('bank-balance').innerText()).replace(/\s/g, ' ');
  const expected = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND' }).format(journal.bank_balance!).replace(/\s/g, ' ');
  assert.equal(shown, expected, 'the bank balance in vi-VN');
  assert.match(shown, /₫/);
  assert.doesNotMatch(shown, /,\d/, 'VND has no decimals');
  assertTranslated(await screenText(page), data, 'dashboard');
  await accessibility(page, 'dashboard (vi)');
  await screenshot(page, 'vi-02-dashboard');

  // Journal.
  await goto(page, `#/journal/${journal.id}`);
  await page.getByTestId('journal-page').waitFor();
  await page.getByTestId('line-row').first().getByRole('button').waitFor();
  const amounts = await page.locator('.money').allInnerTexts();
  assert.ok(amounts.length > 0 && amounts.every((a) => /₫/.test(a) && !/,\d/.test(a)), 'every VND amount without decimals');
  assertTranslated(await screenText(page), data, 'journal');
  await accessibility(page, 'journal (vi)');
  await screenshot(page, 'vi-03-journal');

  // Online Synchronizations.
  await goto(page, '#/connections');
  await page.getByTestId('connection-card').first().waitFor();
  assertTranslated(await screenText(page), data, 'online synchronizations');
  await accessibility(page, 'online synchronizations (vi)');
  await screenshot(page, 'vi-04-connections');

  // Picker, phone, consent, accounts and progress: adding Demo Bank Beta.
  await goto(page, '#/');
  await page.getByRole('button', { name: VI['dash.add'] }).click();
  await page.getByTestId('institution-search').fill('demo bank beta');
  const option = page.getByTestId('institution-option').filter({ hasText: 'Demo Bank Beta' }).first();
  await option.waitFor();
  const catalog = ok(await core.api.searchInstitutions({ query: 'demo bank beta' }));
  data.push(...catalog.map((i) => (i as unknown as { name?: string }).name ?? ''));
  assertTranslated(await screenText(page), data, 'institution picker');
  await accessibility(page, 'institution picker (vi)');
  await screenshot(page, 'vi-05-picker');
  await option.click();

  await page.getByTestId('phone-step').waitFor();
  assertTranslated(await screenText(page), data, 'phone');
  await screenshot(page, 'vi-06-phone');
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: VI['phone.skip'] }).click();
  const popup = await popupPromise;
  await page.getByTestId('consent-waiting').waitFor();
  assertTranslated(await screenText(page), data, 'consent');
  await consentInPopup(popup);

  await page.getByTestId('accounts-step').waitFor({ timeout: 30_000 });
  const started = ok(await core.api.listConnections({})).filter((c) => c.id !== vnd.id);
  for (const c of started) {
    data.push(c.institution_name);
    for (const a of ok(await core.api.fetchAccounts({ connection_id: c.id }))) data.push(a.name, (a as unknown as { number?: string }).number ?? '');
  }
  assertTranslated(await screenText(page), data, 'accounts');
  await accessibility(page, 'accounts (vi)');
  await screenshot(page, 'vi-07-accounts');
  await page.getByRole('button', { name: VI['accounts.link'] }).click();

  await page.getByTestId('progress-step').waitFor();
  assertTranslated(await screenText(page), data, 'progress');
  await screenshot(page, 'vi-08-progress');
  await page.getByRole('heading', { name: VI['dash.title'] }).waitFor({ timeout: 30_000 });
  await page.getByTestId('journal-card').nth(1).waitFor();
  await collectBankData();
  assertTranslated(await screenText(page), data, 'dashboard after the first synchronization');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});

test('language, theme and developer mode are kept by the app: a new window opens the way the user left it', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => NOW });
  t.after(() => app.close());
  const { page, core } = app;
  await goto(page, '#/settings');
  await page.getByTestId('language').selectOption('vi');
  await page.getByLabel(VI['settings.theme']!).selectOption('dark');
  await page.getByTestId('developer-mode').check();
  await page.getByRole('link', { name: VI['nav.connections'] }).waitFor();
  await waitUntil(async () => {
    const s = ok(await core.api.getSettings({}));
    return s['ui.language'] === 'vi' && s['ui.theme'] === 'dark' && s['ui.developer_mode'] === 'on';
  }, 5_000, 'the core keeps the choices');

  // Another browser profile: nothing in its storage, everything from the core.
  const other = await browser().newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', colorScheme: 'light' });
  t.after(() => other.close());
  const second = await other.newPage();
  await second.goto(app.url);
  await second.getByRole('heading', { name: VI['dash.title'] }).waitFor();
  assert.equal(await second.evaluate(() => document.documentElement.lang), 'vi');
  assert.equal(await second.evaluate(() => document.documentElement.dataset.theme), 'dark', 'dark although the computer is light');
  await second.getByRole('link', { name: VI['nav.connections'] }).waitFor();
  await screenshot(second, 'vi-09-second-window-dark');

  // "Same as the computer" follows the computer's setting.
  await goto(second, '#/settings');
  await second.getByLabel(VI['settings.theme']!).selectOption('system');
  await second.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  await second.emulateMedia({ colorScheme: 'dark' });
  await second.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await accessibility(second, 'settings, dark (vi)');
});
