/**
 * Thrown when no secure place for secrets exists on this computer. Ledgerlink then refuses to
 * store the secret: there is never a plaintext fallback. The message says what to install.
 */
/**
 * `keytar-missing`: the native module did not build or load; `keychain-unavailable`: it loaded
 * but the OS keychain did not answer; `keychain-locked`: the keychain is there but locked, and
 * cannot ask for its password here (no display), or it crashed the process that asked.
 */
export type VaultUnavailableReason = 'keytar-missing' | 'keychain-unavailable' | 'keychain-locked';

export class VaultUnavailableError extends Error {
  override readonly name = 'VaultUnavailableError';
  constructor(
    readonly reason: VaultUnavailableReason,
    /** What the user should do, in one sentence (also part of `message`). */
    readonly hint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
