// The desktop app without Electron: the built renderer served by the real app:// handler (same
// files, same CSP) to real Chromium, the built preload bundle run in the page with a stand-in
// for Electron's `require('electron')`, and its IPC carried by a Playwright binding into the
// real main-side bridge (installIpcBridge, AppWindows, ConsentFlows) in front of a real core.
// Only Electron's transport is replaced: what the page sees and what main decides are the app's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ApiEventName, ConnectStart, Result } from '../../preload/api';
import { Core } from '../../main/core/index';
import { DemoBank } from '../../main/providers/demo/index';
import { createAppRequestHandler } from '../../main/electron/app-protocol';
import { APP_ORIGIN } from '../../main/electron/app-url';
import { AppWindows, type AppWindow } from '../../main/electron/app-windows';
import { ConsentFlows } from '../../main/electron/consent-flows';
import { installIpcBridge, type IpcBridgeOptions } from '../../main/electron/ipc-bridge';
import { decideWindowOpen, type OpenDecision } from '../../main/electron/navigation-policy';
import { RENDERER_DIR, ROOT } from './harness';
import { watchCsp } from './support';

/** Where Chromium loads the page; every request to it is answered as app://ledgerlink would be. */
export const PAGE_ORIGIN = 'http://ledgerlink.test';
const PRELOAD = join(ROOT, 'dist', 'electron', 'preload.cjs');

/** The URL Electron would report for a page URL served here (anything else stays foreign). */
export function asAppUrl(url: string): string {
  return url === PAGE_ORIGIN || url.startsWith(`${PAGE_ORIGIN}/`) ? APP_ORIGIN + url.slice(PAGE_ORIGIN.length) : url;
}

/**
 * The preload as Electron's sandbox runs it: CommonJS with a `require` that knows 'electron'
 * only, and process.type 'renderer'. A string, not a function: tsx would wrap named functions
 * in a helper the page does not have.
 */
function preloadScript(bundle: string): string {
  return `(() => {
  const listeners = [];
  const ipcRenderer = {
    invoke: (channel, message) => window.__desktopIpcInvoke(channel, message),
    on: (channel, listener) => { listeners.push({ channel, listener }); return ipcRenderer; },
    removeListener: (channel, listener) => {
      const i = listeners.findIndex((l) => l.channel === channel && l.listener === listener);
      if (i >= 0) listeners.splice(i, 1);
      return ipcRenderer;
    },
  };
  Object.defineProperty(window, '__desktopIpcDeliver', { value: (batch) => {
    for (const { channel, message } of batch) for (const l of listeners.slice()) if (l.channel === channel) l.listener({}, message);
  } });
  const electron = {
    ipcRenderer,
    contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: api, enumerable: true }) },
  };
  const module = { exports: {} };
  const require = (name) => {
    if (name !== 'electron') throw new Error('a sandboxed preload cannot require ' + name);
    return electron;
  };
  (function (require, module, exports, process) {
${bundle}
  })(require, module, module.exports, { type: 'renderer' });
})();`;
}

type Handler = Parameters<IpcMain['handle']>[1];

export interface DesktopApp {
  core: Core;
  context: BrowserContext;
  page: Page;
  consent: ConsentFlows;
  /** The options the bridge was installed with, for calling answerCall directly. */
  bridge: IpcBridgeOptions;
  /** The app window's stand-in webContents: the sender of the page's calls. */
  contents: { id: number };
  /** Every method the page invoked over IPC, in order. */
  calls: string[];
  /** Events main sent to the window, by name. */
  delivered: Map<ApiEventName, number>;
  /** The ConnectStarts the page received through the bridge. */
  starts: ConnectStart[];
  /** Popups Chromium opened for the page, with what main's window-open policy says of each. */
  popups: { page: Page; url: string; decision: OpenDecision }[];
  /** WebSockets the page opened (the desktop app has none). */
  sockets: string[];
  /** The Content-Security-Policy the page was served with. */
  csp: string;
  /** CSP violations and page errors since before the page loaded. */
  problems: string[];
  /** What the bridge logged (its refusals). */
  logs: string[];
  close(): Promise<void>;
}

export async function openDesktopApp(browser: Browser, o: { now: () => Date; demoPageSize?: number; initScript?: string }): Promise<DesktopApp> {
  if (!existsSync(PRELOAD)) throw new Error(`The preload is not built (${PRELOAD}): run \`npm run build:electron\`.`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerlink-desktop-e2e-'));
  const demo = new DemoBank({ stateDir: join(dataDir, 'demo-bank'), now: o.now, ...(o.demoPageSize ? { pageSize: o.demoPageSize } : {}) });
  const core = new Core({ dataDir, now: o.now, providers: [demo] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  const page = await context.newPage();

  const problems = watchCsp(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const serve = createAppRequestHandler(RENDERER_DIR);
  await page.route(`${PAGE_ORIGIN}/**`, async (route) => {
    const res = await serve(new Request(asAppUrl(route.request().url()), { method: route.request().method() }));
    await route.fulfill({ status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) });
  });

  const logs: string[] = [];
  // Events go to the page in the order main sent them: one delivery in flight at a time.
  const delivered = new Map<ApiEventName, number>();
  let queue: { channel: string; message: unknown }[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    while (queue.length > 0 && !page.isClosed()) {
      const batch = queue;
      queue = [];
      await page.evaluate((b) => (window as unknown as { __desktopIpcDeliver(b: unknown): void }).__desktopIpcDeliver(b), batch)
        .catch((e: unknown) => {
          if (!page.isClosed()) logs.push(`event delivery failed: ${e instanceof Error ? e.message : String(e)}`);
        });
    }
    flushing = undefined;
  };
  const contents = {
    id: 1,
    isDestroyed: () => page.isClosed(),
    getURL: () => asAppUrl(page.url()),
    send(channel: string, message: unknown) {
      const name = (message as { event: ApiEventName }).event;
      delivered.set(name, (delivered.get(name) ?? 0) + 1);
      queue.push({ channel, message });
      flushing ??= flush();
    },
  };
  const win = {
    webContents: contents,
    isDestroyed: () => page.isClosed(),
    once(event: string, listener: () => void) {
      if (event === 'closed') page.once('close', listener);
      return win;
    },
  };
  const windows = new AppWindows();
  windows.add(win as unknown as AppWindow);

  const consent = new ConsentFlows();
  const handlers = new Map<string, Handler>();
  const bridge: IpcBridgeOptions = {
    ipcMain: { handle: (channel, listener) => void handlers.set(channel, listener), removeHandler: (channel) => void handlers.delete(channel) },
    core, windows, consent, log: (s) => logs.push(s),
  };
  const uninstall = installIpcBridge(bridge);

  const calls: string[] = [];
  const starts: ConnectStart[] = [];
  await page.exposeBinding('__desktopIpcInvoke', async (source, channel: string, message: unknown) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`); // as Electron rejects it
    const method = String((message as { method?: unknown } | null)?.method);
    calls.push(method);
    const event = {
      sender: source.page === page ? contents : {},
      senderFrame: { url: asAppUrl(source.frame.url()), parent: source.frame.parentFrame() },
    } as unknown as IpcMainInvokeEvent;
    const result = (await handler(event, message)) as Result<unknown>;
    if (method === 'startConnect' && result.ok) starts.push(result.value as ConnectStart);
    return result;
  });

  // What Electron's did-create-window does for the app window: main's policy decides, and the
  // popup joins its flow so that main can close it when the flow ends.
  const popups: DesktopApp['popups'] = [];
  page.on('popup', (popup) => {
    const url = popup.url();
    popups.push({ page: popup, url, decision: decideWindowOpen(url, consent) });
    consent.popupOpened({ close: () => void popup.close().catch(() => undefined), isDestroyed: () => popup.isClosed() }, url);
  });

  await page.addInitScript(preloadScript(readFileSync(PRELOAD, 'utf8')));
  if (o.initScript) await page.addInitScript(o.initScript);
  const response = await page.goto(`${PAGE_ORIGIN}/index.html`);
  const csp = (await response?.headerValue('content-security-policy')) ?? '';

  return {
    core, context, page, consent, bridge, contents, calls, delivered, starts, popups, sockets, csp, problems, logs,
    async close() {
      uninstall();
      await context.close();
      await flushing;
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
