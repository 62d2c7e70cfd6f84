import type { IntegrityProblem } from '../../preload/api';
import { latestBackup } from './backup';
import { readOnlyLedger, sqliteFindings, type Db } from './db';
import { formatAmount } from './money';

/** How many of SQLite's findings are quoted; the rest are counted. */
const QUOTED = 3;

function findings(db: Db): string[] {
  try {
    return sqliteFindings(db, 'integrity_check', 100);
  } catch (e) {
    // The full check gives up on damage it cannot read past (SQLITE_CORRUPT); the quick one,
    // which does not compare indexes with their tables, still lists what it saw.
    try {
      const quick = sqliteFindings(db, 'quick_check', 100);
      return quick.length > 0 ? quick : [(e as Error).message];
    } catch {
      return [(e as Error).message];
    }
  }
}

/**
 * SQLite's own full check of the file (pages, b-trees, every index against its table), with
 * what to do when it finds damage; null when the file is sound.
 */
function fileDamage(db: Db): IntegrityProblem | null {
  const found = findings(db);
  if (found.length === 0) return null;
  // A read-only ledger is read from a private copy: name the user's file, not the copy.
  const path = readOnlyLedger(db) !== undefined ? null : db.name;
  const backup = path ? latestBackup(path) : undefined;
  const shown = found.slice(0, QUOTED);
  const more = found.length > shown.length ? ` (and more)` : '';
  return {
    kind: 'file_damaged',
    message:
      `The ledger file is damaged: SQLite's integrity check reports ${shown.map((f) => `"${f}"`).join('; ')}${more}. ` +
      'Do not synchronize until it is repaired. Close Ledgerlink, then put back ' +
      (backup ? `the copy taken before the last migration (${backup}) or your own backup` : 'your own backup of the ledger') +
      (path ? ` as ${path}` : '') +
      '; the next synchronization fetches again what the bank still lists.',
  };
}

/**
 * Checks the file with SQLite's integrity check, then the ledger from the lines up,
 * independently of the totals the engine maintains: statement chains and totals, ledger
 * balance against the bank's, provider ids seen twice, lines filed outside their statement's
 * period.
 */
export function checkIntegrity(db: Db): IntegrityProblem[] {
  const damage = fileDamage(db);
  if (!damage) return ledgerProblems(db);
  // On a damaged file the checks below may read garbage or fail: what they find still helps.
  try {
    return [damage, ...ledgerProblems(db)];
  } catch {
    return [damage];
  }
}

function ledgerProblems(db: Db): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  const journals = db.prepare('SELECT id, code, currency FROM journals ORDER BY id').all() as { id: number; code: string; currency: string }[];
  const fmt = (n: number, c: string) => `${formatAmount(n, c)} ${c}`;

  const statements = db.prepare(
    `SELECT s.id, s.name, s.balance_start, s.balance_end, s.balance_end_real, s.line_count,
            COALESCE(SUM(l.amount), 0) AS line_sum, COUNT(l.id) AS lines
     FROM statements s LEFT JOIN statement_lines l ON l.statement_id = s.id
     WHERE s.journal_id = ? GROUP BY s.id ORDER BY s.date, s.id`,
  );
  for (const j of journals) {
    const rows = statements.all(j.id) as {
      id: number; name: string; balance_start: number; balance_end: number; balance_end_real: number; line_count: number; line_sum: number; lines: number;
    }[];
    let prev = 0;
    rows.forEach((s, i) => {
      if (s.balance_start !== prev) {
        problems.push({ kind: 'statement_chain', journal_id: j.id, statement_id: s.id,
          message: `${s.name} starts at ${fmt(s.balance_start, j.currency)} but the previous statement ends at ${fmt(prev, j.currency)}` });
      }
      if (s.balance_end !== s.balance_start + s.line_sum || s.line_count !== s.lines) {
        problems.push({ kind: 'statement_total', journal_id: j.id, statement_id: s.id,
          message: `${s.name} says ${s.line_count} lines ending at ${fmt(s.balance_end, j.currency)}, its lines are ${s.lines} ending at ${fmt(s.balance_start + s.line_sum, j.currency)}` });
      }
      if (s.balance_end !== s.balance_end_real) {
        problems.push({ kind: 'balance_mismatch', journal_id: j.id, statement_id: s.id,
          message: `${s.name}: the bank's balance differs from the lines by ${fmt(s.balance_end_real - s.balance_end, j.currency)} (a transaction is missing or doubled)` });
      }
      if (i < rows.length - 1) prev = s.balance_end_real;
    });

    const bank = db
      .prepare(`SELECT a.balance FROM journals jj JOIN online_accounts a ON a.id = jj.online_account_id WHERE jj.id = ? AND a.first_sync_done = 1`)
      .pluck()
      .get(j.id) as number | undefined;
    if (bank !== undefined) {
      const ledger = db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE journal_id = ?').pluck().get(j.id) as number;
      if (ledger !== bank) {
        problems.push({ kind: 'balance_mismatch', journal_id: j.id,
          message: `Journal ${j.code}: the ledger balance ${fmt(ledger, j.currency)} differs from the bank's ${fmt(bank, j.currency)}` });
      }
    }
  }

  // The primary key forbids these; the check is for files changed outside Ledgerlink.
  const dupIds = db.prepare(
    `SELECT online_account_id, provider_id, COUNT(*) AS n FROM line_provider_ids GROUP BY online_account_id, provider_id HAVING n > 1`,
  ).all() as { online_account_id: number; provider_id: string; n: number }[];
  for (const d of dupIds) {
    problems.push({ kind: 'duplicate_provider_id', message: `Provider id ${d.provider_id} is on ${d.n} lines of online account ${d.online_account_id}` });
  }
  const pendingAlsoPosted = db.prepare(
    `SELECT p.provider_id, l.line_id FROM pending_lines p JOIN line_provider_ids l
       ON l.online_account_id = p.online_account_id AND l.provider_id = p.provider_id`,
  ).all() as { provider_id: string; line_id: number }[];
  for (const d of pendingAlsoPosted) {
    problems.push({ kind: 'duplicate_provider_id', line_id: d.line_id, message: `Provider id ${d.provider_id} is both pending and on line ${d.line_id}` });
  }

  const outside = db.prepare(
    `SELECT l.id, l.date, l.journal_id, s.id AS statement_id, s.name, s.date AS start, s.date_end AS end, s.journal_id AS sj
     FROM statement_lines l JOIN statements s ON s.id = l.statement_id
     WHERE l.journal_id != s.journal_id OR (s.period != 'none' AND (l.date < s.date OR l.date > s.date_end))`,
  ).all() as { id: number; date: string; journal_id: number; statement_id: number; name: string; start: string; end: string; sj: number }[];
  for (const o of outside) {
    problems.push({ kind: 'line_outside_period', journal_id: o.journal_id, statement_id: o.statement_id, line_id: o.id,
      message: o.journal_id !== o.sj
        ? `Line ${o.id} is filed in ${o.name}, a statement of another journal`
        : `Line ${o.id} dated ${o.date} is filed in ${o.name}, which covers ${o.start} to ${o.end}` });
  }
  return problems;
}
