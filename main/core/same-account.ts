import type { Db } from '../ledger/db';
import { postChatter } from '../ledger/chatter';

/**
 * One bank account, one journal: finds, for the accounts of a connection not yet linked, the
 * journal another connection already fills with the same account's history. The same account
 * is the same provider's same account id, else the same account number (spaces and case aside)
 * at the same institution, or the same IBAN through any provider (an IBAN names one account
 * worldwide). The currency must agree too: a multi-currency account shows one IBAN for pockets
 * that are separate accounts with separate journals.
 */
export function sameAccountJournals(db: Db, connectionId: number): Map<number, number> {
  const mine = db.prepare(
    `SELECT a.id, a.provider_account_id, a.account_number, a.currency, c.provider, c.institution_id
     FROM online_accounts a JOIN connections c ON c.id = a.connection_id
     WHERE a.connection_id = ? AND NOT EXISTS (SELECT 1 FROM journals j WHERE j.online_account_id = a.id)`,
  ).all(connectionId) as Candidate[];
  const out = new Map<number, number>();
  if (mine.length === 0) return out;
  const linked = db.prepare(
    `SELECT a.id, a.provider_account_id, a.account_number, a.currency, c.provider, c.institution_id, j.id AS journal_id
     FROM online_accounts a JOIN connections c ON c.id = a.connection_id JOIN journals j ON j.online_account_id = a.id
     WHERE a.connection_id != ? ORDER BY j.id`,
  ).all(connectionId) as (Candidate & { journal_id: number })[];
  for (const a of mine) {
    const same = linked.find((b) => b.currency === a.currency && b.provider === a.provider && b.provider_account_id === a.provider_account_id)
      ?? linked.find((b) => b.currency === a.currency && sameNumber(a, b));
    if (same) out.set(a.id, same.journal_id);
  }
  return out;
}

interface Candidate {
  id: number;
  provider_account_id: string;
  account_number: string | null;
  currency: string;
  provider: string;
  institution_id: string;
}

function sameNumber(a: Candidate, b: Candidate): boolean {
  const n = normalizeAccountNumber(a.account_number);
  if (n === null || n !== normalizeAccountNumber(b.account_number)) return false;
  if (isIban(n)) return true;
  // A masked number (Plaid's last four, "****1234") names no account by itself.
  return /^[A-Z0-9]{6,}$/.test(n) && a.provider === b.provider && a.institution_id === b.institution_id;
}

/** An account number as banks print it in many ways: without spaces, in capitals. */
export function normalizeAccountNumber(n: string | null): string | null {
  const v = n?.replace(/\s+/g, '').toUpperCase() ?? '';
  return v === '' ? null : v;
}

function isIban(n: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(n);
}

/**
 * Links an account to the journal another connection's account filled, which lets go of it.
 * The history stays; the new account records only what is dated after the journal's last line
 * (its ids cannot dedup the lines already there), and adds no opening line when that history
 * already had its first synchronization: the journal's balance is the bank's already.
 */
export function continueJournal(db: Db, o: { journalId: number; onlineAccountId: number; accountName: string; at: Date }): void {
  const last = db.prepare('SELECT MAX(date) FROM statement_lines WHERE journal_id = ?').pluck().get(o.journalId) as string | null;
  const previous = db.prepare(
    `SELECT a.first_sync_done FROM journals j JOIN online_accounts a ON a.id = j.online_account_id WHERE j.id = ?`,
  ).pluck().get(o.journalId) as number | undefined;
  db.prepare('UPDATE journals SET online_account_id = ? WHERE id = ?').run(o.onlineAccountId, o.journalId);
  db.prepare('UPDATE online_accounts SET continues_after = ?, first_sync_done = ? WHERE id = ?')
    .run(last, last === null ? 0 : previous ?? 0, o.onlineAccountId);
  const institution = db.prepare(
    'SELECT c.institution_name FROM online_accounts a JOIN connections c ON c.id = a.connection_id WHERE a.id = ?',
  ).pluck().get(o.onlineAccountId) as string;
  postChatter(db, {
    journalId: o.journalId, level: 'info', at: o.at,
    text: `${o.accountName} at ${institution} now continues this journal: its history is kept and nothing is recorded twice.`,
    message: { key: 'journal.continued', params: { account: o.accountName, institution } },
  });
}
