import { randomUUID } from 'node:crypto';
import type { Migration } from './types';

// The ledger's own id, made once with it: secrets in the OS keychain are filed under it
// (`ledger:<id>:connection:1:access_token`), so two data folders on one computer never share
// or delete each other's tokens. `legacy_secrets_moved_at` records when the secrets older
// versions filed without an id were moved under this ledger (once, by the first ledger opened).
// A ledger with nothing in it yet (a new one) owns none of them: it is marked as done at once,
// so a new data folder never takes another folder's old secrets.
export const migration: Migration = {
  version: 8,
  name: 'ledger-identity',
  up(db) {
    db.exec(`
      CREATE TABLE ledger_identity (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        ledger_id TEXT NOT NULL CHECK (length(ledger_id) BETWEEN 8 AND 64),
        created_at TEXT NOT NULL,
        legacy_secrets_moved_at TEXT
      ) STRICT;
    `);
    const now = new Date().toISOString();
    const used = db.prepare('SELECT EXISTS (SELECT 1 FROM connections) OR EXISTS (SELECT 1 FROM journals) OR EXISTS (SELECT 1 FROM settings)').pluck().get() === 1;
    db.prepare('INSERT INTO ledger_identity (only_row, ledger_id, created_at, legacy_secrets_moved_at) VALUES (1, ?, ?, ?)')
      .run(randomUUID(), now, used ? null : now);
  },
};
