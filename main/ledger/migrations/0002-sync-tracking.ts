import type { Migration } from './types';

// What the sync engine keeps beside the ledger: pending lines (never in statements),
// dismissed provider ids (never imported again unless asked), sync runs with a log line
// per stored page, and the chatter of each connection and journal.
export const migration: Migration = {
  version: 2,
  name: 'sync-tracking',
  up(db) {
    db.exec(`
      CREATE TABLE pending_lines (
        id                INTEGER PRIMARY KEY,
        online_account_id INTEGER NOT NULL REFERENCES online_accounts(id),
        provider_id       TEXT NOT NULL,
        date              TEXT NOT NULL,
        amount            INTEGER NOT NULL,
        currency          TEXT NOT NULL CHECK (length(currency) = 3),
        payment_ref       TEXT NOT NULL,
        partner_name      TEXT,
        raw               TEXT,
        first_seen_at     TEXT NOT NULL,
        last_seen_run_id  INTEGER,
        UNIQUE (online_account_id, provider_id)
      ) STRICT;

      CREATE TABLE dismissed_lines (
        id                INTEGER PRIMARY KEY,
        online_account_id INTEGER NOT NULL REFERENCES online_accounts(id),
        journal_id        INTEGER NOT NULL REFERENCES journals(id),
        snapshot          TEXT NOT NULL,
        dismissed_at      TEXT NOT NULL
      ) STRICT;

      CREATE TABLE dismissed_ids (
        online_account_id INTEGER NOT NULL REFERENCES online_accounts(id),
        provider_id       TEXT NOT NULL,
        dismissed_line_id INTEGER NOT NULL REFERENCES dismissed_lines(id) ON DELETE CASCADE,
        PRIMARY KEY (online_account_id, provider_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE sync_runs (
        id                INTEGER PRIMARY KEY,
        connection_id     INTEGER NOT NULL REFERENCES connections(id),
        trigger           TEXT NOT NULL CHECK (trigger IN ('manual','scheduled','first')),
        started_at        TEXT NOT NULL,
        ended_at          TEXT,
        result            TEXT NOT NULL DEFAULT 'running'
                          CHECK (result IN ('running','success','error','interrupted')),
        pages             INTEGER NOT NULL DEFAULT 0,
        fetched           INTEGER NOT NULL DEFAULT 0,
        stored            INTEGER NOT NULL DEFAULT 0,
        duplicates        INTEGER NOT NULL DEFAULT 0,
        pending           INTEGER NOT NULL DEFAULT 0,
        error_code        TEXT,
        error_description TEXT,
        reference         TEXT
      ) STRICT;
      CREATE INDEX sync_runs_connection ON sync_runs(connection_id, id);

      CREATE TABLE sync_log (
        id                INTEGER PRIMARY KEY,
        run_id            INTEGER NOT NULL REFERENCES sync_runs(id),
        online_account_id INTEGER NOT NULL REFERENCES online_accounts(id),
        page              INTEGER NOT NULL,
        fetched           INTEGER NOT NULL,
        stored            INTEGER NOT NULL,
        duplicates        INTEGER NOT NULL,
        pending           INTEGER NOT NULL,
        at                TEXT NOT NULL
      ) STRICT;

      CREATE TABLE chatter (
        id                INTEGER PRIMARY KEY,
        connection_id     INTEGER REFERENCES connections(id),
        journal_id        INTEGER REFERENCES journals(id),
        level             TEXT NOT NULL CHECK (level IN ('info','warning','error')),
        text              TEXT NOT NULL,
        error_description TEXT,
        reference         TEXT,
        created_at        TEXT NOT NULL,
        CHECK (connection_id IS NOT NULL OR journal_id IS NOT NULL)
      ) STRICT;
      CREATE INDEX chatter_connection ON chatter(connection_id, id);
      CREATE INDEX chatter_journal ON chatter(journal_id, id);
    `);
  },
};
