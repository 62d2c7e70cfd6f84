import type { Db } from '../ledger/db';
import { NEXT_SUFFIX } from '../vault/rotation';
import type { VaultOwner } from '../vault/owner';
import type { Vault } from '../vault/types';

/**
 * Deletes the named secrets of an owner (all it holds when `names` is not given): a rotation's
 * pending `<name>.next` before `<name>`, so a crash half-way never revives an old token.
 */
export async function deleteAllSecrets(vault: Vault, owner: VaultOwner, names?: string[]): Promise<void> {
  const all = names ?? (await vault.list(owner));
  const ordered = [...all].sort((a, b) => Number(b.endsWith(NEXT_SUFFIX)) - Number(a.endsWith(NEXT_SUFFIX)));
  for (const name of ordered) await vault.delete(owner, name);
}

/**
 * Tokens a Disconnect could not remove (the keychain failed, or the app was killed between
 * marking the connection disconnected and deleting them): removed when the keychain is next
 * opened. A disconnected connection has no secret to keep: Reconnect stores new ones.
 */
export async function removeLeftoverSecrets(db: Db, vault: Vault): Promise<number> {
  const ids = db.prepare("SELECT id FROM connections WHERE state = 'disconnected' ORDER BY id").pluck().all() as number[];
  let removed = 0;
  for (const id of ids) {
    const names = await vault.list(id);
    await deleteAllSecrets(vault, id, names);
    removed += names.length;
  }
  return removed;
}
