// The app window: the renderer from app://ledgerlink with the preload as its only bridge. Every
// webPreference that matters for security is written out, not left to defaults, so a change
// of Electron's defaults cannot weaken it silently (and the tests can see them).
import type { BrowserWindow, BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { APP_INDEX_URL } from './app-url';

/** What every window of the app gets, the app window and the banks' consent popups alike. */
export const LOCKED_DOWN: Readonly<WebPreferences> = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
};

export function appWebPreferences(preload: string): WebPreferences {
  return { preload, ...LOCKED_DOWN };
}

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 860,
    minHeight: 560,
    title: 'Ledgerlink',
    // Shown once painted, so the user never sees an empty white frame.
    show: false,
    webPreferences: appWebPreferences(preload),
  };
}

export interface MainWindowOptions {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  preload: string;
  /** Applies the navigation policy and registers the window, before the page loads. */
  prepare: (win: BrowserWindow) => void;
  log?: (s: string) => void;
}

export function createMainWindow(o: MainWindowOptions): BrowserWindow {
  const win = new o.BrowserWindow(mainWindowOptions(o.preload));
  o.prepare(win);
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_INDEX_URL).catch((e: unknown) => {
    (o.log ?? console.error)(`ledgerlink: the window could not load the app (${e instanceof Error ? e.message : String(e)}).`);
  });
  return win;
}
