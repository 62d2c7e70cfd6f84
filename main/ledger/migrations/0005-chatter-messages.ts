import type { Migration } from './types';

// Chatter messages the app writes itself carry a message key and its parameters, so that the
// UI shows them in the user's language; `text` keeps the English sentence (CLI, support).
export const migration: Migration = {
  version: 5,
  name: 'chatter-messages',
  up(db) {
    db.exec(`
      ALTER TABLE chatter ADD COLUMN message_key TEXT;
      ALTER TABLE chatter ADD COLUMN params TEXT;
    `);
  },
};
