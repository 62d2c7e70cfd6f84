/**
 * keytar in a child process.
 *
 * Why: with a Secret Service on the session bus whose keyring is locked and no display to ask
 * for its password (a headless server, an SSH session), libsecret crashes the process that
 * calls `keytar.findCredentials` (SIGSEGV, measured with gnome-keyring 42), and `getPassword`
 * answers "no such secret" for a secret that exists. In-process, that crash took the CLI, the
 * browser host and the scheduler down with it, leaving a synchronization `running` with its
 * lease held. Here every keychain call runs in a small child that loads only keytar: a crash
 * or a hang ends that call with an error (and the next call starts a new child), never the app.
 *
 * The child's code is one CommonJS source (CHILD_SOURCE) so that it needs no loader and no
 * build step: under Node it runs with `node -e` (the app's own Node, `process.execPath`);
 * inside Electron, where running Electron as Node is switched off by a fuse, the desktop shell
 * starts the same source as a `utilityProcess` from the file scripts/build-electron.ts writes.
 * Messages are `{ id, op, args }` one way and `{ id, ok, value | message }` back.
 */
import { spawn } from 'node:child_process';
import type { KeytarLike } from './keychain';

/** Keytar's four calls, run in the child. */
export type KeychainOp = 'getPassword' | 'setPassword' | 'deletePassword' | 'findCredentials';

interface Request {
  id: number;
  op: KeychainOp | 'load';
  args: unknown[];
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** The child's side of the conversation: what `node -e` or a utilityProcess runs. */
export const CHILD_SOURCE = String.raw`'use strict';
// Ledgerlink's keychain child: loads keytar and answers one call at a time. It ends when its
// parent goes (Node: the IPC channel closes; Electron: the parent port closes).
const port = process.parentPort;
const send = port ? (m) => port.postMessage(m) : (m) => process.send(m);
let keytar = null;
async function handle(msg) {
  const { id, op, args } = msg || {};
  try {
    if (op === 'load') {
      keytar = require(args[0]);
      send({ id, ok: true, value: null });
      return;
    }
    if (!keytar) throw new Error('keytar is not loaded');
    if (!['getPassword', 'setPassword', 'deletePassword', 'findCredentials'].includes(op)) throw new Error('unknown keychain call');
    const value = await keytar[op](...args);
    send({ id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    send({ id, ok: false, message: e && e.message ? String(e.message) : String(e) });
  }
}
if (port) {
  port.on('message', (e) => handle(e.data));
} else {
  process.on('message', handle);
  process.on('disconnect', () => process.exit(0));
}
`;

/** What a started child looks like to the parent: a Node ChildProcess or an Electron UtilityProcess, adapted. */
export interface KeychainChild {
  send(message: Request): void;
  onMessage(listener: (message: Reply) => void): void;
  /** Called once when the child ends, with how it ended (`SIGSEGV`, `exit code 1`). */
  onExit(listener: (how: string) => void): void;
  /** Whether the parent waits for it (a pending call) or may exit without it. */
  ref(on: boolean): void;
  kill(): void;
}

export interface KeychainLauncher {
  start(): KeychainChild;
  /** What the child passes to `require` to load keytar. */
  keytarSpecifier: string;
}

/** The child under plain Node: `node -e CHILD_SOURCE` with an IPC channel. */
export function nodeKeychainLauncher(keytarPath: string): KeychainLauncher {
  return {
    keytarSpecifier: keytarPath,
    start() {
      const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
        // The app's environment: libsecret finds the keyring through it (the session bus,
        // the display to ask for a password on, HOME and the XDG folders).
        env: process.env,
        windowsHide: true,
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2_000);
      });
      return {
        send: (m) => child.send(m),
        onMessage: (l) => child.on('message', (m) => l(m as Reply)),
        onExit: (l) => {
          let said = false;
          const end = (how: string) => {
            if (said) return;
            said = true;
            const last = stderr.trim().split('\n').filter((x) => x && !/^\s*$/.test(x)).pop();
            l(last ? `${how}: ${last.slice(0, 300)}` : how);
          };
          child.once('exit', (code, signal) => end(signal ? signal : `exit code ${code}`));
          child.once('error', (e) => end(`could not start (${e.message})`));
        },
        ref: (on) => {
          // The process, its IPC channel and its stderr pipe each keep Node's event loop alive.
          const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
          const stderrPipe = child.stderr as unknown as { ref?(): void; unref?(): void } | null;
          if (on) {
            child.ref();
            channel?.ref();
            stderrPipe?.ref?.();
          } else {
            child.unref();
            channel?.unref();
            stderrPipe?.unref?.();
          }
        },
        kill: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      };
    },
  };
}

/** How long one keychain call may take: long enough to type a keyring password in a prompt. */
export const KEYCHAIN_CALL_TIMEOUT_MS = 120_000;

/** Thrown when the child ended or did not answer: the keychain is unusable for now. */
export class KeychainProcessError extends Error {
  override readonly name = 'KeychainProcessError';
  constructor(message: string, readonly crashed: boolean) {
    super(message);
  }
}

/**
 * keytar's API, each call answered by the child. A child that crashed or hung is dropped and
 * the next call starts a new one (the user may have unlocked the keyring in between).
 */
export class KeychainProcess implements KeytarLike {
  private child: KeychainChild | null = null;
  private loaded: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly launcher: KeychainLauncher,
    private readonly timeoutMs: number = KEYCHAIN_CALL_TIMEOUT_MS,
  ) {}

  getPassword(service: string, account: string): Promise<string | null> {
    return this.call('getPassword', [service, account]) as Promise<string | null>;
  }
  async setPassword(service: string, account: string, password: string): Promise<void> {
    await this.call('setPassword', [service, account, password]);
  }
  deletePassword(service: string, account: string): Promise<boolean> {
    return this.call('deletePassword', [service, account]) as Promise<boolean>;
  }
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>> {
    return this.call('findCredentials', [service]) as Promise<Array<{ account: string; password: string }>>;
  }

  /** Loads keytar in a fresh child; rejects when keytar cannot be loaded there. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        await this.raw('load', [this.launcher.keytarSpecifier]);
      } catch (e) {
        this.loaded = null;
        throw e;
      }
    })();
    return this.loaded;
  }

  async close(): Promise<void> {
    this.drop(new KeychainProcessError('The keychain was closed.', false));
  }

  private async call(op: KeychainOp, args: unknown[]): Promise<unknown> {
    await this.load();
    return this.raw(op, args);
  }

  private raw(op: Request['op'], args: unknown[]): Promise<unknown> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A hung child (a prompt nobody answers, a bus that never replies) is killed: a new
        // one is started by the next call.
        this.drop(new KeychainProcessError(`The OS keychain did not answer within ${Math.round(this.timeoutMs / 1000)} s.`, false));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.ref(true);
      try {
        child.send({ id, op, args });
      } catch (e) {
        this.drop(new KeychainProcessError(`The keychain process cannot be reached (${e instanceof Error ? e.message : String(e)}).`, true));
      }
    });
  }

  private ensureChild(): KeychainChild {
    if (this.child) return this.child;
    const child = this.launcher.start();
    this.child = child;
    child.onMessage((m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) child.ref(false);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.message));
    });
    child.onExit((how) => {
      if (this.child !== child) return;
      this.child = null;
      this.loaded = null;
      this.failAll(new KeychainProcessError(`The OS keychain crashed the process that asked it (${how}).`, true));
    });
    child.ref(false);
    return child;
  }

  private drop(error: Error): void {
    const child = this.child;
    this.child = null;
    this.loaded = null;
    child?.kill();
    this.failAll(error);
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(error);
  }
}
