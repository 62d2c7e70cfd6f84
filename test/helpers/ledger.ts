import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Periodicity } from '../../preload/api';
import { openLedger, type Db } from '../../main/ledger/db';
import { createJournal } from '../../main/ledger/journals';

export function tempDir(prefix = 'ledgerlink-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real ledger file in a temp folder. */
export function tempLedger(): { db: Db; path: string; dir: string; cleanup: () => void } {
  const t = tempDir();
  const path = join(t.dir, 'ledger.sqlite');
  const db = openLedger(path);
  return { db, path, dir: t.dir, cleanup: () => { if (db.open) db.close(); t.cleanup(); } };
}

/** A connection with one online account linked to a new journal; returns their ids. */
export function seedConnection(
  db: Db,
  o: { providerAccountId?: string; currency?: string; periodicity?: Periodicity; timezone?: string; code?: string; provider?: string } = {},
): { connectionId: number; accountId: number; journalId: number } {
  const at = new Date('2026-01-01T00:00:00Z').toISOString();
  const connectionId = Number(db.prepare(
    `INSERT INTO connections (provider, institution_id, institution_name, provider_ref, created_at) VALUES (?, 'bank', 'Scripted Bank', 'ref', ?)`,
  ).run(o.provider ?? 'demo', at).lastInsertRowid);
  const accountId = Number(db.prepare(
    `INSERT INTO online_accounts (connection_id, provider_account_id, name, currency) VALUES (?, ?, 'Current account', ?)`,
  ).run(connectionId, o.providerAccountId ?? 'acc-1', o.currency ?? 'EUR').lastInsertRowid);
  const journalId = createJournal(db, {
    name: 'Bank', code: o.code ?? 'BNK', currency: o.currency ?? 'EUR', periodicity: o.periodicity ?? 'month',
    timezone: o.timezone ?? 'Europe/Brussels', onlineAccountId: accountId, at: new Date(at),
  });
  return { connectionId, accountId, journalId };
}

/** A clock the test moves by hand (milliseconds since the epoch in `ms`). */
export class FakeClock {
  constructor(public ms: number) {}
  static at(iso: string): FakeClock {
    return new FakeClock(Date.parse(iso));
  }
  readonly now = (): Date => new Date(this.ms);
  advanceDays(d: number): void {
    this.ms += d * 86_400_000;
  }
}
