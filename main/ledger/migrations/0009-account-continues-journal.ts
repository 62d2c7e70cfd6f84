import type { Migration } from './types';

// One bank account, one journal: a second connection to an account already synchronized
// continues that journal. Its own transaction ids are new to the ledger (another provider's, or
// kept per online account), so they cannot dedup against the lines already there; instead it
// records nothing on or before `continues_after`, the journal's last line date when it took over.
export const migration: Migration = {
  version: 9,
  name: 'account-continues-journal',
  up(db) {
    db.exec(`
      ALTER TABLE online_accounts ADD COLUMN continues_after TEXT
        CHECK (continues_after IS NULL OR continues_after GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
    `);
  },
};
