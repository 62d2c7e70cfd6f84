import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, LedgerVersionError, openLedger, schemaVersion, type Db } from '../../../main/ledger/db';
import { MIGRATIONS } from '../../../main/ledger/migrations/index';
import { tempDir } from '../../helpers/ledger';

/** Data a user could have had at each schema version, written with that version's tables. */
const SEEDERS: Record<number, (db: Db) => void> = {
  1: (db) => {
    db.exec(`
      INSERT INTO settings VALUES ('lock_date', '2025-12-31'), ('timezone', 'Asia/Ho_Chi_Minh');
      INSERT INTO connections (id, provider, institution_id, institution_name, provider_ref, state, created_at, consent_expires_at)
        VALUES (1, 'demo', 'demo-vnd', 'Ngân hàng Demo', 'c-1', 'connected', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z');
      INSERT INTO online_accounts (id, connection_id, provider_account_id, name, currency, balance, first_sync_done)
        VALUES (1, 1, 'vnd-1', 'Tài khoản', 'VND', 1500000, 1);
      INSERT INTO journals (id, name, code, currency, periodicity, timezone, online_account_id, created_at)
        VALUES (1, 'Bank VND', 'VND1', 'VND', 'week', 'Asia/Ho_Chi_Minh', 1, '2026-01-01T00:00:00Z');
      INSERT INTO statements (id, journal_id, name, date, date_end, period, balance_start, balance_end, balance_end_real, line_count)
        VALUES (1, 1, 'VND1 Statement 2026-01-05', '2026-01-05', '2026-01-11', 'week', 0, 1500000, 1500000, 2);
      INSERT INTO statement_lines (id, journal_id, statement_id, online_account_id, date, amount, currency, payment_ref, kind, created_at)
        VALUES (1, 1, 1, 1, '2026-01-06', 2000000, 'VND', 'Lương tháng 1', 'bank', '2026-01-07T00:00:00Z'),
               (2, 1, 1, 1, '2026-01-07', -500000, 'VND', 'Cà phê', 'bank', '2026-01-07T00:00:00Z');
      INSERT INTO line_provider_ids VALUES (1, 'B-1', 'transaction', 1), (1, 'P-1', 'pending', 1), (1, 'B-2', 'transaction', 2);
    `);
  },
  2: (db) => {
    SEEDERS[1]!(db);
    db.exec(`
      INSERT INTO pending_lines (online_account_id, provider_id, date, amount, currency, payment_ref, first_seen_at)
        VALUES (1, 'P-9', '2026-01-10', -10000, 'VND', 'Taxi', '2026-01-10T00:00:00Z');
      INSERT INTO dismissed_lines (id, online_account_id, journal_id, snapshot, dismissed_at) VALUES (1, 1, 1, '{}', '2026-01-09T00:00:00Z');
      INSERT INTO dismissed_ids VALUES (1, 'B-7', 1);
      INSERT INTO sync_runs (id, connection_id, trigger, started_at, ended_at, result, stored) VALUES (1, 1, 'first', '2026-01-07T00:00:00Z', '2026-01-07T00:01:00Z', 'success', 2);
      INSERT INTO sync_log (run_id, online_account_id, page, fetched, stored, duplicates, pending, at) VALUES (1, 1, 1, 2, 2, 0, 0, '2026-01-07T00:01:00Z');
      INSERT INTO chatter (connection_id, level, text, reference, created_at) VALUES (1, 'error', 'Failed', 'demo:req-1', '2026-01-08T00:00:00Z');
    `);
  },
  3: (db) => {
    SEEDERS[2]!(db);
    db.exec(`
      UPDATE connections SET failed_logins = 2, retry_at = '2026-01-09T06:00:00Z', backoff_attempts = 1, consent_reminded_days = 15 WHERE id = 1;
      INSERT INTO account_quotas (online_account_id, daily_limit, window_start, used, remaining, reset_at, updated_at)
        VALUES (1, 4, '2026-01-09T00:00:00Z', 3, 1, '2026-01-10T00:00:00Z', '2026-01-09T05:00:00Z');
    `);
  },
  4: (db) => {
    SEEDERS[3]!(db);
    db.exec(`
      INSERT INTO institutions (id, name, country, bic, beta, history_days, automatic_sync, logo, updated_at, folded, name_key, bic8)
        VALUES (1, 'Société Générale', 'FR', 'SOGEFRPP', 0, 730, 1, NULL, '2026-01-09T00:00:00Z', 'societe generale', 'societegenerale', 'SOGEFRPP');
      INSERT INTO institution_providers (institution_id, provider, provider_institution_id, name, country, bic, beta, history_days, automatic_sync,
          refreshes_per_day, unattended_per_day, mfa, logo, updated_at)
        VALUES (1, 'gocardless', 'SOCIETE_GENERALE_SOGEFRPP', 'Société Générale', 'FR', 'SOGEFRPP', 0, 730, 1, NULL, 4, NULL, NULL, '2026-01-09T00:00:00Z'),
               (1, 'enablebanking', 'FR/Société Générale', 'Société Générale', 'FR', 'SOGEFRPP', 1, 180, 1, NULL, 4, 1, NULL, '2026-01-09T00:00:00Z');
      INSERT INTO catalog_refreshes (provider, refreshed_at, count, attempted_at, error)
        VALUES ('gocardless', '2026-01-09T00:00:00Z', 1, '2026-01-09T00:00:00Z', NULL),
               ('enablebanking', '2026-01-09T00:00:00Z', 1, '2026-01-09T00:00:00Z', NULL);
    `);
  },
  5: (db) => {
    SEEDERS[4]!(db);
    db.exec(`INSERT INTO chatter (connection_id, level, text, message_key, params, created_at)
      VALUES (1, 'info', 'Disconnected.', 'connection.disconnected', '{}', '2026-01-10T00:00:00Z')`);
  },
  6: (db) => {
    SEEDERS[5]!(db);
    db.exec(`UPDATE journals SET history_from = '2026-01-01' WHERE id = 1`);
  },
  // 7 only marks the file (application_id): no new table.
  7: (db) => SEEDERS[6]!(db),
  8: (db) => {
    SEEDERS[7]!(db);
    db.exec(`UPDATE ledger_identity SET legacy_secrets_moved_at = '2026-01-11T00:00:00Z'`);
  },
  9: (db) => {
    SEEDERS[8]!(db);
    db.exec(`UPDATE online_accounts SET continues_after = '2026-01-08' WHERE id = 1`);
  },
};

function dump(db: Db): Record<string, unknown[]> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name`).pluck().all() as string[];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all()]));
}

test('there is a seeder for every schema version, so every upgrade path is tested with data', () => {
  assert.equal(LATEST_VERSION, MIGRATIONS.length);
  MIGRATIONS.forEach((m, i) => assert.equal(m.version, i + 1, 'versions are 1, 2, 3... in order'));
  for (let v = 1; v <= LATEST_VERSION; v++) assert.ok(SEEDERS[v], `seeder for version ${v}`);
});

test('a database at every earlier version, with data, migrates to the latest without loss', async (t) => {
  for (let v = 1; v < LATEST_VERSION; v++) {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const path = join(tmp.dir, 'ledger.sqlite');
    const old = openLedger(path, { targetVersion: v });
    assert.equal(schemaVersion(old), v);
    SEEDERS[v]!(old);
    const before = dump(old);
    old.close();

    const db = openLedger(path, { now: () => new Date('2026-02-01T00:00:00Z') });
    assert.equal(schemaVersion(db), LATEST_VERSION);
    const after = dump(db);
    for (const [table, rows] of Object.entries(before)) {
      // Columns a later migration added are new; every value that was there is kept as it was.
      const columns = Object.keys((rows[0] ?? {}) as object);
      const kept = (after[table] ?? []).map((r) => Object.fromEntries(columns.map((c) => [c, (r as Record<string, unknown>)[c]])));
      assert.deepEqual(kept, rows, `v${v}: ${table} kept`);
    }
    const recorded = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    assert.deepEqual(recorded, MIGRATIONS.map((m) => m.version));
    assert.equal((db.pragma('foreign_key_check') as unknown[]).length, 0);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();

    const backups = readdirSync(tmp.dir).filter((f) => f.endsWith('.bak'));
    assert.equal(backups.length, 1, 'a backup copy is made before migrating');
    assert.match(backups[0]!, new RegExp(`^ledger\\.sqlite\\.v${v}-`));
    const backup = new Database(join(tmp.dir, backups[0]!), { readonly: true });
    assert.equal(backup.pragma('user_version', { simple: true }), v);
    assert.deepEqual(dump(backup), before, 'the backup holds the data as it was');
    backup.close();
  }
});

test('a failing migration leaves the database at its previous version with its data', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'ledger.sqlite');
  const db = openLedger(path);
  SEEDERS[LATEST_VERSION]!(db);
  const before = dump(db);
  db.close();
  const broken = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: 'broken', up: (d: Db) => { d.exec('ALTER TABLE journals ADD COLUMN x INTEGER; SELECT * FROM no_such_table;'); } }];
  assert.throws(() => openLedger(path, { migrations: broken }), /no such table/);
  const again = openLedger(path);
  assert.equal(schemaVersion(again), LATEST_VERSION);
  assert.deepEqual(dump(again), before);
  assert.equal((again.prepare(`SELECT COUNT(*) FROM pragma_table_info('journals') WHERE name = 'x'`).pluck().get()), 0);
  again.close();
});

test('a database written by a newer version is refused with a clear message and left byte-for-byte unchanged', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'ledger.sqlite');
  const db = openLedger(path);
  SEEDERS[LATEST_VERSION]!(db);
  db.pragma(`user_version = ${LATEST_VERSION + 5}`);
  db.close();
  const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  const files = () => readdirSync(tmp.dir).sort();
  const beforeHash = hash();
  const beforeFiles = files();

  assert.throws(() => openLedger(path), (e: unknown) => {
    assert.ok(e instanceof LedgerVersionError);
    assert.match(e.message, /newer version of Ledgerlink/);
    assert.match(e.message, /left untouched/);
    return true;
  });
  assert.equal(hash(), beforeHash);
  assert.deepEqual(files(), beforeFiles, 'no WAL, no backup, nothing written beside it');
  assert.equal(existsSync(`${path}-wal`), false);
});

test('a file that is not a ledger is refused untouched', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.dir, 'ledger.sqlite');
  writeFileSync(path, 'these are my notes, not a database\n'.repeat(10));
  const before = readFileSync(path);
  assert.throws(() => openLedger(path), /not a Ledgerlink ledger/);
  assert.deepEqual(readFileSync(path), before);
});

test('the ledger uses WAL, foreign keys and STRICT tables', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const db = openLedger(join(tmp.dir, 'ledger.sqlite'));
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  const tables = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string; strict: number }[];
  assert.ok(tables.length >= 12);
  // Full-text indexes (virtual tables and their shadow tables) cannot be STRICT; every plain table is.
  for (const tb of tables) assert.equal(tb.strict, 1, `${tb.name} is STRICT`);
  assert.throws(() => db.prepare(`INSERT INTO statement_lines (journal_id, statement_id, date, amount, currency, payment_ref, created_at) VALUES (1, 1, '2026-01-01', 1.5, 'EUR', 'x', 'now')`).run(),
    /cannot store REAL value in INTEGER column|FOREIGN KEY/, 'amounts are integers, never floats');
});

test('0008: every ledger gets its own id; one in use waits to take the secrets older versions filed without it, a new one never does', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const used = join(tmp.dir, 'used.sqlite');
  const old = openLedger(used, { targetVersion: 7 });
  SEEDERS[7]!(old);
  old.close();
  const a = openLedger(used);
  const b = openLedger(join(tmp.dir, 'new.sqlite'));
  t.after(() => {
    a.close();
    b.close();
  });
  const identity = (db: Db) => db.prepare('SELECT ledger_id, legacy_secrets_moved_at FROM ledger_identity').all() as { ledger_id: string; legacy_secrets_moved_at: string | null }[];
  const [ia] = identity(a);
  const [ib] = identity(b);
  assert.match(ia!.ledger_id, /^[0-9a-f-]{36}$/);
  assert.notEqual(ia!.ledger_id, ib!.ledger_id);
  assert.equal(ia!.legacy_secrets_moved_at, null, 'the ledger in use will take its old secrets');
  assert.notEqual(ib!.legacy_secrets_moved_at, null, 'a new ledger has none to take');
  assert.throws(() => a.prepare('INSERT INTO ledger_identity (only_row, ledger_id, created_at) VALUES (2, ?, ?)').run('another-id-123', 'x'), /CHECK constraint/);
});
