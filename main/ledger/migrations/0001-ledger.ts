import type { Migration } from './types';

// The ledger proper: connections and their accounts, journals, statements, lines and every
// provider id a line was seen with. The primary key of line_provider_ids is what makes the
// database itself refuse the same provider id twice on one online account. Kind 'pending' is
// a pending id the provider linked to the line; 'pending_matched' one we matched by amount
// and date, which a later, better-informed answer of the provider may take back.
export const migration: Migration = {
  version: 1,
  name: 'ledger',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE connections (
        id                 INTEGER PRIMARY KEY,
        provider           TEXT NOT NULL,
        institution_id     TEXT NOT NULL,
        institution_name   TEXT NOT NULL,
        provider_ref       TEXT NOT NULL,
        state              TEXT NOT NULL DEFAULT 'connected'
                           CHECK (state IN ('connected','error','disconnected','waiting_for_user','blocked')),
        state_action       TEXT CHECK (state_action IN ('mfa','reconnect','update_credentials','reactivate')),
        auto_sync          INTEGER NOT NULL DEFAULT 1 CHECK (auto_sync IN (0,1)),
        last_refresh       TEXT,
        next_refresh       TEXT,
        consent_expires_at TEXT,
        created_at         TEXT NOT NULL
      ) STRICT;

      CREATE TABLE online_accounts (
        id                      INTEGER PRIMARY KEY,
        connection_id           INTEGER NOT NULL REFERENCES connections(id),
        provider_account_id     TEXT NOT NULL,
        name                    TEXT NOT NULL,
        account_number          TEXT,
        currency                TEXT NOT NULL CHECK (length(currency) = 3),
        balance                 INTEGER NOT NULL DEFAULT 0,
        balance_at              TEXT,
        last_sync               TEXT,
        fetching_status         TEXT NOT NULL DEFAULT 'planned'
                                CHECK (fetching_status IN ('planned','waiting','processing','done')),
        invert_balance_sign     INTEGER NOT NULL DEFAULT 0 CHECK (invert_balance_sign IN (0,1)),
        invert_transaction_sign INTEGER NOT NULL DEFAULT 0 CHECK (invert_transaction_sign IN (0,1)),
        cursor                  TEXT,
        -- 1 while the cursor points inside a run that has not finished (resume, then refetch)
        cursor_mid_run          INTEGER NOT NULL DEFAULT 0 CHECK (cursor_mid_run IN (0,1)),
        first_sync_done         INTEGER NOT NULL DEFAULT 0 CHECK (first_sync_done IN (0,1)),
        UNIQUE (connection_id, provider_account_id)
      ) STRICT;

      CREATE TABLE journals (
        id                INTEGER PRIMARY KEY,
        name              TEXT NOT NULL,
        code              TEXT NOT NULL UNIQUE,
        currency          TEXT NOT NULL CHECK (length(currency) = 3),
        periodicity       TEXT NOT NULL DEFAULT 'month'
                          CHECK (periodicity IN ('none','day','week','bimonthly','month')),
        timezone          TEXT NOT NULL,
        online_account_id INTEGER UNIQUE REFERENCES online_accounts(id),
        created_at        TEXT NOT NULL
      ) STRICT;

      CREATE TABLE statements (
        id               INTEGER PRIMARY KEY,
        journal_id       INTEGER NOT NULL REFERENCES journals(id),
        name             TEXT NOT NULL,
        date             TEXT NOT NULL,
        date_end         TEXT NOT NULL,
        period           TEXT NOT NULL
                         CHECK (period IN ('none','day','week','bimonthly','month')),
        balance_start    INTEGER NOT NULL,
        balance_end      INTEGER NOT NULL,
        balance_end_real INTEGER NOT NULL,
        line_count       INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX statements_journal_date ON statements(journal_id, date, id);

      CREATE TABLE statement_lines (
        id                INTEGER PRIMARY KEY,
        journal_id        INTEGER NOT NULL REFERENCES journals(id),
        statement_id      INTEGER NOT NULL REFERENCES statements(id),
        online_account_id INTEGER REFERENCES online_accounts(id),
        date              TEXT NOT NULL,
        amount            INTEGER NOT NULL,
        currency          TEXT NOT NULL CHECK (length(currency) = 3),
        payment_ref       TEXT NOT NULL,
        partner_name      TEXT,
        account_number    TEXT,
        foreign_amount    INTEGER,
        foreign_currency  TEXT,
        exchange_rate     TEXT,
        kind              TEXT NOT NULL DEFAULT 'bank' CHECK (kind IN ('bank','opening','manual')),
        match_reason      TEXT,
        raw               TEXT,
        created_at        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX statement_lines_journal_date ON statement_lines(journal_id, date, id);
      CREATE INDEX statement_lines_statement ON statement_lines(statement_id);

      CREATE TABLE line_provider_ids (
        online_account_id INTEGER NOT NULL REFERENCES online_accounts(id),
        provider_id       TEXT NOT NULL,
        kind              TEXT NOT NULL
                          CHECK (kind IN ('transaction','pending','pending_matched','entry_reference','internal')),
        line_id           INTEGER NOT NULL
                          REFERENCES statement_lines(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        PRIMARY KEY (online_account_id, provider_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX line_provider_ids_line ON line_provider_ids(line_id);
    `);
  },
};
