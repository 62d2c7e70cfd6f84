import type { Migration } from './types';

// A journal may start its history on a date the user chose (accounts opened in another tool,
// a fiscal year): nothing before it is recorded, and the opening line carries the balance then.
export const migration: Migration = {
  version: 6,
  name: 'journal-history-start',
  up(db) {
    db.exec(`
      ALTER TABLE journals ADD COLUMN history_from TEXT
        CHECK (history_from IS NULL OR history_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
    `);
  },
};
