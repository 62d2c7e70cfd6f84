/**
 * The vault's Electron backend, used inside the desktop app when keytar cannot reach the OS
 * keychain: every secret in one JSON document, encrypted as a whole with Electron's
 * `safeStorage` (whose key itself lives in the OS keychain / DPAPI), written to one file with
 * mode 0600, atomically (temp file 0600 + fsync + rename + fsync of the folder), so a crash
 * mid-write leaves the previous secrets intact.
 *
 * It refuses to work when safeStorage cannot really encrypt: encryption unavailable, or Linux's
 * `basic_text` backend (no keyring found: Chromium then "encrypts" with a hard-coded key, which
 * is plaintext with extra steps).
 *
 * Electron's async safeStorage API (encryptStringAsync / decryptStringAsync /
 * isAsyncEncryptionAvailable) is not in the installed Electron's types (41.x; it came with
 * releases that need Node 22.12 to install): this uses the synchronous API until Electron is
 * upgraded.
 *
 * Only main/electron/ may import 'electron' (lint enforces it); here the import is dynamic, in
 * the factory, and skipped when the modules are handed in, so the class runs (and is tested)
 * under plain Node with an injected safeStorage.
 */
import type { App, SafeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Vault } from '../vault/types';
import { checkName, checkScope, ownerKey, type VaultOwner } from '../vault/owner';

/** The part of Electron's `safeStorage` this backend uses. */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/** Default file name, in Electron's userData folder. */
export const SAFE_STORAGE_FILE = 'secrets.safestorage';

/** First bytes of the file: tells a Ledgerlink vault from anything else before decrypting. */
const MAGIC = Buffer.from('LEDGERLINK-SAFESTORAGE-1\n', 'utf8');

export class SafeStorageUnavailableError extends Error {
  override readonly name = 'SafeStorageUnavailableError';
}

/** The file exists but cannot be read back: it is left untouched, never overwritten. */
export class SafeStorageFileError extends Error {
  override readonly name = 'SafeStorageFileError';
}

type Secrets = Map<string, Map<string, string>>;

export class SafeStorageVault implements Vault {
  /** Operations run one after the other: each set/delete is a read-modify-write of the file. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly safeStorage: SafeStorageLike,
    readonly filePath: string,
    private readonly platform: NodeJS.Platform = process.platform,
    /** The ledger's id: the file of Electron's user-data folder is shared by every data folder. */
    readonly scope?: string,
  ) {
    checkScope(scope);
  }

  /** The entries older versions wrote without a ledger id, to move them under their ledger. */
  legacy(): Vault {
    return new SafeStorageVault(this.safeStorage, this.filePath, this.platform);
  }

  /** Throws SafeStorageUnavailableError unless safeStorage really encrypts on this computer. */
  assertUsable(): void {
    if (this.platform === 'linux') {
      const backend = this.safeStorage.getSelectedStorageBackend();
      if (backend === 'basic_text') {
        throw new SafeStorageUnavailableError(
          "Electron's safeStorage found no keyring and fell back to 'basic_text', which encrypts with a key hard-coded in Chromium: " +
            'that is not protection, so Ledgerlink refuses it. Install gnome-keyring (or KWallet, or another Secret Service such as KeePassXC) ' +
            'and libsecret, make sure it is unlocked in your session, and restart Ledgerlink.',
        );
      }
      if (backend === 'unknown') {
        throw new SafeStorageUnavailableError("Electron's safeStorage is not ready yet (asked before the app's 'ready' event).");
      }
    }
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new SafeStorageUnavailableError(
        this.platform === 'linux'
          ? "Electron's safeStorage cannot encrypt: no unlocked keyring answered. Install gnome-keyring (or KWallet, or another Secret Service such as KeePassXC) and libsecret, and make sure it is unlocked in your session."
          : "Electron's safeStorage cannot encrypt: the system keychain did not answer. The system keychain should be present; make sure it is unlocked.",
      );
    }
  }

  get(connectionId: VaultOwner, name: string): Promise<string | undefined> {
    const owner = ownerKey(connectionId, this.scope);
    checkName(name);
    return this.serial(async () => (await this.load()).get(owner)?.get(name));
  }

  set(connectionId: VaultOwner, name: string, value: string): Promise<void> {
    const owner = ownerKey(connectionId, this.scope);
    checkName(name);
    if (typeof value !== 'string') throw new TypeError('a secret value must be a string');
    return this.serial(async () => {
      const secrets = await this.load();
      const entries = secrets.get(owner) ?? new Map<string, string>();
      entries.set(name, value);
      secrets.set(owner, entries);
      await this.save(secrets);
    });
  }

  delete(connectionId: VaultOwner, name: string): Promise<void> {
    const owner = ownerKey(connectionId, this.scope);
    checkName(name);
    return this.serial(async () => {
      const secrets = await this.load();
      const entries = secrets.get(owner);
      if (!entries?.delete(name)) return;
      if (entries.size === 0) secrets.delete(owner);
      await this.save(secrets);
    });
  }

  list(connectionId: VaultOwner): Promise<string[]> {
    const owner = ownerKey(connectionId, this.scope);
    return this.serial(async () => [...((await this.load()).get(owner)?.keys() ?? [])].sort());
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.assertUsable();
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Secrets> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.filePath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new SafeStorageFileError(`${this.filePath} is not a Ledgerlink secrets file; it was left untouched.`);
    }
    let json: string;
    try {
      json = this.safeStorage.decryptString(bytes.subarray(MAGIC.length));
    } catch (e) {
      throw new SafeStorageFileError(
        `${this.filePath} cannot be decrypted (${e instanceof Error ? e.message : String(e)}): the keyring that protected it is not the one ` +
          'this session has. It was left untouched; unlock or restore that keyring, or remove the file and connect your banks again.',
        { cause: e },
      );
    }
    const secrets = parseSecrets(json);
    if (!secrets) throw new SafeStorageFileError(`${this.filePath} decrypts to an unexpected document; it was left untouched.`);
    return secrets;
  }

  private async save(secrets: Secrets): Promise<void> {
    const doc = Object.fromEntries([...secrets].map(([owner, entries]) => [owner, Object.fromEntries(entries)]));
    const bytes = Buffer.concat([MAGIC, this.safeStorage.encryptString(JSON.stringify(doc))]);
    await writeFileAtomic(this.filePath, bytes);
  }
}

/** `{ "<owner key>": { "<name>": "<value>" } }` as maps (no prototype surprises with odd names), or undefined. */
function parseSecrets(json: string): Secrets | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isPlainObject(doc)) return undefined;
  const secrets: Secrets = new Map();
  for (const [owner, entries] of Object.entries(doc)) {
    if (!isPlainObject(entries)) return undefined;
    const names = new Map<string, string>();
    for (const [name, value] of Object.entries(entries)) {
      if (typeof value !== 'string') return undefined;
      names.set(name, value);
    }
    secrets.set(owner, names);
  }
  return secrets;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TEMP_SUFFIX = '.tmp';

/** `.<file>.<pid>.<random>.tmp` in the same folder (a rename is atomic only within one file system). */
function tempPathFor(filePath: string): string {
  return join(dirname(filePath), `.${basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * Replaces `filePath` with `bytes` so that, whatever moment the process dies, the file holds
 * either the old or the new content, never a mix: the bytes go to a temp file created with
 * mode 0600 (never readable by others, not even for an instant), are fsynced, then renamed
 * over the file; the folder is fsynced so the rename itself survives a power cut. Temp files
 * left by an earlier crash are removed.
 */
export async function writeFileAtomic(filePath: string, bytes: Buffer): Promise<void> {
  const dir = dirname(filePath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await removeStaleTemps(filePath);
  const temp = tempPathFor(filePath);
  const fh = await open(temp, 'wx', 0o600);
  try {
    try {
      await fh.chmod(0o600); // the mode given to open() is reduced by the umask, never widened; make it exact
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, filePath);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  if (process.platform !== 'win32') {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

async function removeStaleTemps(filePath: string): Promise<void> {
  const prefix = `.${basename(filePath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(filePath));
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith(TEMP_SUFFIX))
      .map((n) => unlink(join(dirname(filePath), n)).catch(() => undefined)),
  );
}

/**
 * The vault inside Electron's main process: waits for the app to be ready (safeStorage
 * answers nothing useful before), then checks safeStorage really encrypts. Pass it to
 * `openVault({ electronSafeStorage: () => createElectronSafeStorageVault() })`. The desktop
 * shell hands in its Electron modules (`electron`), so that nothing but its entry file imports
 * 'electron' and the shell can be tested with a fake.
 */
export async function createElectronSafeStorageVault(
  filePath?: string,
  electron?: { app: Pick<App, 'whenReady' | 'getPath'>; safeStorage: SafeStorageLike },
  scope?: string,
): Promise<SafeStorageVault> {
  const { app, safeStorage } = electron ?? (await import('electron'));
  await app.whenReady();
  const vault = new SafeStorageVault(safeStorage, filePath ?? join(app.getPath('userData'), SAFE_STORAGE_FILE), process.platform, scope);
  vault.assertUsable();
  return vault;
}
