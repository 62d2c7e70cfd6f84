/**
 * Picks where secrets live:
 *   1. the OS keychain through keytar, when keytar loads AND the keychain answers a probe;
 *   2. inside Electron, when (1) fails, Electron's safeStorage (an encrypted file; built by
 *      main/electron/safe-storage-vault.ts and handed in, since only main/electron/ may
 *      import 'electron');
 *   3. otherwise nothing: a VaultUnavailableError that says what to install.
 * There is deliberately no plaintext fallback.
 */
import { randomBytes } from 'node:crypto';
import type { Vault } from './types';
import { KEYCHAIN_SERVICE, KeychainVault, loadKeytarIsolated, type KeytarLike } from './keychain';
import { VaultUnavailableError, type VaultUnavailableReason } from './errors';
import { KeychainProcessError, type KeychainLauncher } from './keychain-process';

export type { Vault } from './types';
export type { VaultOwner } from './owner';
export { VaultUnavailableError } from './errors';
export { KeychainVault, KEYCHAIN_SERVICE, loadKeytar, loadKeytarIsolated, type KeytarLike } from './keychain';
export { CHILD_SOURCE as KEYCHAIN_CHILD_SOURCE, type KeychainChild, type KeychainLauncher } from './keychain-process';
export { readSecret, rotateSecret, deleteSecret } from './rotation';

export interface OpenVaultOptions {
  /**
   * Inside Electron: builds the safeStorage vault (`createElectronSafeStorageVault` from
   * main/electron/safe-storage-vault.ts). Called only when the keychain is not usable; it
   * throws when safeStorage refuses (no encryption, or Linux's `basic_text`).
   */
  electronSafeStorage?: (scope: string | undefined) => Promise<Vault>;
  /**
   * How keytar is loaded. Default: in a child process (main/vault/keychain-process.ts), started
   * by `keychainLauncher` or by this Node, so a keychain that crashes its caller cannot crash
   * the app. Tests hand in fakes.
   */
  loadKeytar?: () => Promise<KeytarLike>;
  /** Starts the keychain's child process (inside Electron: a utilityProcess). */
  keychainLauncher?: KeychainLauncher;
  /** The ledger whose secrets this vault holds (its id); undefined only in tests of the backends. */
  scope?: string;
  /** Whose wording the error uses (default: this computer's). */
  platform?: NodeJS.Platform;
}

type KeychainFailure = { reason: VaultUnavailableReason; cause: unknown };

export async function openVault(opts: OpenVaultOptions = {}): Promise<Vault> {
  const platform = opts.platform ?? process.platform;
  const launcher = opts.keychainLauncher;
  const keychain = await probeKeychain(opts.loadKeytar ?? (() => loadKeytarIsolated(launcher)), opts.scope);
  if ('vault' in keychain) return keychain.vault;
  const failure = keychain.failure;

  let safeStorageProblem: unknown;
  if (opts.electronSafeStorage) {
    try {
      return await opts.electronSafeStorage(opts.scope);
    } catch (cause) {
      safeStorageProblem = cause;
    }
  }

  const hint = failure.reason === 'keytar-missing' ? keytarMissingHint(platform) : failure.reason === 'keychain-locked' ? lockedHint(platform) : keychainHint(platform);
  const what = failure.reason === 'keytar-missing'
    ? `The OS keychain module (keytar) could not be loaded (${describe(failure.cause)})`
    : failure.reason === 'keychain-locked'
      ? `${keychainName(platform)} is locked and cannot ask for its password here (${describe(failure.cause)})`
      : `${keychainName(platform)} did not answer (${describe(failure.cause)})`;
  const electron = safeStorageProblem === undefined ? '' : ` Electron's safeStorage cannot be used either: ${describe(safeStorageProblem).replace(/\.$/, '')}.`;
  throw new VaultUnavailableError(
    failure.reason,
    hint,
    `${what}. ${hint}.${electron} Ledgerlink will not store secrets until then: it never keeps them in plain text.`,
    { cause: failure.cause },
  );
}

async function probeKeychain(load: () => Promise<KeytarLike>, scope: string | undefined): Promise<{ vault: Vault } | { failure: KeychainFailure }> {
  let keytar: KeytarLike & { close?(): Promise<void> };
  try {
    keytar = await load();
  } catch (cause) {
    return { failure: { reason: 'keytar-missing', cause } };
  }
  try {
    // The probe. A write first: a locked keyring refuses it cleanly ("Cannot create an item in
    // a locked collection"), or asks the user to unlock it where it can show a prompt; reading
    // a locked keyring instead answers "no such secret" for secrets that exist, and listing it
    // crashes the caller (here the child). Without a Secret Service on the session bus it
    // throws ("The name org.freedesktop.secrets was not provided by any .service files",
    // "Cannot autolaunch D-Bus without X11 $DISPLAY", "Could not connect: ...").
    const probe = `probe:${randomBytes(6).toString('hex')}`;
    await keytar.setPassword(KEYCHAIN_SERVICE, probe, 'probe');
    await keytar.deletePassword(KEYCHAIN_SERVICE, probe);
    await keytar.findCredentials(KEYCHAIN_SERVICE);
    return { vault: new KeychainVault(keytar, KEYCHAIN_SERVICE, scope) };
  } catch (cause) {
    await keytar.close?.().catch(() => undefined);
    const locked = /\block/i.test(describe(cause)) || (cause instanceof KeychainProcessError && cause.crashed);
    return { failure: { reason: locked ? 'keychain-locked' : 'keychain-unavailable', cause } };
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

function lockedHint(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Unlock your login keychain (Keychain Access, or log in to the Mac) and try again';
  if (platform === 'win32') return 'Sign in to Windows with your own account (the Credential Manager opens with your session) and try again';
  return 'Unlock your "login" keyring and try again: log in to a desktop session, or on a server without a display start it unlocked with `echo -n PASSWORD | gnome-keyring-daemon --unlock --replace --components=secrets`';
}

function keytarMissingHint(platform: NodeJS.Platform): string {
  if (platform === 'darwin' || platform === 'win32') return 'Reinstall Ledgerlink; the keytar module failed to build';
  return 'Reinstall Ledgerlink; the keytar module failed to build: needs libsecret-1-dev';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
