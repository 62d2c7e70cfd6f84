// Where a page may go, in one place. The app window never leaves app://ledgerlink; it may open
// one kind of window, the consent popup, and only on an origin the core issued a consent URL
// for; a link the app itself shows (external-links.ts) goes to the user's browser; everything
// else (other sites, plain http off loopback, file:, javascript:, data:, custom schemes) is
// denied. Consent popups run the bank's pages: their own in-memory session, no preload,
// sandboxed, https only (http only on loopback: the Demo Bank, the redirect listener).
import type { BrowserWindow, BrowserWindowConstructorOptions, Shell, WebContents, WindowOpenHandlerResponse } from 'electron';
import { isAppUrl, webUrl } from './app-url';
import { externalLinkUrl } from './external-links';
import { LOCKED_DOWN } from './main-window';
import type { ConsentFlows } from './consent-flows';

/** The consent popups' session: not `persist:`, so a bank's cookies live only while the app runs. */
export const CONSENT_PARTITION = 'ledgerlink-consent';

export type OpenDecision = { kind: 'consent' } | { kind: 'external'; url: string } | { kind: 'deny' };

/** What the app window's window.open / target=_blank of `url` becomes. */
export function decideWindowOpen(url: string, consent: Pick<ConsentFlows, 'allows'>): OpenDecision {
  const web = webUrl(url);
  if (!web) return { kind: 'deny' };
  if (consent.allows(web.href)) return { kind: 'consent' };
  const link = externalLinkUrl(web.href);
  return link ? { kind: 'external', url: link.href } : { kind: 'deny' };
}

/**
 * The consent popup's options. No `preload` at all: a child window inherits only the opener's
 * security preferences, so the bank's page never gets window.ledgerlink.
 */
export function consentPopupOptions(): BrowserWindowConstructorOptions {
  return {
    width: 520,
    height: 720,
    autoHideMenuBar: true,
    webPreferences: { ...LOCKED_DOWN, partition: CONSENT_PARTITION },
  };
}

type Navigable = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;
export type OpenExternal = Pick<Shell, 'openExternal'>;

/** The only caller of shell.openExternal: checks the link again, whoever decided to open it. */
function openOutside(shell: OpenExternal, url: string, log: (s: string) => void): void {
  const link = externalLinkUrl(url);
  if (!link) return;
  // Only the origin in the log: a link's path and query may carry personal data.
  shell.openExternal(link.href).catch(() => log(`ledgerlink: the system browser did not open a link to ${link.origin}.`));
}

export interface AppWindowPolicy {
  shell: OpenExternal;
  consent: ConsentFlows;
  /** Called with each consent popup once Electron has created it. */
  onConsentPopup?: (popup: BrowserWindow) => void;
  log?: (s: string) => void;
}

/** Applies the app window's policy to its webContents (before it loads anything). */
export function guardAppWindow(contents: Navigable, policy: AppWindowPolicy): void {
  const log = policy.log ?? ((s: string) => console.warn(s));
  const stayHome = (e: { url: string; preventDefault(): void }) => {
    if (!isAppUrl(e.url)) e.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler((details): WindowOpenHandlerResponse => {
    const decision = decideWindowOpen(details.url, policy.consent);
    if (decision.kind === 'consent') return { action: 'allow', overrideBrowserWindowOptions: consentPopupOptions() };
    if (decision.kind === 'external') openOutside(policy.shell, decision.url, log);
    return { action: 'deny' };
  });
  contents.on('did-create-window', (popup, details) => {
    guardConsentPopup(popup.webContents, { shell: policy.shell, log });
    policy.consent.popupOpened(popup, details.url);
    policy.onConsentPopup?.(popup);
  });
}

/**
 * The consent popup's policy: the bank's pages may move between web origins (provider, bank,
 * the loopback redirect) over https (http only on loopback), but never to another scheme; they
 * open no window of their own (only a link the app itself shows goes to the user's browser).
 */
export function guardConsentPopup(contents: Navigable, o: { shell: OpenExternal; log?: (s: string) => void }): void {
  const log = o.log ?? ((s: string) => console.warn(s));
  const webOnly = (e: { url: string; preventDefault(): void }) => {
    if (!webUrl(e.url)) e.preventDefault();
  };
  contents.on('will-navigate', webOnly);
  contents.on('will-redirect', webOnly);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler((details): WindowOpenHandlerResponse => {
    openOutside(o.shell, details.url, log);
    return { action: 'deny' };
  });
}

/**
 * The floor under every webContents the app ever gets (from `web-contents-created`): no
 * webview, no window. The app window and the consent popups then set their own policy.
 */
export function denyByDefault(contents: Navigable): void {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
