/**
 * A stand-in for the Electron modules the shell uses, in the spirit of electron/fiddle's mock:
 * plain EventEmitters that record what the shell asked for (window options, loaded URLs, IPC
 * handlers, protocol handlers, permission handlers, opened links) and let a test play the
 * parts Electron would (a navigation, a window.open, an IPC invoke, a quit). Each call of
 * fakeElectron() returns fresh objects, so tests never share state.
 */
import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions, CustomScheme, HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import type { ElectronMain } from '../../../main/electron/desktop-app';
import { FakeSafeStorage } from './fake-safe-storage';

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

/** A cancellable event as Electron passes it (will-navigate, will-quit...). */
export function cancellable<T extends object>(params: T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const e = {
    ...params,
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  url = '';
  destroyed = false;
  readonly sent: { channel: string; message: unknown }[] = [];
  readonly loaded: string[] = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  readonly mainFrame: FakeFrame;
  /** Set when the shell's window-open handler allowed a window: what Electron would build. */
  createChild: ((options: BrowserWindowConstructorOptions) => FakeBrowserWindowLike) | undefined;

  constructor() {
    super();
    const currentUrl = () => this.url;
    this.mainFrame = {
      get url() {
        return currentUrl();
      },
      parent: null,
    };
  }

  getURL(): string {
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message });
  }

  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.url = url;
  }

  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }

  /** The page navigates (a link, location.href): true when the shell let it. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const e = cancellable({ url, isMainFrame: true });
    this.emit(event, e, url);
    if (!e.defaultPrevented) this.url = url;
    return !e.defaultPrevented;
  }

  /** window.open(url, frameName, features) from the page, as Electron runs it. */
  windowOpen(url: string, frameName = '', features = ''): { response: WindowOpenHandlerResponse; popup: FakeBrowserWindowLike | undefined } {
    const handler = this.windowOpenHandler;
    if (!handler) throw new Error('no window-open handler was set');
    const response = handler({ url, frameName, features, disposition: 'new-window', referrer: { url: this.url, policy: 'strict-origin-when-cross-origin' } });
    if (response.action !== 'allow') return { response, popup: undefined };
    if (!this.createChild) throw new Error('the fake cannot build child windows here');
    const popup = this.createChild({ ...(response.overrideBrowserWindowOptions ?? {}) });
    void popup.webContents.loadURL(url);
    this.emit('did-create-window', popup, { url, frameName, options: response.overrideBrowserWindowOptions ?? {}, disposition: 'new-window' });
    return { response, popup };
  }
}

export interface FakeBrowserWindowLike extends EventEmitter {
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: FakeWebContents;
  shown: number;
  focused: number;
  minimized: boolean;
  destroyed: boolean;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  close(): void;
  loadURL(url: string): Promise<void>;
}

export class FakeApp extends EventEmitter {
  isReady = false;
  lockGranted = true;
  quitCalls = 0;
  /** True once a will-quit went through without being prevented: Electron would exit. */
  exited = false;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((r) => (this.resolveReady = r));

  constructor(readonly userData: string, readonly appPath: string) {
    super();
  }

  requestSingleInstanceLock(): boolean {
    return this.lockGranted;
  }

  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Electron's `ready`. */
  ready(): void {
    this.isReady = true;
    this.resolveReady();
    this.emit('ready');
  }

  quit(): void {
    this.quitCalls++;
    const e = cancellable({});
    this.emit('will-quit', e);
    if (!e.defaultPrevented) this.exited = true;
  }

  /** Electron's app.exit: no will-quit, the process ends with `code`. */
  exitCode: number | null = null;
  exit(code = 0): void {
    this.exitCode = code;
    this.exited = true;
  }

  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`the fake app knows only userData, not ${name}`);
    return this.userData;
  }

  getAppPath(): string {
    return this.appPath;
  }
}

export class FakeSession {
  requestHandler: ((...a: never[]) => void) | null = null;
  checkHandler: ((...a: never[]) => boolean) | null = null;
  cleared = 0;

  constructor(readonly partition: string) {}

  setPermissionRequestHandler(h: ((...a: never[]) => void) | null): void {
    this.requestHandler = h;
  }

  setPermissionCheckHandler(h: ((...a: never[]) => boolean) | null): void {
    this.checkHandler = h;
  }

  async clearStorageData(): Promise<void> {
    this.cleared++;
  }

  /** Asks the request handler as Chromium would; resolves with its answer. */
  request(permission: string, requestingUrl: string): Promise<boolean> {
    const h = this.requestHandler as unknown as (wc: unknown, p: string, cb: (ok: boolean) => void, d: { requestingUrl: string }) => void;
    if (!h) return Promise.resolve(true); // Electron's default: granted
    return new Promise((done) => h(new FakeWebContents(), permission, done, { requestingUrl }));
  }

  check(permission: string, requestingOrigin: string): boolean {
    const h = this.checkHandler as unknown as (wc: unknown, p: string, origin: string, d: object) => boolean;
    if (!h) return true;
    return h(null, permission, requestingOrigin, {});
  }
}

export type IpcHandler = (event: { sender: unknown; senderFrame: FakeFrame | null }, ...args: unknown[]) => unknown;

export function fakeElectron(o: { userData: string; appPath?: string }) {
  const app = new FakeApp(o.userData, o.appPath ?? o.userData);
  const windows: FakeBrowserWindowLike[] = [];

  class FakeBrowserWindow extends EventEmitter implements FakeBrowserWindowLike {
    readonly webContents = new FakeWebContents();
    shown = 0;
    focused = 0;
    minimized = false;
    destroyed = false;

    constructor(readonly options: BrowserWindowConstructorOptions = {}) {
      super();
      windows.push(this);
      this.webContents.createChild = (opts) => new FakeBrowserWindow(opts);
      app.emit('web-contents-created', cancellable({}), this.webContents);
    }

    static getAllWindows(): FakeBrowserWindowLike[] {
      return windows.filter((w) => !w.destroyed);
    }

    isDestroyed(): boolean {
      return this.destroyed;
    }

    isMinimized(): boolean {
      return this.minimized;
    }

    restore(): void {
      this.minimized = false;
    }

    show(): void {
      this.shown++;
    }

    focus(): void {
      this.focused++;
    }

    close(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
    }

    loadURL(url: string): Promise<void> {
      return this.webContents.loadURL(url);
    }
  }

  const ipcHandlers = new Map<string, IpcHandler>();
  const ipcMain = {
    handlers: ipcHandlers,
    handle(channel: string, handler: IpcHandler) {
      if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      ipcHandlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      ipcHandlers.delete(channel);
    },
    /** What ipcRenderer.invoke(channel, ...args) from `sender`'s `frame` would get. */
    async invoke(channel: string, sender: unknown, frame: FakeFrame | null, ...args: unknown[]): Promise<unknown> {
      const h = ipcHandlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      return h({ sender, senderFrame: frame }, ...args);
    },
  };

  const protocol = {
    privileged: [] as CustomScheme[],
    /** Whether registerSchemesAsPrivileged came before `ready` (Electron refuses it after). */
    registeredBeforeReady: undefined as boolean | undefined,
    handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: CustomScheme[]) {
      this.registeredBeforeReady = !app.isReady;
      this.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>) {
      this.handlers.set(scheme, handler);
    },
  };

  const partitions = new Map<string, FakeSession>();
  const session = {
    defaultSession: new FakeSession(''),
    fromPartition(partition: string) {
      let s = partitions.get(partition);
      if (!s) partitions.set(partition, (s = new FakeSession(partition)));
      return s;
    },
  };

  const shell = {
    opened: [] as string[],
    async openExternal(url: string) {
      this.opened.push(url);
    },
  };

  const dialog = {
    errors: [] as { title: string; content: string }[],
    showErrorBox(title: string, content: string) {
      this.errors.push({ title, content });
    },
  };

  const fake = { app, BrowserWindow: FakeBrowserWindow, windows, ipcMain, protocol, session, shell, dialog, safeStorage: new FakeSafeStorage() };
  return {
    ...fake,
    /** The same objects, typed as the Electron modules the shell takes (the one cast). */
    electron: fake as unknown as ElectronMain,
  };
}

export type FakeElectron = ReturnType<typeof fakeElectron>;
