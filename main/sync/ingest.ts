import type { Periodicity, ProviderIdKind } from '../../preload/api';
import type { Db } from '../ledger/db';
import { StatementFiler, applyStatementTotals } from '../ledger/statements';
import type { IncomingLine } from './normalize';
import { matchPending, type PendingCandidate, type PendingMatch } from './pending-match';

export { PENDING_MATCH_DAYS } from './pending-match';

const ID_CHUNK = 64;

export interface PageCounts {
  fetched: number;
  stored: number;
  duplicates: number;
  dismissed: number;
  locked: number;
  pending: number;
}

type StoredIdKind = ProviderIdKind | 'pending_matched';
interface KnownId {
  lineId: number;
  kind: StoredIdKind;
}

type PendingRow = PendingCandidate;

export interface AccountTarget {
  onlineAccountId: number;
  journal: { id: number; code: string; periodicity: Periodicity };
}

/**
 * Writes pages of one online account into its journal. Every method is meant to run inside
 * the caller's transaction (a page, its cursor and its log line commit together).
 */
export class PageWriter {
  private readonly q;
  readonly filer: StatementFiler;
  private hasDismissed: boolean | undefined;
  /** New ids of this page, flat (account, id, kind, line), written by flushIds. */
  private newIds: (string | number)[] = [];

  constructor(
    private readonly db: Db,
    private readonly target: AccountTarget,
    private readonly o: { runId: number; runDate: string; lockDate: string | null; now: () => Date },
  ) {
    this.filer = new StatementFiler(db, target.journal, o.runDate);
    this.q = {
      knownIds: db.prepare(
        `SELECT provider_id, line_id, kind FROM line_provider_ids
         WHERE online_account_id = ? AND provider_id IN (SELECT value FROM json_each(?))`,
      ),
      anyDismissed: db.prepare('SELECT 1 FROM dismissed_ids WHERE online_account_id = ? LIMIT 1'),
      dismissedIds: db
        .prepare(`SELECT provider_id FROM dismissed_ids WHERE online_account_id = ? AND provider_id IN (SELECT value FROM json_each(?))`)
        .pluck(),
      insertLine: db.prepare(
        `INSERT INTO statement_lines (journal_id, statement_id, online_account_id, date, amount, currency, payment_ref,
           partner_name, account_number, foreign_amount, foreign_currency, exchange_rate, kind, match_reason, raw, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bank', ?, ?, ?)`,
      ),
      insertId: db.prepare(`INSERT OR IGNORE INTO line_provider_ids (online_account_id, provider_id, kind, line_id) VALUES (?, ?, ?, ?)`),
      insertNewId: db.prepare(`INSERT INTO line_provider_ids (online_account_id, provider_id, kind, line_id) VALUES (?, ?, ?, ?)`),
      // New ids go in ID_CHUNK rows per statement: one call binding many rows costs far less
      // than as many calls, and ids are half the work of a large first synchronization.
      insertIdChunk: db.prepare(
        `INSERT INTO line_provider_ids (online_account_id, provider_id, kind, line_id) VALUES ${Array(ID_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`,
      ),
      pendingAll: db.prepare(
        `SELECT id, provider_id, date, amount, currency, payment_ref, partner_name FROM pending_lines WHERE online_account_id = ?`,
      ),
      deletePending: db.prepare('DELETE FROM pending_lines WHERE id = ?'),
      deleteId: db.prepare('DELETE FROM line_provider_ids WHERE online_account_id = ? AND provider_id = ?'),
      clearReason: db.prepare('UPDATE statement_lines SET match_reason = NULL WHERE id = ?'),
      lineDate: db.prepare('SELECT date FROM statement_lines WHERE id = ?').pluck(),
      deletePendingByProviderId: db.prepare('DELETE FROM pending_lines WHERE online_account_id = ? AND provider_id = ?'),
      upsertPending: db.prepare(
        `INSERT INTO pending_lines (online_account_id, provider_id, date, amount, currency, payment_ref, partner_name, raw,
           first_seen_at, last_seen_run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (online_account_id, provider_id) DO UPDATE SET
           date = excluded.date, amount = excluded.amount, currency = excluded.currency,
           payment_ref = excluded.payment_ref, partner_name = excluded.partner_name, raw = excluded.raw,
           last_seen_run_id = excluded.last_seen_run_id`,
      ),
    };
  }

  /** Stores one page; returns what happened to its lines. */
  writePage(posted: IncomingLine[], pending: IncomingLine[], removed: readonly string[]): PageCounts {
    const accountId = this.target.onlineAccountId;
    const counts: PageCounts = { fetched: posted.length + pending.length, stored: 0, duplicates: 0, dismissed: 0, locked: 0, pending: 0 };

    // One query each for every id of the page, instead of one per line.
    const allIds = JSON.stringify([...posted, ...pending].flatMap((l) => l.ids.map((x) => x.id)));
    const known = new Map<string, KnownId>();
    for (const r of this.q.knownIds.all(accountId, allIds) as { provider_id: string; line_id: number; kind: StoredIdKind }[]) {
      known.set(r.provider_id, { lineId: r.line_id, kind: r.kind });
    }
    // Most accounts never dismissed anything: skip the lookup then.
    this.hasDismissed ??= this.q.anyDismissed.get(accountId) !== undefined;
    const dismissed = new Set(this.hasDismissed ? (this.q.dismissedIds.all(accountId, allIds) as string[]) : []);

    let pendingRows: PendingRow[] | null = null;
    const totals = new Map<number, { sum: number; count: number }>();
    const createdAt = this.o.now().toISOString();

    for (const line of posted) {
      // A pending id we matched ourselves is only a guess: it never makes a line a duplicate.
      const existing = line.ids.map((x) => known.get(x.id)).find((k) => k !== undefined && k.kind !== 'pending_matched');
      if (existing !== undefined) {
        // Seen before (also earlier in this very page): keep any id it did not have yet.
        for (const x of line.ids) {
          if (!known.has(x.id)) {
            this.q.insertId.run(accountId, x.id, x.kind, existing.lineId);
            known.set(x.id, { lineId: existing.lineId, kind: x.kind });
          }
        }
        counts.duplicates++;
        continue;
      }
      if (line.ids.some((x) => dismissed.has(x.id))) {
        counts.dismissed++;
        continue;
      }
      if (this.o.lockDate !== null && line.date <= this.o.lockDate) {
        counts.locked++;
        continue;
      }
      // The provider now ties one of our guessed pending ids to this line: the guess was wrong.
      for (const x of line.ids) {
        const k = known.get(x.id);
        if (k?.kind === 'pending_matched') this.takeBackMatch(x.id, k.lineId, known);
      }

      pendingRows ??= this.q.pendingAll.all(accountId) as PendingRow[];
      const match: PendingMatch<PendingRow> | null = matchPending(line, pendingRows);
      // Also when nothing was paired: why a same-amount pending line was not taken.
      const reason: string | null = match?.reason ?? null;
      const ids: { kind: StoredIdKind; id: string }[] = [...line.ids];
      if (match?.row) {
        this.q.deletePending.run(match.row.id);
        pendingRows = pendingRows.filter((p) => p !== match.row);
        if (!ids.some((x) => x.id === match.row.provider_id)) ids.push({ kind: match.linked ? 'pending' : 'pending_matched', id: match.row.provider_id });
      }

      const statementId = this.filer.statementFor(line.date);
      const lineId = Number(
        this.q.insertLine.run(
          this.target.journal.id, statementId, accountId, line.date, line.amount, line.currency, line.paymentRef,
          line.partnerName, line.accountNumber, line.foreignAmount, line.foreignCurrency, line.exchangeRate,
          reason, line.raw, createdAt,
        ).lastInsertRowid,
      );
      for (const x of ids) {
        this.newIds.push(accountId, x.id, x.kind, lineId);
        known.set(x.id, { lineId, kind: x.kind });
      }
      const t = totals.get(statementId);
      if (t) {
        t.sum += line.amount;
        t.count++;
      } else totals.set(statementId, { sum: line.amount, count: 1 });
      counts.stored++;
    }

    this.flushIds();

    for (const p of pending) {
      const id = p.ids[0]!.id;
      const k = known.get(id);
      // Still pending at the bank, so the posted line we matched it to was another payment;
      // unless that line is in closed books: it keeps its match, and the payment is not shown
      // as pending (when it posts under its own id it arrives as its own line).
      if (k?.kind === 'pending_matched' && !this.isLocked(k.lineId)) this.takeBackMatch(id, k.lineId, known);
      // Already in the ledger (posted under the same id, or linked): not pending any more.
      if (p.ids.some((x) => known.has(x.id) || dismissed.has(x.id))) continue;
      this.q.upsertPending.run(accountId, id, p.date, p.amount, p.currency, p.paymentRef, p.partnerName, p.raw, createdAt, this.o.runId);
      counts.pending++;
    }
    for (const id of removed) this.q.deletePendingByProviderId.run(accountId, id);

    if (totals.size > 0) applyStatementTotals(this.db, this.target.journal.id, totals, null);
    return counts;
  }

  private flushIds(): void {
    const rows = this.newIds;
    const width = 4 * ID_CHUNK;
    let i = 0;
    for (; i + width <= rows.length; i += width) this.q.insertIdChunk.run(rows.slice(i, i + width));
    for (; i < rows.length; i += 4) this.q.insertNewId.run(rows[i], rows[i + 1], rows[i + 2], rows[i + 3]);
    this.newIds = [];
  }

  private takeBackMatch(providerId: string, lineId: number, known: Map<string, KnownId>): void {
    this.flushIds(); // the id may still be waiting in this page's buffer
    this.q.deleteId.run(this.target.onlineAccountId, providerId);
    // A line on or before the lock date stays as it was closed: only the id leaves it, since
    // the bank's own line (after the lock date) needs it to be recorded once, never twice.
    if (!this.isLocked(lineId)) this.q.clearReason.run(lineId);
    known.delete(providerId);
  }

  /** Whether a line already in the ledger is dated on or before the lock date. */
  private isLocked(lineId: number): boolean {
    return this.o.lockDate !== null && (this.q.lineDate.get(lineId) as string) <= this.o.lockDate;
  }
}
