import type { Migration } from './types';

// Connection lifecycle and scheduling: why a connection is blocked and how many logins failed
// in a row (our own sign of abuse), when the next attempt is allowed after a rate limit or a
// transient failure, a lease so that two processes never synchronize one connection at once,
// which consent-expiry reminder was posted last, and each account's request budget.
export const migration: Migration = {
  version: 3,
  name: 'lifecycle-schedule',
  up(db) {
    db.exec(`
      ALTER TABLE connections ADD COLUMN blocked_reason TEXT;
      ALTER TABLE connections ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE connections ADD COLUMN retry_at TEXT;
      ALTER TABLE connections ADD COLUMN backoff_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE connections ADD COLUMN lease_owner TEXT;
      ALTER TABLE connections ADD COLUMN lease_until TEXT;
      ALTER TABLE connections ADD COLUMN consent_reminded_days INTEGER;
      ALTER TABLE connections ADD COLUMN disconnected_at TEXT;

      CREATE TABLE account_quotas (
        online_account_id INTEGER PRIMARY KEY REFERENCES online_accounts(id),
        daily_limit       INTEGER,
        window_start      TEXT,
        used              INTEGER NOT NULL DEFAULT 0,
        remaining         INTEGER,
        reset_at          TEXT,
        updated_at        TEXT NOT NULL
      ) STRICT;
    `);
  },
};
