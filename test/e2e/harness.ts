// The real thing for UI tests: the core on a temp ledger behind the browser host, and Debian's
// Chromium driven by playwright-core. A missing Chromium fails the tests with what to install.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Core, type CoreOptions } from '../../main/core/index';
import { startHost, type Host } from '../../main/host/index';
import { DemoBank } from '../../main/providers/demo/index';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = process.env.LEDGERLINK_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for the UI tests and was not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set LEDGERLINK_CHROMIUM).`);
  }
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`The renderer is not built (${RENDERER_DIR} is empty): run \`npm run build:renderer\`.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export interface App {
  core: Core;
  /** The browser host (closing it is how a test makes the app unreachable). */
  host: Host;
  /** The app's page with the session token in its hash (a second tab opens it directly). */
  url: string;
  dataDir: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A fresh ledger, the core, the host and a browser page on the app. `demoPageSize` gives the
 * Demo Bank smaller pages (more of them) where a test watches a synchronization move.
 */
export async function openApp(browser: Browser, opts: Partial<CoreOptions> & { demoPageSize?: number } = {}): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerlink-e2e-'));
  const { demoPageSize, ...coreOpts } = opts;
  const demo = demoPageSize === undefined ? [] : [new DemoBank({ stateDir: join(dataDir, 'demo-bank'), pageSize: demoPageSize, ...(opts.now ? { now: opts.now } : {}) })];
  const core = new Core({ dataDir, ...coreOpts, ...(demo.length ? { providers: [...demo, ...(coreOpts.providers ?? [])] } : {}) });
  const host = await startHost({ core, rendererDir: RENDERER_DIR });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin });
  const page = await context.newPage();
  // The way a user arrives: the one-time launch address, traded by the host for the token.
  await page.goto(host.launchUrl());
  return {
    core, host, url: host.url, dataDir, context, page,
    async close() {
      await context.close();
      await host.close();
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page as a test artifact (test-artifacts/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Chromium for the tests of one file: launched before them, closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not launched yet');
    return browser;
  };
}
