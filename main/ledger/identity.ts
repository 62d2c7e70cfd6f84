import type { Db } from './db';

/** The ledger's id (migration 0008): what its secrets are filed under in the keychain. */
export function ledgerId(db: Db): string {
  const id = db.prepare('SELECT ledger_id FROM ledger_identity WHERE only_row = 1').pluck().get() as string | undefined;
  if (!id) throw new Error('The ledger has no identity row (migration 0008 did not run).');
  return id;
}

/** Whether the secrets of versions before ledger ids were already moved under this ledger. */
export function legacySecretsMoved(db: Db): boolean {
  return (db.prepare('SELECT legacy_secrets_moved_at FROM ledger_identity WHERE only_row = 1').pluck().get() ?? null) !== null;
}

export function markLegacySecretsMoved(db: Db, at: Date): void {
  db.prepare('UPDATE ledger_identity SET legacy_secrets_moved_at = ? WHERE only_row = 1').run(at.toISOString());
}
