import type { Migration } from './types';

/**
 * Ledgerlink's mark in the SQLite header (PRAGMA application_id): the bytes "LDGR". With it a
 * ledger is told apart from another application's SQLite file at a glance (its header), so a
 * foreign file can be refused before anything is written to it. Never change it: every
 * ledger carries it.
 */
export const APPLICATION_ID = 0x4c444752;

// Ledgers made before the mark are recognised by their own schema_migrations records; this
// marks them (and every new ledger) once.
export const migration: Migration = {
  version: 7,
  name: 'application-id',
  up(db) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
  },
};
