// Shared pieces of the UI tests: axe-core, connecting Demo Bank institutions through the
// core's API (fast), and walking the Demo Bank's consent pages in the app's popup.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { ConnectionView, Result } from '../../preload/api';
import type { Core } from '../../main/core/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated through the debugger, so the page's CSP stays as it is). */
export async function accessibility(page: Page, screen: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${screen}: serious or critical accessibility violations`);
}

/** Collects CSP reports and page errors. */
export function watchCsp(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

export function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`API error ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Connects a Demo Bank institution through the core's API (consent done headlessly), links every
 * account (or the given ones) to new journals and runs the first synchronization. */
export async function connectDemo(core: Core, institution: string, opts: { accounts?: string[] } = {}): Promise<ConnectionView> {
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: institution }));
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  const redirect = await completeConsentHeadlessly(started.consent_url, opts.accounts ? { accounts: opts.accounts } : {});
  await fetch(redirect);
  const { connection, accounts } = ok(await finishing);
  const chosen = opts.accounts ? accounts.filter((a) => opts.accounts!.includes(a.provider_account_id)) : accounts;
  ok(await core.api.linkAccounts({
    connection_id: connection.id,
    links: chosen.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  }));
  const [r] = ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.ok(r?.ok, `first synchronization of ${institution}`);
  return connection;
}

/** The Demo Bank's consent pages in the popup the app opened: login, code if asked, allow. */
export async function consentInPopup(popup: Page): Promise<void> {
  await popup.getByLabel('Username').fill('demo');
  await popup.getByLabel('Password').fill('demo');
  await popup.getByRole('button', { name: /Sign in|Log in|Continue/ }).click();
  const code = popup.getByLabel('One-time code');
  const allow = popup.getByRole('button', { name: 'Allow access' });
  await code.or(allow).first().waitFor();
  if (await code.isVisible()) {
    await code.fill('123456');
    await popup.getByRole('button', { name: 'Confirm' }).click();
  }
  await allow.click();
}

/** Goes to a hash route of the app without reloading it. */
export async function goto(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
}

export interface ProgressSample {
  /** The bar's value, or null while it is indeterminate. */
  value: number | null;
  max: number;
  text: string;
}

/**
 * Records every state the first-sync progress bar goes through from now on (a MutationObserver
 * in the page, so no state is missed between two polls); call the returned function to read them.
 */
export async function watchProgressBar(page: Page): Promise<() => Promise<ProgressSample[]>> {
  // No named function inside: tsx would wrap it in a helper the page does not have.
  await page.evaluate(() => {
    const seen: { value: number | null; max: number; text: string }[] = [];
    (window as unknown as { __progress: typeof seen }).__progress = seen;
    new MutationObserver(() => {
      const bar = document.querySelector<HTMLProgressElement>('[data-testid=sync-progress]');
      if (!bar) return;
      const sample = { value: bar.hasAttribute('value') ? bar.value : null, max: bar.max, text: bar.getAttribute('aria-valuetext') ?? '' };
      const last = seen[seen.length - 1];
      if (!last || last.value !== sample.value || last.text !== sample.text) seen.push(sample);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { __progress: ProgressSample[] }).__progress);
}

/** Polls `check` (against the core, not the page) until it holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
