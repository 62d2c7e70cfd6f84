import type { Db } from '../ledger/db';
import { legacySecretsMoved, markLegacySecretsMoved } from '../ledger/identity';
import type { VaultOwner } from '../vault/owner';
import type { Vault } from '../vault/types';

/**
 * Versions before ledger ids filed secrets as `app:<name>` and `connection:<id>:<name>`, shared
 * by every data folder. The first ledger opened since (one that was in use: migration 0008
 * marks new ones as done) takes them under its own id: its app secrets (provider keys, the
 * phone number) and those of its own connections. Each value is written under the ledger
 * before the old entry goes, so a crash half-way loses nothing and the next open finishes.
 */
export async function moveLegacySecrets(db: Db, vault: Vault, now: Date): Promise<number> {
  if (legacySecretsMoved(db)) return 0;
  const old = vault.legacy?.();
  let moved = 0;
  if (old) {
    const connectionIds = db.prepare('SELECT id FROM connections ORDER BY id').pluck().all() as number[];
    for (const owner of ['app', ...connectionIds] as VaultOwner[]) {
      for (const name of await old.list(owner)) {
        const value = await old.get(owner, name);
        // A value already under the ledger is newer than the old entry (written since).
        if (value !== undefined && (await vault.get(owner, name)) === undefined) {
          await vault.set(owner, name, value);
          moved++;
        }
        await old.delete(owner, name);
      }
    }
  }
  markLegacySecretsMoved(db, now);
  return moved;
}
