import { createRequire } from 'node:module';
import type { Vault } from './types';
import { accountName, checkScope, namesOf, type VaultOwner } from './owner';
import { KeychainProcess, nodeKeychainLauncher, type KeychainLauncher } from './keychain-process';

/** The keychain service every Ledgerlink secret is filed under. */
export const KEYCHAIN_SERVICE = 'Ledgerlink';

/** The part of keytar's API the vault uses (keytar's own types are not needed to compile). */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * Loads keytar lazily. It is an optional dependency built from source (libsecret on Linux),
 * so the app must start without it; the specifier is a variable so TypeScript does not need
 * keytar installed either. Throws when the module or its native part cannot be loaded.
 */
export async function loadKeytar(): Promise<KeytarLike> {
  const specifier = 'keytar';
  const mod = (await import(specifier)) as { default?: unknown };
  const keytar = (mod.default ?? mod) as Partial<KeytarLike>;
  for (const fn of ['getPassword', 'setPassword', 'deletePassword', 'findCredentials'] as const) {
    if (typeof keytar[fn] !== 'function') throw new Error(`the keytar module has no ${fn}()`);
  }
  return keytar as KeytarLike;
}

/**
 * keytar in a child process (main/vault/keychain-process.ts), so that a keychain that crashes
 * its caller cannot take the app down. Throws when keytar is not installed or does not load.
 */
export async function loadKeytarIsolated(launcher?: KeychainLauncher): Promise<KeytarLike & { close(): Promise<void> }> {
  let chosen = launcher;
  if (!chosen) {
    let path: string;
    try {
      path = createRequire(import.meta.url).resolve('keytar');
    } catch (e) {
      throw new Error(`the keytar module is not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
    chosen = nodeKeychainLauncher(path);
  }
  const keychain = new KeychainProcess(chosen);
  await keychain.load();
  return keychain;
}

/**
 * Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service
 * on Linux: gnome-keyring, KeePassXC, KWallet's bridge) through keytar. Service
 * "Ledgerlink"; the account name carries the ledger and the owner:
 * `ledger:<ledger id>:app:<name>` or `ledger:<ledger id>:connection:<id>:<name>`.
 */
export class KeychainVault implements Vault {
  constructor(
    private readonly keytar: KeytarLike & { close?(): Promise<void> },
    readonly service: string = KEYCHAIN_SERVICE,
    /** The ledger's id; undefined only for the unscoped entries of older versions. */
    readonly scope?: string,
  ) {
    checkScope(scope);
  }

  legacy(): Vault {
    return new KeychainVault(this.keytar, this.service);
  }

  async close(): Promise<void> {
    await this.keytar.close?.();
  }

  async get(connectionId: VaultOwner, name: string): Promise<string | undefined> {
    const value = await this.keytar.getPassword(this.service, accountName(connectionId, name, this.scope));
    return value ?? undefined;
  }

  async set(connectionId: VaultOwner, name: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError('a secret value must be a string');
    await this.keytar.setPassword(this.service, accountName(connectionId, name, this.scope), value);
  }

  async delete(connectionId: VaultOwner, name: string): Promise<void> {
    const account = accountName(connectionId, name, this.scope);
    try {
      await this.keytar.deletePassword(this.service, account);
    } catch (e) {
      // libsecret says "No such secret item at path ..." when the item went between a list and
      // this delete (another process removed it): gone is what was asked.
      if ((await this.keytar.getPassword(this.service, account)) !== null) throw e;
    }
  }

  async list(connectionId: VaultOwner): Promise<string[]> {
    const credentials = await this.keytar.findCredentials(this.service);
    return namesOf(connectionId, credentials.map((c) => c.account), this.scope);
  }
}
