/**
 * The desktop shell started for real on a fake Electron: a temp data folder with a real Core
 * (a real ledger, the Demo Bank), a memory vault instead of the OS keychain, a tiny built
 * renderer, and the fake playing Electron's `ready`. Quitting at the end goes through the
 * shell's own quit sequence.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { Core } from '../../../main/core/index';
import { startDesktopApp, type DesktopApp, type DesktopOptions } from '../../../main/electron/desktop-app';
import { tempDir } from '../../helpers/ledger';
import { fakeElectron, type FakeBrowserWindowLike, type FakeElectron } from './fake-electron';
import { MemoryVault } from '../../helpers/memory-vault';

export const INDEX_HTML = '<!doctype html><html><head><script src="main.js"></script></head><body><div id="root"></div></body></html>';
export const SECRET = 'top-secret-outside-the-renderer';


/** A built renderer in `dir`: index.html, main.js, an asset, a dotfile; a secret next to it. */
export function writeRenderer(dir: string): string {
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(rendererDir, 'main.js'), 'console.log("renderer");');
  writeFileSync(join(rendererDir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(rendererDir, '.env'), SECRET);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  return rendererDir;
}

export interface Started {
  fake: FakeElectron;
  desktop: DesktopApp;
  dir: string;
  dataDir: string;
  rendererDir: string;
  preload: string;
  logs: string[];
  signals: NodeJS.EventEmitter;
  /** What the shell did with the core: scheduler start/stop, event (un)subscriptions, close. */
  coreCalls: string[];
  /** Quits through the shell's sequence and waits until Electron would exit. */
  quit(): Promise<void>;
}

type After = { after(fn: () => unknown): void };

/** Starts the shell on a fake Electron; `ready: false` stops before Electron's `ready`. */
export async function startShell(t: After, o: Partial<DesktopOptions> & { ready?: boolean; lock?: boolean } = {}): Promise<Started> {
  const tmp = tempDir('ledgerlink-electron-');
  const rendererDir = writeRenderer(tmp.dir);
  const dataDir = join(tmp.dir, 'data');
  const preload = join(tmp.dir, 'dist', 'electron', 'preload.cjs');
  const fake = fakeElectron({ userData: join(tmp.dir, 'user-data') });
  if (o.lock === false) fake.app.lockGranted = false;
  const logs: string[] = [];
  const signals = new EventEmitter();
  const { ready: _ready, lock: _lock, ...options } = o;
  const coreCalls: string[] = [];
  const desktop = startDesktopApp(fake.electron, {
    openCore: (opts) => watched(new Core(opts), coreCalls),
    rendererDir,
    preload,
    dataDir,
    vault: async () => new MemoryVault(),
    now: () => new Date('2026-06-15T10:00:00Z'),
    platform: 'linux',
    signals: signals as unknown as NodeJS.Process,
    log: (s) => logs.push(s),
    ...options,
  });
  const quit = async () => {
    if (!fake.app.exited) fake.app.quit();
    await desktop.closed;
    for (let i = 0; i < 20 && !fake.app.exited; i++) await tick();
  };
  t.after(async () => {
    await quit();
    tmp.cleanup();
  });
  if (o.ready !== false) {
    fake.app.ready();
    await desktop.ready;
  }
  return { fake, desktop, dir: tmp.dir, dataDir, rendererDir, preload, logs, signals, coreCalls, quit };
}

/** The real core, with its scheduler's start/stop, its event subscriptions and close recorded. */
function watched(core: Core, calls: string[]): Core {
  const { scheduler } = core;
  const start = scheduler.start.bind(scheduler);
  const stop = scheduler.stop.bind(scheduler);
  scheduler.start = () => {
    calls.push('scheduler.start');
    start();
  };
  scheduler.stop = () => {
    calls.push('scheduler.stop');
    return stop();
  };
  const on = core.on.bind(core);
  core.on = (event, listener) => {
    calls.push(`on:${event}`);
    const off = on(event, listener);
    return () => {
      calls.push(`off:${event}`);
      off();
    };
  };
  const close = core.close.bind(core);
  core.close = () => {
    calls.push('close');
    return close();
  };
  return core;
}

/** The app's window (the first one the shell created). */
export function appWindow(s: Started): FakeBrowserWindowLike {
  const win = s.fake.windows[0];
  if (!win) throw new Error('the shell created no window');
  return win;
}
