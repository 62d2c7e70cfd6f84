// `ledgerlink serve` (and `npm start` without Electron): starts the browser host, prints the
// address to open and, when asked, opens the default browser. That address carries a one-time
// launch code, not the session token: the opener's arguments are visible to every local user.
import { spawn, type SpawnOptions } from 'node:child_process';
import type { Core } from '../core/index';
import { LAUNCH_CODE_TTL_MS } from './launch-codes';
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
    // The URL is ours (loopback, digits, a base64url launch code), so quoting it is enough.
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
  // One code for both: the tab the opener shows spends it, else the user opens it by hand.
  const launchUrl = host.launchUrl();
  log(`Ledgerlink is running at ${launchUrl} (open it within ${LAUNCH_CODE_TTL_MS / 60_000} minutes; it works once)`);
  if (opts.open) await openBrowser(launchUrl, log, opts.spawnImpl ? { spawnImpl: opts.spawnImpl } : {});
  return host;
}
