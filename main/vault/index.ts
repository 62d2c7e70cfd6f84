/**
 * Picks where secrets live:
 *   1. the OS keychain through keytar, when keytar loads AND the keychain answers a probe;
 *   2. inside Electron, when (1) fails, Electron's safeStorage (an encrypted file; built by
 *      main/electron/safe-storage-vault.ts and handed in, since only main/electron/ may
 *      import 'electron');
 *   3. otherwise nothing: a VaultUnavailableError that says what to install.
 * There is deliberately no plaintext fallback.
 */
import type { Vault } from './types';
import { KEYCHAIN_SERVICE, KeychainVault, loadKeytar, type KeytarLike } from './keychain';
import { VaultUnavailableError } from './errors';

export type { Vault } from './types';
export type { VaultOwner } from './owner';
export { VaultUnavailableError } from './errors';
export { KeychainVault, KEYCHAIN_SERVICE, loadKeytar, type KeytarLike } from './keychain';
export { readSecret, rotateSecret, deleteSecret } from './rotation';

export interface OpenVaultOptions {
  /**
   * Inside Electron: builds the safeStorage vault (`createElectronSafeStorageVault` from
   * main/electron/safe-storage-vault.ts). Called only when the keychain is not usable; it
   * throws when safeStorage refuses (no encryption, or Linux's `basic_text`).
   */
  electronSafeStorage?: () => Promise<Vault>;
  /** How keytar is loaded (default: a dynamic import). Tests replace it. */
  loadKeytar?: () => Promise<KeytarLike>;
  /** Whose wording the error uses (default: this computer's). */
  platform?: NodeJS.Platform;
}

type KeychainFailure = { reason: 'keytar-missing' | 'keychain-unavailable'; cause: unknown };

export async function openVault(opts: OpenVaultOptions = {}): Promise<Vault> {
  const platform = opts.platform ?? process.platform;
  const keychain = await probeKeychain(opts.loadKeytar ?? loadKeytar);
  if ('vault' in keychain) return keychain.vault;
  const failure = keychain.failure;

  let safeStorageProblem: unknown;
  if (opts.electronSafeStorage) {
    try {
      return await opts.electronSafeStorage();
    } catch (cause) {
      safeStorageProblem = cause;
    }
  }

  const hint = failure.reason === 'keytar-missing' ? keytarMissingHint(platform) : keychainHint(platform);
  const what = failure.reason === 'keytar-missing'
    ? `The OS keychain module (keytar) could not be loaded (${describe(failure.cause)})`
    : `${keychainName(platform)} did not answer (${describe(failure.cause)})`;
  const electron = safeStorageProblem === undefined ? '' : ` Electron's safeStorage cannot be used either: ${describe(safeStorageProblem).replace(/\.$/, '')}.`;
  throw new VaultUnavailableError(
    failure.reason,
    hint,
    `${what}. ${hint}.${electron} Ledgerlink will not store secrets until then: it never keeps them in plain text.`,
    { cause: failure.cause },
  );
}

async function probeKeychain(load: () => Promise<KeytarLike>): Promise<{ vault: Vault } | { failure: KeychainFailure }> {
  let keytar: KeytarLike;
  try {
    keytar = await load();
  } catch (cause) {
    return { failure: { reason: 'keytar-missing', cause } };
  }
  try {
    // The probe: on Linux without a Secret Service on the session bus this throws
    // ("The name org.freedesktop.secrets was not provided by any .service files",
    // "Cannot autolaunch D-Bus without X11 $DISPLAY", "Could not connect: ...").
    await keytar.findCredentials(KEYCHAIN_SERVICE);
    return { vault: new KeychainVault(keytar) };
  } catch (cause) {
    return { failure: { reason: 'keychain-unavailable', cause } };
  }
}

function keychainName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'The macOS Keychain';
  if (platform === 'win32') return 'The Windows Credential Manager';
  return 'The Secret Service (the OS keychain, on the session D-Bus)';
}

function keychainHint(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'The system keychain should be present: open Keychain Access and make sure your login keychain exists and is unlocked';
  if (platform === 'win32') return 'The system keychain should be present: make sure the Credential Manager service is running for your account';
  return 'Install gnome-keyring (or another Secret Service such as KeePassXC) and libsecret, and make sure it is unlocked in your session';
}

function keytarMissingHint(platform: NodeJS.Platform): string {
  if (platform === 'darwin' || platform === 'win32') return 'Reinstall Ledgerlink; the keytar module failed to build';
  return 'Reinstall Ledgerlink; the keytar module failed to build: needs libsecret-1-dev';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
