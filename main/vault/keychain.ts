import type { Vault } from './types';
import { accountName, namesOf, type VaultOwner } from './owner';

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
 * Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service
 * on Linux: gnome-keyring, KeePassXC, KWallet's bridge) through keytar. Service
 * "Ledgerlink"; the account name carries the owner: `app:<name>` or
 * `connection:<id>:<name>`.
 */
export class KeychainVault implements Vault {
  constructor(
    private readonly keytar: KeytarLike,
    readonly service: string = KEYCHAIN_SERVICE,
  ) {}

  async get(connectionId: VaultOwner, name: string): Promise<string | undefined> {
    const value = await this.keytar.getPassword(this.service, accountName(connectionId, name));
    return value ?? undefined;
  }

  async set(connectionId: VaultOwner, name: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError('a secret value must be a string');
    await this.keytar.setPassword(this.service, accountName(connectionId, name), value);
  }

  async delete(connectionId: VaultOwner, name: string): Promise<void> {
    await this.keytar.deletePassword(this.service, accountName(connectionId, name));
  }

  async list(connectionId: VaultOwner): Promise<string[]> {
    const credentials = await this.keytar.findCredentials(this.service);
    return namesOf(connectionId, credentials.map((c) => c.account));
  }
}
