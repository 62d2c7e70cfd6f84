import type { Migration } from './types';

// The institution catalog: every provider's list of banks, cached so that the bank picker
// searches offline. One `institutions` row per bank; one `institution_providers` row per
// provider offering it (the same bank through Plaid and GoCardless is one row with two).
// `institutions_fts` indexes the name (diacritics removed by the tokenizer), a folded ASCII
// form of it (ß -> ss, ø -> o...), the BIC and the country, with prefix indexes of 1 to 12
// characters: "s", "so", "soc", "societe" are each read from one stored list, streamed, never
// merged from every word that starts so (a word as common as "bank" or "sparkasse" costs
// 1-2 ms to merge in a 30,000-bank catalog, 0.1 ms to stream). It is an external-content
// table kept in step with `institutions` by triggers.
export const migration: Migration = {
  version: 4,
  name: 'catalog',
  up(db) {
    db.exec(`
      CREATE TABLE institutions (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL,
        country        TEXT NOT NULL,
        bic            TEXT,
        beta           INTEGER NOT NULL DEFAULT 0 CHECK (beta IN (0, 1)),
        history_days   INTEGER NOT NULL DEFAULT 0,
        automatic_sync INTEGER NOT NULL DEFAULT 1 CHECK (automatic_sync IN (0, 1)),
        logo           TEXT,
        updated_at     TEXT NOT NULL,
        -- Folded ASCII form of the name (lower case, no accents, words separated by one space).
        folded         TEXT NOT NULL,
        -- What two providers' entries must share to be the same bank when no BIC says so.
        name_key       TEXT NOT NULL,
        -- First 8 characters of the BIC (the bank, without the branch).
        bic8           TEXT
      ) STRICT;
      CREATE INDEX institutions_country_folded ON institutions (country, folded);
      CREATE INDEX institutions_folded ON institutions (folded);
      CREATE INDEX institutions_bic8 ON institutions (bic8) WHERE bic8 IS NOT NULL;
      CREATE INDEX institutions_name_key ON institutions (name_key, country);

      CREATE TABLE institution_providers (
        institution_id          INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
        provider                TEXT NOT NULL,
        provider_institution_id TEXT NOT NULL,
        name                    TEXT NOT NULL,
        country                 TEXT NOT NULL,
        bic                     TEXT,
        beta                    INTEGER NOT NULL DEFAULT 0 CHECK (beta IN (0, 1)),
        history_days            INTEGER NOT NULL DEFAULT 0,
        automatic_sync          INTEGER NOT NULL DEFAULT 1 CHECK (automatic_sync IN (0, 1)),
        refreshes_per_day       INTEGER,
        unattended_per_day      INTEGER,
        mfa                     INTEGER CHECK (mfa IN (0, 1)),
        logo                    TEXT,
        updated_at              TEXT NOT NULL,
        UNIQUE (provider, provider_institution_id)
      ) STRICT;
      CREATE INDEX institution_providers_institution ON institution_providers (institution_id, provider);

      CREATE TABLE catalog_refreshes (
        provider     TEXT PRIMARY KEY,
        -- Last successful refresh (null: never succeeded) and how many institutions it stored.
        refreshed_at TEXT,
        count        INTEGER NOT NULL DEFAULT 0,
        -- Last attempt, and its error when it failed (null when it succeeded).
        attempted_at TEXT NOT NULL,
        error        TEXT
      ) STRICT;

      CREATE VIRTUAL TABLE institutions_fts USING fts5(
        name, folded, bic, country,
        content = 'institutions', content_rowid = 'id',
        tokenize = "unicode61 remove_diacritics 2",
        prefix = '1 2 3 4 5 6 7 8 9 10 11 12'
      );
      CREATE TRIGGER institutions_fts_insert AFTER INSERT ON institutions BEGIN
        INSERT INTO institutions_fts (rowid, name, folded, bic, country) VALUES (new.id, new.name, new.folded, new.bic, new.country);
      END;
      CREATE TRIGGER institutions_fts_delete AFTER DELETE ON institutions BEGIN
        INSERT INTO institutions_fts (institutions_fts, rowid, name, folded, bic, country) VALUES ('delete', old.id, old.name, old.folded, old.bic, old.country);
      END;
      CREATE TRIGGER institutions_fts_update AFTER UPDATE OF name, folded, bic, country ON institutions BEGIN
        INSERT INTO institutions_fts (institutions_fts, rowid, name, folded, bic, country) VALUES ('delete', old.id, old.name, old.folded, old.bic, old.country);
        INSERT INTO institutions_fts (rowid, name, folded, bic, country) VALUES (new.id, new.name, new.folded, new.bic, new.country);
      END;
    `);
  },
};
