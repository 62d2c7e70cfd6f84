import type { Periodicity, ProviderIdKind } from '../../preload/api';
import type { Db } from '../ledger/db';
import { StatementFiler, applyStatementTotals } from '../ledger/statements';
import { addDays, daysBetween } from './dates';
import type { IncomingLine } from './normalize';

const ID_CHUNK = 64;

/** How many days before a posted line its pending version may be dated. */
export const PENDING_MATCH_DAYS = 8;

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

interface PendingRow {
  id: number;
  provider_id: string;
  date: string;
  amount: number;
  currency: string;
  partner_name: string | null;
}

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
        `SELECT id, provider_id, date, amount, currency, partner_name FROM pending_lines WHERE online_account_id = ?`,
      ),
      deletePending: db.prepare('DELETE FROM pending_lines WHERE id = ?'),
      deleteId: db.prepare('DELETE FROM line_provider_ids WHERE online_account_id = ? AND provider_id = ?'),
      clearReason: db.prepare('UPDATE statement_lines SET match_reason = NULL WHERE id = ?'),
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
      const match = matchPending(line, pendingRows);
      let reason: string | null = null;
      const ids: { kind: StoredIdKind; id: string }[] = [...line.ids];
      if (match) {
        this.q.deletePending.run(match.row.id);
        pendingRows = pendingRows.filter((p) => p !== match.row);
        reason = match.reason;
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
      // Still pending at the bank, so the posted line we matched it to was another payment.
      if (k?.kind === 'pending_matched') this.takeBackMatch(id, k.lineId, known);
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
    this.q.clearReason.run(lineId);
    known.delete(providerId);
  }
}

/**
 * The pending line a posted one replaces: the provider's link first, then the same id, then
 * the same amount and currency dated within the 8 days before the posted date (closest date
 * first, then the same partner). The reason is kept on the line so the user sees why.
 */
export function matchPending(line: IncomingLine, pending: readonly PendingRow[]): { row: PendingRow; reason: string; linked: boolean } | null {
  if (pending.length === 0) return null;
  if (line.pendingId !== null) {
    const row = pending.find((p) => p.provider_id === line.pendingId);
    if (row) return { row, reason: `Replaces pending line ${row.provider_id} (linked by the provider)`, linked: true };
  }
  const sameId = pending.find((p) => line.ids.some((x) => x.id === p.provider_id));
  if (sameId) return { row: sameId, reason: `Replaces pending line ${sameId.provider_id} (same id)`, linked: true };
  const earliest = addDays(line.date, -PENDING_MATCH_DAYS);
  let best: { row: PendingRow; gap: number; samePartner: boolean } | null = null;
  for (const p of pending) {
    if (p.amount !== line.amount || p.currency !== line.currency) continue;
    if (p.date < earliest || p.date > line.date) continue;
    const gap = daysBetween(p.date, line.date);
    const samePartner = p.partner_name !== null && p.partner_name === line.partnerName;
    if (!best || gap < best.gap || (gap === best.gap && samePartner && !best.samePartner)) best = { row: p, gap, samePartner };
  }
  if (!best) return null;
  const days = best.gap === 0 ? 'the same day' : best.gap === 1 ? '1 day before' : `${best.gap} days before`;
  return {
    row: best.row,
    reason: `Replaces pending line ${best.row.provider_id}: same amount and currency, dated ${days}`,
    linked: false,
  };
}
