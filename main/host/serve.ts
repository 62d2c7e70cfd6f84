// `ledgerlink serve` (and `npm start` without Electron): starts the browser host, prints the
// address to open (the token travels in its hash) and, when asked, opens the default browser.
import { spawn, type SpawnOptions } from 'node:child_process';
import type { Core } from '../core/index';
import { startHost, type Host } from './server';

export interface BrowserCommand {
  command: string;
  args: string[];
  options: SpawnOptions;
}

/** How to open a URL in the default browser on this platform. */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform): BrowserCommand {
  const options: SpawnOptions = { detached: true, stdio: 'ignore' };
  if (platform === 'darwin') return { command: 'open', args: [url], options };
  if (platform === 'win32') {
    // `start` is a cmd built-in; the empty title keeps the quoted URL from being taken for one.
    // The URL is ours (loopback, digits, hex token), so quoting it is enough.
    return { command: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], options: { ...options, windowsVerbatimArguments: true, windowsHide: true } };
  }
  return { command: 'xdg-open', args: [url], options };
}

/**
 * Tries to open `url` in the default browser. Resolves true when the opener started (it may
 * still fail later: that is reported through `log`), false when it could not start.
 */
export function openBrowser(
  url: string,
  log: (s: string) => void,
  opts: { platform?: NodeJS.Platform; spawnImpl?: typeof spawn } = {},
): Promise<boolean> {
  const { command, args, options } = browserCommand(url, opts.platform);
  const run = opts.spawnImpl ?? spawn;
  const cannot = `Could not open a browser (${command}); open the address above yourself.`;
  return new Promise((done) => {
    let child;
    try {
      child = run(command, args, options);
    } catch {
      log(cannot);
      done(false);
      return;
    }
    child.once('error', () => {
      log(cannot);
      done(false);
    });
    child.once('spawn', () => {
      child.unref();
      done(true);
    });
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) log(cannot);
    });
  });
}

export interface ServeOptions {
  core: Core;
  rendererDir: string;
  port?: number;
  open?: boolean;
  log?: (s: string) => void;
  /** For tests: replaces child_process.spawn when opening the browser. */
  spawnImpl?: typeof spawn;
}

export async function serve(opts: ServeOptions): Promise<Host> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const host = await startHost({ core: opts.core, rendererDir: opts.rendererDir, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  log(`Ledgerlink is running at ${host.url}`);
  if (opts.open) await openBrowser(host.url, log, opts.spawnImpl ? { spawnImpl: opts.spawnImpl } : {});
  return host;
}
