/**
 * Rotating secrets: refresh tokens that the provider replaces on every use (Ponto does).
 *
 * The danger: once the provider has answered a refresh, the old refresh token is dead. If the
 * app then overwrote the stored token and crashed half-way, or deleted the old one before the
 * new one was safely stored, the user would be locked out and have to consent again. So the
 * new value is written under a second name first, and the old one is only replaced after that:
 *
 *   1. set  `<name>.next` = new      (from here on the new token survives any crash)
 *   2. set  `<name>`      = new
 *   3. delete `<name>.next`
 *
 * `readSecret` prefers `<name>.next` when it exists. It can only exist when a rotation did not
 * finish, and a rotation only starts after the provider has already issued the new token, which
 * means the old one (still in `<name>` after a crash between steps 1 and 2) is no longer
 * accepted: the `.next` value is always the valid one. `readSecret` then finishes the
 * interrupted rotation (steps 2 and 3), so the next rotation starts clean.
 *
 * What no storage order can fix: a crash after the provider answered and before step 1 wrote
 * anything. That window is one keychain write long; the caller must call `rotateSecret` right
 * after the provider's answer, before doing anything else with it.
 *
 * Rule for callers: a secret read with `readSecret` is written with `rotateSecret` (also the
 * first time) and removed with `deleteSecret`, never with the vault's plain set/delete, which
 * would leave a stale `.next` behind that `readSecret` would then prefer.
 */
import type { Vault } from './types';
import type { VaultOwner } from './owner';

export const NEXT_SUFFIX = '.next';

export async function rotateSecret(vault: Vault, owner: VaultOwner, name: string, newValue: string): Promise<void> {
  const next = name + NEXT_SUFFIX;
  await vault.set(owner, next, newValue); // 1. the new value is safe from here on
  await vault.set(owner, name, newValue); // 2. the old value is dropped only now
  await vault.delete(owner, next); //        3. back to one entry
}

/**
 * The current value: `<name>.next` if a rotation was interrupted (then the rotation is
 * completed here, best effort: if that write fails too, the value is still returned and the
 * repair is tried again on the next read), else `<name>`.
 */
export async function readSecret(vault: Vault, owner: VaultOwner, name: string): Promise<string | undefined> {
  const pending = await vault.get(owner, name + NEXT_SUFFIX);
  if (pending === undefined) return vault.get(owner, name);
  try {
    await vault.set(owner, name, pending);
    await vault.delete(owner, name + NEXT_SUFFIX);
  } catch {
    // Keep `.next`: it is still the valid value and the next read tries again.
  }
  return pending;
}

/** Removes a rotating secret, its pending `.next` first (so a crash never revives it). */
export async function deleteSecret(vault: Vault, owner: VaultOwner, name: string): Promise<void> {
  await vault.delete(owner, name + NEXT_SUFFIX);
  await vault.delete(owner, name);
}
