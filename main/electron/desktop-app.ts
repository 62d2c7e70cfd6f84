// The desktop app's life: one instance per user (a second launch brings the window forward),
// the core opened on the same data folder as the CLI, the scheduler and the catalog refresh
// running like `ledgerlink serve`, and on quit the scheduler stopped and the ledger closed
// before Electron exits. Electron's modules are handed in (only main.ts imports 'electron'), so
// all of this runs under plain Node in the tests with a fake.
import type { App, BrowserWindow, Dialog, IpcMain, Protocol, SafeStorage, Shell, session as electronSession, utilityProcess as electronUtilityProcess } from 'electron';
import { dirname, join } from 'node:path';
import { defaultDataDir } from '../cli';
import { EXIT_NATIVE_MODULE } from '../desktop-handover';
import { Core, type CoreOptions } from '../core/index';
import { openVault, type Vault } from '../vault/index';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { AppWindows } from './app-windows';
import { ConsentFlows } from './consent-flows';
import { installIpcBridge } from './ipc-bridge';
import { createMainWindow } from './main-window';
import { CONSENT_PARTITION, denyByDefault, guardAppWindow } from './navigation-policy';
import { APP_PAGE_PERMISSIONS, denyPermissions } from './permissions';
import { createElectronSafeStorageVault } from './safe-storage-vault';
import { KEYCHAIN_CHILD_FILE, utilityKeychainLauncher } from './keychain-utility';

/** The Electron modules the shell uses, typed from Electron's own declarations. */
export interface ElectronMain {
  app: Pick<App, 'requestSingleInstanceLock' | 'on' | 'whenReady' | 'quit' | 'exit' | 'getPath'>;
  BrowserWindow: typeof BrowserWindow;
  dialog: Pick<Dialog, 'showErrorBox'>;
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  safeStorage: SafeStorage;
  session: Pick<typeof electronSession, 'defaultSession' | 'fromPartition'>;
  shell: Pick<Shell, 'openExternal'>;
  /** Runs the keychain's child process (main/electron/keychain-utility.ts); absent: a Node child. */
  utilityProcess?: Pick<typeof electronUtilityProcess, 'fork'>;
}

/** The institution catalog is checked hourly; each provider's list is refreshed when a week old. */
export const CATALOG_CHECK_MS = 3_600_000;

export interface DesktopOptions {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The built preload (dist/electron/preload.cjs). */
  preload: string;
  /** Default: the CLI's (LEDGERLINK_DATA_DIR, else the OS app-data folder). */
  dataDir?: string;
  /** Default: the OS keychain, else Electron's safeStorage (a file in its user-data folder). */
  vault?: (scope: string) => Promise<Vault>;
  now?: () => Date;
  /** Builds the core (default: new Core); the tests wrap it to watch the scheduler. */
  openCore?: (options: CoreOptions) => Core;
  platform?: NodeJS.Platform;
  /**
   * Started by `ledgerlink start`: when the SQLite module is built for Node rather than this
   * Electron, exit with EXIT_NATIVE_MODULE (no dialog) so the command serves the browser UI.
   */
  startedByCli?: boolean;
  /** Where SIGINT/SIGTERM come from (a terminal's Ctrl+C quits cleanly). Default: process. */
  signals?: Pick<NodeJS.Process, 'once' | 'off'>;
  log?: (s: string) => void;
}

export interface DesktopApp {
  /** true once the core is open and the window created; false when this instance does not run. */
  ready: Promise<boolean>;
  /** The open core (undefined before ready, and when it could not be opened). */
  readonly core: Core | undefined;
  readonly windows: AppWindows;
  readonly consent: ConsentFlows;
  /** Resolves once the quit sequence has stopped the scheduler and closed the core. */
  closed: Promise<void>;
}

/**
 * What to do when the ledger's native module was built for Node rather than Electron (their
 * ABIs differ): the packaged app is rebuilt by electron-builder, a development checkout is not.
 */
export function nativeModuleHint(message: string): string {
  if (!/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) return '';
  return '\n\nbetter-sqlite3 is built for Node, not for this Electron. Rebuild it for Electron ' +
    '(npx @electron/rebuild -f -o better-sqlite3); `npm rebuild better-sqlite3` builds it for Node again.';
}

export function startDesktopApp(electron: ElectronMain, o: DesktopOptions): DesktopApp {
  const { app } = electron;
  const log = o.log ?? ((s: string) => console.error(s));
  const platform = o.platform ?? process.platform;
  const signals = o.signals ?? process;
  const dataDir = o.dataDir ?? defaultDataDir();
  const windows = new AppWindows();
  const consent = new ConsentFlows();
  let core: Core | undefined;
  let undo: (() => void)[] = [];
  let closing: Promise<void> | undefined;
  let markClosed!: () => void;
  const closed = new Promise<void>((done) => (markClosed = done));

  // Before anything else: Electron accepts privileged schemes only before `ready`.
  registerAppScheme(electron.protocol);

  if (!app.requestSingleInstanceLock()) {
    // Another Ledgerlink runs on this account: it gets `second-instance` and shows itself.
    app.quit();
    markClosed();
    return { ready: Promise.resolve(false), core: undefined, windows, consent, closed };
  }

  // The bank's cookies and storage go when its popup closes: the next consent starts clean.
  const watchPopup = (popup: BrowserWindow) => {
    popup.once('closed', () => {
      electron.session.fromPartition(CONSENT_PARTITION).clearStorageData().catch(() => undefined);
    });
  };

  const openWindow = () => {
    if (windows.focus() || !core) return;
    createMainWindow({
      BrowserWindow: electron.BrowserWindow,
      preload: o.preload,
      log,
      prepare: (win) => {
        windows.add(win);
        guardAppWindow(win.webContents, { shell: electron.shell, consent, log, onConsentPopup: watchPopup });
      },
    });
  };

  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      for (const u of undo) u();
      undo = [];
      const c = core;
      if (c) {
        try {
          await c.scheduler.stop();
          await c.close();
        } catch (e) {
          log(`ledgerlink: the ledger did not close cleanly (${e instanceof Error ? e.message : String(e)}).`);
        }
      }
      markClosed();
    })();
    return closing;
  };

  app.on('second-instance', () => openWindow());
  app.on('activate', () => openWindow()); // macOS: the dock icon with no window open
  app.on('web-contents-created', (_e, contents) => denyByDefault(contents));
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock (the scheduler keeps running); elsewhere, closing is quitting.
    if (platform !== 'darwin') app.quit();
  });
  let quitting: 'no' | 'closing' | 'done' = 'no';
  app.on('will-quit', (e) => {
    if (quitting === 'done') return; // the ledger is closed: Electron may exit now
    // Electron would exit as soon as this returns: hold it until the scheduler has stopped
    // (a synchronization stops between pages) and the ledger is closed, then quit again.
    e.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    void shutdown().then(() => {
      quitting = 'done';
      app.quit();
    });
  });
  const quit = () => app.quit();
  signals.once('SIGINT', quit);
  signals.once('SIGTERM', quit);
  undo.push(() => {
    signals.off('SIGINT', quit);
    signals.off('SIGTERM', quit);
  });

  const ready = app.whenReady().then(() => {
    if (closing) return false;
    try {
      core = (o.openCore ?? ((opts: CoreOptions) => new Core(opts)))({
        dataDir,
        ...(o.now ? { now: o.now } : {}),
        vault: o.vault ?? ((scope) => openVault({
          scope,
          // The keychain first, asked from a utility process (a locked keyring can crash the
          // process that asks); else safeStorage's file in Electron's user-data folder.
          ...(electron.utilityProcess
            ? { keychainLauncher: utilityKeychainLauncher(electron.utilityProcess, join(dirname(o.preload), KEYCHAIN_CHILD_FILE)) }
            : {}),
          electronSafeStorage: (s) => createElectronSafeStorageVault(undefined, electron, s),
        })),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log(`ledgerlink: cannot open the ledger in ${dataDir}: ${message}`);
      if (o.startedByCli && nativeModuleHint(message)) {
        // Nothing was opened; the signal handlers go, then the exit code tells the command.
        void shutdown().then(() => app.exit(EXIT_NATIVE_MODULE));
        return false;
      }
      electron.dialog.showErrorBox('Ledgerlink cannot open its ledger', `${message}${nativeModuleHint(message)}\n\nData folder: ${dataDir}`);
      app.quit();
      return false;
    }
    const c = core;
    denyPermissions(electron.session.defaultSession, APP_PAGE_PERMISSIONS);
    denyPermissions(electron.session.fromPartition(CONSENT_PARTITION));
    serveAppProtocol(electron.protocol, o.rendererDir);
    undo.push(installIpcBridge({ ipcMain: electron.ipcMain, core: c, windows, consent, log }));
    openWindow();

    c.scheduler.start();
    const refreshCatalog = () => {
      c.refreshCatalog(false).catch((e: unknown) => {
        if (!closing) log(`ledgerlink: catalog refresh failed: ${e instanceof Error ? e.message : String(e)}`);
      });
    };
    refreshCatalog();
    const timer = setInterval(refreshCatalog, CATALOG_CHECK_MS);
    timer.unref();
    undo.push(() => clearInterval(timer));
    return true;
  });

  return {
    ready,
    get core() {
      return core;
    },
    windows,
    consent,
    closed,
  };
}
