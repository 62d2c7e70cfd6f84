// The keychain as one data folder's ledger sees it: its secrets are filed under the ledger's
// id (migration 0008), read here from the ledger file without changing it.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { LEDGER_FILE_NAME } from '../../main/ledger/db';
import { ledgerId } from '../../main/ledger/identity';
import { openVault, type Vault } from '../../main/vault/index';

export function ledgerIdOf(dataDir: string): string {
  const db = new Database(join(dataDir, LEDGER_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    return ledgerId(db);
  } finally {
    db.close();
  }
}

export function ledgerVault(dataDir: string): Promise<Vault> {
  return openVault({ scope: ledgerIdOf(dataDir) });
}
