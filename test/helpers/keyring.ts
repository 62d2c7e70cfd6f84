/**
 * A real, private, unlocked gnome-keyring for tests, never the developer's own keyring:
 *
 *   - a temp folder holds HOME, XDG_DATA_HOME (where the keyring file lands),
 *     XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR (0700) for the daemons;
 *   - `dbus-daemon --nofork --print-address` runs a session bus from a config written here that
 *     listens in that runtime folder and has no service directories, so nothing on it is
 *     auto-activated (no stray keyring daemon we did not start);
 *   - `gnome-keyring-daemon --foreground --unlock --components=secrets`, on that bus, with the
 *     password on stdin: it creates the "login" keyring in the temp XDG_DATA_HOME, unlocked;
 *   - we wait until the bus says `org.freedesktop.secrets` has an owner, then point
 *     `process.env.DBUS_SESSION_BUS_ADDRESS` at the private bus.
 *
 * libsecret (inside keytar) reads DBUS_SESSION_BUS_ADDRESS when it first connects, at the first
 * keytar call, not when keytar is loaded; after that the connection is cached for the life of
 * the process (checked: changing the variable afterwards changes nothing). So start the keyring
 * before the process's first keytar call, and test "no keychain" cases in a child process.
 *
 * `stop()` kills both daemons, waits for them, restores the environment and removes the temp
 * folder. Missing tools make `startPrivateKeyring` throw with what to install: a test that needs
 * the keyring fails, it is never skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const KEYRING_INSTALL_HINT =
  'Install them with `apt-get install libsecret-1-dev gnome-keyring dbus dbus-x11`, then `npm rebuild keytar`';

export interface PrivateKeyring {
  /** The private session bus (also in process.env.DBUS_SESSION_BUS_ADDRESS until stop()). */
  busAddress: string;
  /** The temp folder holding home/, data/, config/, cache/, run/. */
  root: string;
  /** HOME and XDG_* folders of the daemons (the keyring file is under dataHome/keyrings/). */
  home: string;
  dataHome: string;
  /** An environment for child processes that should use this keyring. */
  env: NodeJS.ProcessEnv;
  /**
   * Locks the "login" keyring (the Secret Service's own Lock call), as on a server where the
   * daemon runs but nobody typed the password: with no display it cannot ask for it.
   */
  lock(): Promise<void>;
  /** Whether the "login" keyring is locked, as the Secret Service says. */
  isLocked(): Promise<boolean>;
  /** Starts the daemon again, unlocked with its password (as logging in does). */
  unlock(): Promise<void>;
  stop(): Promise<void>;
}

const PASSWORD = 'ledgerlink-test-keyring';
const START_TIMEOUT_MS = 15_000;

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** What is missing to run the keyring tests, as one message, or undefined. */
export async function missingKeyringTools(): Promise<string | undefined> {
  const missing = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'].filter((c) => !onPath(c));
  let keytarProblem = '';
  try {
    const { loadKeytar } = await import('../../main/vault/keychain');
    await loadKeytar();
  } catch (e) {
    keytarProblem = `the keytar module does not load (${e instanceof Error ? e.message : String(e)}; it builds from source against libsecret-1-dev)`;
  }
  if (missing.length === 0 && !keytarProblem) return undefined;
  const parts = [...(missing.length ? [`${missing.join(', ')} not found on PATH`] : []), ...(keytarProblem ? [keytarProblem] : [])];
  return `The keychain tests need a real gnome-keyring on a private D-Bus session: ${parts.join('; ')}. ${KEYRING_INSTALL_HINT}.`;
}

export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const missing = await missingKeyringTools();
  if (missing) throw new Error(missing);

  const root = mkdtempSync(join(tmpdir(), 'ledgerlink-keyring-'));
  const dirs = { home: join(root, 'home'), data: join(root, 'data'), config: join(root, 'config'), cache: join(root, 'cache'), run: join(root, 'run') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  chmodSync(dirs.run, 0o700);
  const busConfig = join(root, 'session-bus.conf');
  writeFileSync(busConfig, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dirs.run}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`);

  // A clean environment: nothing of the developer's session (DISPLAY, GNOME_KEYRING_CONTROL,
  // their DBUS_SESSION_BUS_ADDRESS) reaches the daemons.
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: dirs.home,
    XDG_DATA_HOME: dirs.data,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    XDG_RUNTIME_DIR: dirs.run,
  };

  const children: ChildProcess[] = [];
  const killAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  // If the test process dies without stop(), the daemons must not outlive it.
  process.once('exit', killAll);

  let stopped = false;
  const previousBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (previousBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previousBus;
    // The keyring first, then the bus it is on.
    for (const c of [...children].reverse()) await terminate(c);
    process.removeListener('exit', killAll);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const bus = spawn('dbus-daemon', [`--config-file=${busConfig}`, '--print-address', '--nofork'], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bus);
    const busAddress = await firstLine(bus, 'dbus-daemon');
    const env: NodeJS.ProcessEnv = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: busAddress };

    const launchKeyring = async (): Promise<ChildProcess> => {
      const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(keyring);
      const keyringOutput = collect(keyring);
      keyring.stdin?.end(PASSWORD);
      await waitForSecretService(busAddress, keyring, keyringOutput);
      return keyring;
    };
    let keyring = await launchKeyring();

    const secretsCall = (path: string, ...args: string[]) => spawnSync('dbus-send', [
      `--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.secrets', path, ...args,
    ], { encoding: 'utf8', timeout: 30_000 });
    const isLocked = async (): Promise<boolean> => {
      const r = secretsCall('/org/freedesktop/secrets/collection/login', 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked');
      if (r.status !== 0) throw new Error(`cannot ask the keyring whether it is locked: ${r.stderr}`);
      return /boolean true/.test(r.stdout);
    };
    const lock = async (): Promise<void> => {
      const r = secretsCall('/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login');
      if (r.status !== 0 || !(await isLocked())) throw new Error(`cannot lock the test keyring: ${r.stderr}`);
    };
    const unlock = async (): Promise<void> => {
      // The daemon unlocks with a password only when it starts (or through a prompt, which
      // needs a display): a new one, on the same keyring files, as a login would.
      await terminate(keyring);
      children.splice(children.indexOf(keyring), 1);
      const released = Date.now() + START_TIMEOUT_MS;
      while (nameHasOwner(busAddress)) {
        if (Date.now() > released) throw new Error('the old gnome-keyring-daemon did not leave the bus');
        await new Promise((res) => setTimeout(res, 50));
      }
      keyring = await launchKeyring();
    };

    process.env.DBUS_SESSION_BUS_ADDRESS = busAddress;
    return { busAddress, root, home: dirs.home, dataHome: dirs.data, env, lock, isLocked, unlock, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out.trim();
}

function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} printed no address within ${START_TIMEOUT_MS} ms: ${err.trim()}`)), START_TIMEOUT_MS);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start (${e.message}); ${KEYRING_INSTALL_HINT}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before printing its address: ${err.trim()}`));
    });
  });
}

function nameHasOwner(busAddress: string): boolean {
  const r = spawnSync('dbus-send', [
    `--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets',
  ], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && /boolean true/.test(r.stdout);
}

async function waitForSecretService(busAddress: string, keyring: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (keyring.exitCode !== null || keyring.signalCode !== null) {
      throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode ?? keyring.signalCode}) before serving secrets: ${output()}`);
    }
    const r = spawnSync('dbus-send', [
      `--bus=${busAddress}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets',
    ], { encoding: 'utf8', timeout: 5_000 });
    if (r.status === 0 && /boolean true/.test(r.stdout)) return;
    if (Date.now() > deadline) {
      throw new Error(`gnome-keyring-daemon did not register org.freedesktop.secrets within ${START_TIMEOUT_MS} ms: ${output()} ${r.stderr ?? ''}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** SIGTERM, then SIGKILL if it has not exited after 3 s; resolves once it has exited. */
function terminate(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A private keyring for the tests of one file: started before them, stopped after them.
 * Returns a getter (the keyring exists only once the `before` hook ran).
 */
export function usePrivateKeyring(): () => PrivateKeyring {
  let keyring: PrivateKeyring | undefined;
  before(async () => {
    keyring = await startPrivateKeyring();
  });
  after(async () => {
    await keyring?.stop();
  });
  return () => {
    if (!keyring) throw new Error('the private keyring is not started yet');
    return keyring;
  };
}
