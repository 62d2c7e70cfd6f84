import { randomBytes } from 'node:crypto';
import { systemClock } from '../common/clock';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ApiError, ChatterView, ConnectionState, Periodicity, StateAction, SyncProgressEvent, SyncSummary } from '../../preload/api';
import { postChatter, type ChatterMessage } from '../ledger/chatter';
import type { ConnectionRow } from '../ledger/connections';
import type { Db } from '../ledger/db';
import { diskFullMessage, isDiskFull } from '../ledger/disk-full';
import { parseAmount } from '../ledger/money';
import { lockDate } from '../ledger/settings';
import { rechain } from '../ledger/statements';
import { ProviderError, toProviderError } from '../providers/errors';
import type { ConnectionContext, Provider, ProviderAccount, TransactionPage } from '../providers/types';
import { localDate } from './dates';
import { PageWriter, type PageCounts } from './ingest';
import { normalizeTransaction } from './normalize';
import { DateProgress } from './progress';
import { retryAfterBackoff } from './backoff';
import { diskFullOutcome, keychainOutcome, outcomeOf, type Outcome } from './outcome';
import { VaultUnavailableError } from '../vault/errors';
import { recordQuotaReport, recordRateLimit, recordUnattendedUse } from './quotas';
import { LATEST_ZONE, journalLock, syncWindow } from './window';

export const SYNC_INTERVAL_HOURS = 12;

/** `e` or the first of its causes that is a `type` (a provider may wrap what its context threw). */
function causeOf<T extends Error>(e: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let x = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) if (x instanceof type) return x;
  return undefined;
}

/** The translatable form of an outcome's sentence (see `outcomeOf` for the English text). */
function outcomeMessage(pe: ProviderError, outcome: Outcome, failedLogins: number): ChatterMessage {
  if (outcome.blockedReason === 'repeated_failed_logins') return { key: 'outcome.login_blocked', params: { count: failedLogins + 1 } };
  if (pe.code === 'rate_limited' && pe.retryAt) return { key: 'outcome.rate_limited_until', params: { retry_at: pe.retryAt } };
  return { key: `outcome.${pe.code}` };
}
/** After a rate limit that does not say when to come back. */
export const DEFAULT_RATE_LIMIT_RETRY_MS = 3_600_000;
export const OPENING_LINE_LABEL = 'Opening statement: first synchronization';

export interface EngineOptions {
  now?: () => Date;
  overlapDays?: number;
  onProgress?: (e: SyncProgressEvent) => void;
  onChatter?: (c: ChatterView) => void;
  onState?: (e: { connection_id: number; state: ConnectionState; state_action: StateAction | null }) => void;
  /** [0, 1) for the back-off jitter (Math.random by default). */
  random?: () => number;
}

export interface RunOptions {
  trigger: 'manual' | 'scheduled' | 'first';
  /** Secrets of the connection, read from the vault on demand. */
  getSecret?: (name: string) => Promise<string | undefined>;
  setSecret?: (name: string, value: string) => Promise<void>;
  signal?: AbortSignal;
}

interface LinkedAccountRow {
  id: number;
  provider_account_id: string;
  currency: string;
  cursor: string | null;
  cursor_mid_run: number;
  first_sync_done: number;
  invert_balance_sign: number;
  invert_transaction_sign: number;
  journal_id: number;
  journal_code: string;
  journal_currency: string;
  periodicity: Periodicity;
  timezone: string;
  history_from: string | null;
  /** Set when this account took over a journal another connection filled (nothing on or before it). */
  continues_after: string | null;
}

/** An account's balance as the bank gave it, in minor units. */
interface BankBalance {
  id: number;
  balance: number;
  at: string;
}

/** How far back the institution answers, from the catalog (0 when it does not say). */
function historyDays(db: Db, provider: string, institutionId: string): number {
  const days = db
    .prepare('SELECT history_days FROM institution_providers WHERE provider = ? AND provider_institution_id = ?')
    .pluck()
    .get(provider, institutionId) as number | undefined;
  return days ?? 0;
}

/** A reference the user can copy: the provider's request id where it gave one. */
export function errorReference(provider: string, e: ProviderError, runId: number): string {
  if (e.requestId) return `${provider}:${e.requestId}`;
  return `LL-${runId}-${randomBytes(4).toString('hex')}`;
}

/**
 * Synchronizes connections: window, fetch to completion page by page (each page, its cursor
 * and its log line in one transaction), dedup, pending matching, statements, opening line,
 * states and chatter.
 */
export class SyncEngine {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly opts: EngineOptions = {},
  ) {
    this.now = opts.now ?? systemClock;
  }

  async run(connectionId: number, provider: Provider, o: RunOptions): Promise<SyncSummary> {
    const db = this.db;
    const conn = db.prepare('SELECT * FROM connections WHERE id = ?').get(connectionId) as ConnectionRow | undefined;
    if (!conn) throw new Error(`No connection ${connectionId}`);
    const summary: SyncSummary = { connection_id: connectionId, ok: false, state: conn.state, fetched: 0, stored: 0, duplicates: 0, pending: 0 };

    // A disconnected or blocked connection makes no request at all.
    if (conn.state === 'disconnected' || conn.state === 'blocked') {
      summary.error =
        conn.state === 'disconnected'
          ? { code: 'disconnected', message: 'Please reconnect your online account.' }
          : { code: 'blocked', message: 'This connection is blocked after suspicious activity. Re-activate it with your registered phone number.' };
      return summary;
    }

    const startedAt = this.now().toISOString();
    const runId = db.transaction(() => {
      // A run still marked running was cut short (crash, kill): say so, the next run carries on.
      db.prepare(`UPDATE sync_runs SET result = 'interrupted', ended_at = ? WHERE connection_id = ? AND result = 'running'`).run(startedAt, connectionId);
      const id = Number(db.prepare(`INSERT INTO sync_runs (connection_id, trigger, started_at) VALUES (?, ?, ?)`).run(connectionId, o.trigger, startedAt).lastInsertRowid);
      // Unattended requests count against the account's daily budget (PSD2).
      if (o.trigger === 'scheduled') recordUnattendedUse(db, connectionId, new Date(startedAt));
      return id;
    })();

    const ctx: ConnectionContext = {
      connectionId,
      institutionId: conn.institution_id,
      providerRef: conn.provider_ref,
      getSecret: o.getSecret ?? (async () => undefined),
      setSecret: o.setSecret ?? (async () => { throw new Error('No credential vault is available to store this secret'); }),
      interactive: o.trigger !== 'scheduled',
      reportQuota: (q) => recordQuotaReport(db, connectionId, q, this.now()),
      now: this.now,
      ...(o.signal ? { signal: o.signal } : {}),
    };

    try {
      if (o.trigger === 'manual' && provider.requestRefresh) {
        try {
          await provider.requestRefresh(ctx);
        } catch (e) {
          const pe = toProviderError(e);
          // A refresh refused for now still lets us fetch what the provider already has.
          if (pe.code !== 'rate_limited' && pe.code !== 'not_ready') throw pe;
          this.chatter({ connectionId, level: 'info',
            text: pe.retryAt
              ? `The bank allows a limited number of refreshes: fetching what it already has. A fresh update is possible after ${pe.retryAt}.`
              : 'The bank could not refresh right now: fetching what it already has.',
            message: pe.retryAt ? { key: 'sync.refresh_limited', params: { retry_at: pe.retryAt } } : { key: 'sync.refresh_unavailable' } });
        }
      }

      const accounts = await provider.listAccounts(ctx);
      const linked = this.linkedAccounts(connectionId);
      const balances = this.storeBalances(connectionId, accounts, new Set(linked.map((a) => a.id)));

      for (const acc of linked) {
        const bankAccount = accounts.find((a) => a.id === acc.provider_account_id);
        if (!bankAccount) {
          this.chatter({ connectionId, journalId: acc.journal_id, level: 'warning',
            text: 'The bank no longer lists this account. Use Fetch Accounts to check the accounts of this connection.',
            message: { key: 'sync.account_gone' } });
          continue;
        }
        const counts = await this.syncAccount(provider, ctx, runId, acc, historyDays(db, conn.provider, conn.institution_id), balances.get(acc.id));
        summary.fetched += counts.fetched;
        summary.stored += counts.stored;
        summary.duplicates += counts.duplicates;
        summary.pending += counts.pending;
      }

      const at = this.now();
      db.transaction(() => {
        db.prepare(
          `UPDATE connections SET state = 'connected', state_action = NULL, last_refresh = ?, next_refresh = ?,
                  retry_at = NULL, backoff_attempts = 0, failed_logins = 0
           WHERE id = ? AND state NOT IN ('disconnected','blocked')`,
        ).run(at.toISOString(), new Date(at.getTime() + SYNC_INTERVAL_HOURS * 3_600_000).toISOString(), connectionId);
        db.prepare(`UPDATE sync_runs SET result = 'success', ended_at = ? WHERE id = ?`).run(at.toISOString(), runId);
      })();
      summary.ok = true;
    } catch (e) {
      if (o.signal?.aborted) {
        // Cancelled by the user: what was stored stays (pages are whole), the connection keeps
        // its state, and the next synchronization carries on from the saved cursor.
        const text = 'Synchronization cancelled. What was fetched so far is kept; the next synchronization carries on.';
        db.transaction(() => {
          db.prepare(`UPDATE sync_runs SET result = 'interrupted', ended_at = ? WHERE id = ?`).run(this.now().toISOString(), runId);
          this.chatter({ connectionId, level: 'info', text, message: { key: 'sync.cancelled' } });
        })();
        summary.error = { code: 'cancelled', message: text };
        summary.state = conn.state;
        return summary;
      }
      // A full disk (the ledger's, or a provider's own file beside it) and a keychain that
      // cannot be opened are this computer's, not the bank's: said as such (the folder, what to
      // unlock), and the connection keeps its state.
      const dataDir = dirname(db.name);
      const keychain = causeOf(e, VaultUnavailableError);
      const full = isDiskFull(e, dataDir) ? diskFullOutcome(diskFullMessage(dataDir))
        : keychain ? keychainOutcome(keychain.message) : undefined;
      const localCode = full && (keychain ? 'no_vault' : 'disk_full');
      const pe = full ? new ProviderError('other', full.text, { cause: e }) : toProviderError(e);
      const reference = errorReference(conn.provider, pe, runId);
      try {
        db.transaction(() => {
          const current = db.prepare('SELECT state, failed_logins, backoff_attempts FROM connections WHERE id = ?').get(connectionId) as
            Pick<ConnectionRow, 'state' | 'failed_logins' | 'backoff_attempts'>;
          const outcome = full ?? outcomeOf(pe, { failedLogins: current.failed_logins });
          // An incoming error never turns a disconnected (or meanwhile blocked) connection into anything else.
          if (current.state !== 'disconnected' && current.state !== 'blocked') this.applyOutcome(connectionId, outcome, pe, current);
          db.prepare(
            `UPDATE sync_runs SET result = ?, ended_at = ?, error_code = ?, error_description = ?, reference = ? WHERE id = ?`,
          ).run(outcome.failed ? 'error' : 'success', this.now().toISOString(), localCode || pe.code, pe.description, reference, runId);
          this.chatter(full
            ? { connectionId, level: full.level, text: full.text, reference }
            : { connectionId, level: outcome.level, text: outcome.text, errorDescription: pe.description, reference, message: outcomeMessage(pe, outcome, current.failed_logins) });
          summary.ok = !outcome.failed;
          if (outcome.failed) {
            summary.error = full ? { code: localCode || 'disk_full', message: full.text, reference } : { code: pe.code, message: outcome.text, description: pe.description, reference } satisfies ApiError;
          }
        })();
      } catch (recordError) {
        // With no space left even the record of the failure may not fit: the user is still told.
        if (!full || !isDiskFull(recordError, dataDir)) throw recordError;
        summary.ok = false;
        summary.error = { code: 'disk_full', message: full.text, reference };
      }
    }
    const after = db.prepare('SELECT state, state_action FROM connections WHERE id = ?').get(connectionId) as Pick<ConnectionRow, 'state' | 'state_action'>;
    summary.state = after.state;
    if (after.state !== conn.state || after.state_action !== conn.state_action) {
      this.opts.onState?.({ connection_id: connectionId, state: after.state, state_action: after.state_action });
    }
    return summary;
  }

  /**
   * The connection's state, block, auto-sync and next attempt after a failed run (or one that
   * brought nothing yet). A rate limit or a failure never advances `next_refresh`.
   */
  private applyOutcome(
    connectionId: number,
    outcome: Outcome,
    pe: ProviderError,
    current: Pick<ConnectionRow, 'failed_logins' | 'backoff_attempts'>,
  ): void {
    const db = this.db;
    const now = this.now();
    if (outcome.state !== null) {
      db.prepare('UPDATE connections SET state = ?, state_action = ? WHERE id = ?').run(outcome.state, outcome.action, connectionId);
    }
    if (outcome.blockedReason) db.prepare('UPDATE connections SET blocked_reason = ? WHERE id = ?').run(outcome.blockedReason, connectionId);
    if (outcome.failedLogin) db.prepare('UPDATE connections SET failed_logins = ? WHERE id = ?').run(current.failed_logins + 1, connectionId);
    if (outcome.autoSyncOff) db.prepare('UPDATE connections SET auto_sync = 0 WHERE id = ?').run(connectionId);
    if (outcome.retry === 'backoff') {
      const at = retryAfterBackoff(now, current.backoff_attempts, this.opts.random ?? Math.random);
      db.prepare('UPDATE connections SET retry_at = ?, backoff_attempts = ? WHERE id = ?').run(at.toISOString(), current.backoff_attempts + 1, connectionId);
    } else if (outcome.retry === 'rate_limit') {
      const given = pe.retryAt !== undefined ? Date.parse(pe.retryAt) : Number.NaN;
      const at = Number.isNaN(given) || given <= now.getTime() ? new Date(now.getTime() + DEFAULT_RATE_LIMIT_RETRY_MS) : new Date(given);
      db.prepare('UPDATE connections SET retry_at = ? WHERE id = ?').run(at.toISOString(), connectionId);
      // The provider said when requests are possible again: none is left until then.
      if (!Number.isNaN(given) && given > now.getTime()) recordRateLimit(db, connectionId, at.toISOString(), now);
    }
  }

  private linkedAccounts(connectionId: number): LinkedAccountRow[] {
    return this.db
      .prepare(
        `SELECT a.id, a.provider_account_id, a.currency, a.cursor, a.cursor_mid_run, a.first_sync_done, a.invert_balance_sign,
                a.invert_transaction_sign, a.continues_after, j.id AS journal_id, j.code AS journal_code, j.currency AS journal_currency,
                j.periodicity, j.timezone, j.history_from
         FROM online_accounts a JOIN journals j ON j.online_account_id = a.id
         WHERE a.connection_id = ? ORDER BY a.id`,
      )
      .all(connectionId) as LinkedAccountRow[];
  }

  /**
   * Reads every balance first (an unreadable one stores nothing), stores those of accounts not
   * linked to a journal, and returns the linked ones': each is stored with its account's last
   * lines (finishAccount), so a sync cut short (a full disk, a kill) never leaves a bank balance
   * ahead of the lines that make it.
   */
  private storeBalances(connectionId: number, accounts: ProviderAccount[], linked: Set<number>): Map<number, BankBalance> {
    const rows = this.db.prepare('SELECT id, provider_account_id, currency, invert_balance_sign FROM online_accounts WHERE connection_id = ?').all(connectionId) as {
      id: number; provider_account_id: string; currency: string; invert_balance_sign: number;
    }[];
    const parsed = rows.flatMap((r) => {
      const a = accounts.find((x) => x.id === r.provider_account_id);
      if (!a) return [];
      let balance: number;
      try {
        balance = parseAmount(a.balance, r.currency);
      } catch (e) {
        throw new ProviderError('invalid_response', `Unreadable balance for account ${a.id}: ${(e as Error).message}`, {
          description: `The bank's balance for ${a.name} could not be read. Nothing was saved.`,
        });
      }
      return [{ id: r.id, balance: r.invert_balance_sign ? -balance : balance, at: a.balanceAt ?? this.now().toISOString() }];
    });
    const update = this.db.prepare('UPDATE online_accounts SET balance = ?, balance_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const p of parsed) if (!linked.has(p.id)) update.run(p.balance, p.at, p.id);
    })();
    return new Map(parsed.filter((p) => linked.has(p.id)).map((p) => [p.id, p]));
  }

  private async syncAccount(
    provider: Provider,
    ctx: ConnectionContext,
    runId: number,
    acc: LinkedAccountRow,
    history: number,
    balance: BankBalance | undefined,
  ): Promise<PageCounts> {
    const db = this.db;
    const total: PageCounts = { fetched: 0, stored: 0, duplicates: 0, dismissed: 0, locked: 0, pending: 0 };
    const today = localDate(this.now(), acc.timezone);
    // The journal's chosen history start works as its own lock date: nothing before it. An
    // account continuing a journal another connection filled is closed up to that journal's last
    // line the same way: its ids are new here and could not dedup the overlap.
    const lock = laterDate(journalLock(lockDate(db), acc.history_from), acc.continues_after);
    const writer = new PageWriter(db, { onlineAccountId: acc.id, journal: { id: acc.journal_id, code: acc.journal_code, periodicity: acc.periodicity } }, {
      runId, runDate: today, lockDate: lock, now: this.now,
    });
    const norm = { currency: acc.journal_currency, timeZone: acc.timezone, invertSign: acc.invert_transaction_sign === 1 };
    db.prepare(`UPDATE online_accounts SET fetching_status = 'processing' WHERE id = ?`).run(acc.id);

    let cursor = acc.cursor;
    let pageNo = 0;
    let snapshot = false;
    // A cursor left inside an interrupted run is followed to its end first; its window is the
    // old run's, so a second pass then fetches today's window (ids absorb the overlap).
    let passes = acc.cursor_mid_run === 1 ? 2 : 1;
    let progress: DateProgress | undefined;
    while (passes-- > 0) {
      const lastLineDate = db
        .prepare(`SELECT MAX(date) FROM statement_lines WHERE journal_id = ? AND kind = 'bank'`)
        .pluck()
        .get(acc.journal_id) as string | null;
      const window = syncWindow({
        lastLineDate, today, lockDate: lock, latest: localDate(this.now(), LATEST_ZONE),
        ...(this.opts.overlapDays !== undefined ? { overlapDays: this.opts.overlapDays } : {}),
      });
      // One measure for both passes of a resumed account, so the bar never goes back.
      progress ??= new DateProgress(window.since, window.until, history);
      for (;;) {
        ctx.signal?.throwIfAborted();
        const page: TransactionPage = await provider.fetchTransactions(ctx, { accountId: acc.provider_account_id, since: window.since, until: window.until, cursor });
        if (!page || !Array.isArray(page.posted) || !Array.isArray(page.pending) || typeof page.hasMore !== 'boolean') {
          throw new ProviderError('invalid_response', 'The provider answered a page without its transaction lists', {
            description: 'The bank sent an incomplete answer. Nothing from it was saved.',
          });
        }
        // Everything is checked before a byte is written.
        const posted = page.posted.map((t) => normalizeTransaction(t, norm));
        const pending = page.pending.map((t) => normalizeTransaction(t, norm));
        snapshot ||= page.pendingIsSnapshot === true;
        pageNo++;
        const counts = db.transaction(() => {
          const c = writer.writePage(posted, pending, page.removed ?? []);
          db.prepare('UPDATE online_accounts SET cursor = ?, cursor_mid_run = ? WHERE id = ?').run(page.nextCursor, page.hasMore ? 1 : 0, acc.id);
          db.prepare(
            `INSERT INTO sync_log (run_id, online_account_id, page, fetched, stored, duplicates, pending, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(runId, acc.id, pageNo, c.fetched, c.stored, c.duplicates, c.pending, this.now().toISOString());
          db.prepare(
            `UPDATE sync_runs SET pages = pages + 1, fetched = fetched + ?, stored = stored + ?, duplicates = duplicates + ?, pending = pending + ? WHERE id = ?`,
          ).run(c.fetched, c.stored, c.duplicates, c.pending, runId);
          return c;
        })();
        for (const k of Object.keys(total) as (keyof PageCounts)[]) total[k] += counts[k];
        progress.observe(posted.map((t) => t.date));
        if (!page.hasMore && passes === 0) progress.finish();
        this.opts.onProgress?.({
          connection_id: ctx.connectionId, online_account_id: acc.id, journal_id: acc.journal_id, pages: pageNo,
          fetched: total.fetched, stored: total.stored, duplicates: total.duplicates, pending: total.pending,
          ...progress.value(),
        });
        cursor = page.nextCursor;
        if (!page.hasMore) break;
        // A provider answering from memory (the Demo Bank) never waits on I/O: without a turn
        // of the event loop here, progress would reach the window only at the end, and a
        // Cancel or any other call would wait for the whole synchronization.
        await nextTurn();
      }
    }

    this.finishAccount(acc, runId, snapshot, today, lock, total, balance);
    return total;
  }

  /** Pending snapshot clean-up, the first-sync opening line and the bank balance, in one transaction. */
  private finishAccount(
    acc: LinkedAccountRow, runId: number, snapshot: boolean, today: string, lock: string | null, total: PageCounts, balance: BankBalance | undefined,
  ): void {
    const db = this.db;
    db.transaction(() => {
      if (balance) db.prepare('UPDATE online_accounts SET balance = ?, balance_at = ? WHERE id = ?').run(balance.balance, balance.at, acc.id);
      if (snapshot) {
        db.prepare('DELETE FROM pending_lines WHERE online_account_id = ? AND (last_seen_run_id IS NULL OR last_seen_run_id != ?)').run(acc.id, runId);
      }
      const bank = db.prepare('SELECT balance FROM online_accounts WHERE id = ?').pluck().get(acc.id) as number;
      if (acc.first_sync_done === 0) {
        const ledger = (db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE journal_id = ?').pluck().get(acc.journal_id) as number);
        const diff = bank - ledger;
        if (diff !== 0) {
          const first = db.prepare('SELECT MIN(date) FROM statement_lines WHERE journal_id = ?').pluck().get(acc.journal_id) as string | null;
          let date = first ?? today;
          if (lock !== null && date <= lock) date = today;
          const writer = new PageWriter(db, { onlineAccountId: acc.id, journal: { id: acc.journal_id, code: acc.journal_code, periodicity: acc.periodicity } }, {
            runId, runDate: today, lockDate: null, now: this.now,
          });
          const statementId = writer.filer.statementFor(date);
          db.prepare(
            `INSERT INTO statement_lines (journal_id, statement_id, online_account_id, date, amount, currency, payment_ref, kind, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'opening', ?)`,
          ).run(acc.journal_id, statementId, acc.id, date, diff, acc.journal_currency, OPENING_LINE_LABEL, this.now().toISOString());
          db.prepare('UPDATE statements SET balance_end = balance_end + ?, line_count = line_count + 1 WHERE id = ?').run(diff, statementId);
        }
      }
      rechain(db, acc.journal_id, bank);
      db.prepare(`UPDATE online_accounts SET last_sync = ?, first_sync_done = 1, fetching_status = 'done' WHERE id = ?`).run(this.now().toISOString(), acc.id);
      if (total.stored > 0) {
        this.chatter({ journalId: acc.journal_id, level: 'info',
          text: `${total.stored} new transaction${total.stored === 1 ? '' : 's'} recorded${total.pending ? `; ${total.pending} pending` : ''}.`,
          message: { key: total.pending ? 'sync.recorded_pending' : 'sync.recorded', params: { stored: total.stored, pending: total.pending } } });
      }
    })();
  }

  private chatter(m: { connectionId?: number; journalId?: number; level: 'info' | 'warning' | 'error'; text: string; errorDescription?: string; reference?: string; message?: ChatterMessage }): void {
    const c = postChatter(this.db, { ...m, at: this.now() });
    this.opts.onChatter?.(c);
  }
}

/** The later of two optional dates (null: neither). */
function laterDate(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  return b !== null && b > a ? b : a;
}
