// The sync scheduler: every connection with automatic synchronization on is synchronized
// every SYNC_INTERVAL_HOURS, from `next_refresh` stored in the ledger (so the schedule
// survives restarts), inside each account's request budget, never twice at once (an
// in-process lock plus a lease in the database shared with other processes such as the CLI),
// paused while offline. It also posts consent-expiry reminders and raises notification events.
//
// Time comes from the injected clock only; the timer of start() merely decides how often to
// look (every minute), so tests drive the scheduler by calling tick() with a fake clock.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChatterView, ConnectionState, NotificationEvent, StateAction, SyncSummary } from '../../preload/api';
import { postChatter } from '../ledger/chatter';
import type { Db } from '../ledger/db';
import type { Institution } from '../providers/types';
import { retryAfterBackoff } from './backoff';
import { AUTO_SYNC_REFUSED_TEXT } from './outcome';
import { DAY_MS, manualRefusal, planUnattended, type UnattendedPlan } from './quotas';

/** How often start() looks for due work. */
export const TICK_MS = 60_000;
/** Minimum time between the starts of two scheduled runs (catch-up after sleep is spread out). */
export const STAGGER_MS = 2 * 60_000;
/** True when `owner` ("host:pid:random") names a process of this computer that has ended. */
export function ownerIsGone(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A lease lapses this long after it was taken or last renewed (a crashed process's lease). */
export const LEASE_MS = 10 * 60_000;
/** A running synchronization renews its lease this often. */
export const LEASE_RENEW_MS = 2 * 60_000;
/** Days before the consent ends at which the user is reminded, each once. */
export const CONSENT_REMINDER_DAYS = [15, 3, 1] as const;
/** How long the institution facts of a connection are kept before being asked again. */
const INSTITUTION_TTL_MS = 6 * 3_600_000;

/** The scheduler's notifications are the contract's (preload/api.ts). */
export type SchedulerEvent = NotificationEvent;

export interface SchedulerDeps {
  db: Db;
  now(): Date;
  /** Runs one synchronization of a connection (the core calls the engine with the right provider). */
  runSync(connectionId: number, trigger: 'scheduled' | 'manual'): Promise<SyncSummary>;
  /** Institution facts for quota planning (unattendedPerDay, refreshesPerDay, automaticSync) or undefined. */
  institutionOf?(connectionId: number): Promise<Institution | undefined>;
  /** True when the network is reachable (the core probes; tests fake it). */
  isOnline(): Promise<boolean>;
  random?(): number;
  /** Notification events: waiting for the user, consent reminders, quota deferrals, offline/online. */
  notify?(e: SchedulerEvent): void;
  /** Chatter the scheduler posts itself (consent reminders, auto-sync switched off). */
  onChatter?(c: ChatterView): void;
  /** A name for this process in the DB lease (pid + random). */
  owner?: string;
  /** Overrides for tests. */
  tickMs?: number;
  staggerMs?: number;
  leaseMs?: number;
}

export interface DueConnection {
  connection_id: number;
  /** When it became due (ISO); null for a connection never synchronized. */
  due_at: string | null;
}

interface Deferred {
  connection_id: number;
  plan: UnattendedPlan;
}

/** Thrown by withLease when the connection is being synchronized already (here or by another process). */
export class LeaseBusyError extends Error {
  override readonly name = 'LeaseBusyError';
  constructor(
    readonly connectionId: number,
    readonly holder: string | null,
  ) {
    super(`Connection ${connectionId} is already being synchronized${holder ? ` (by ${holder})` : ''}.`);
  }
}

/** Whole days (rounded up) until the consent ends; 0 once ended; null when it does not end. */
export function consentDaysLeft(connection: { consent_expires_at: string | null }, now: Date): number | null {
  if (!connection.consent_expires_at) return null;
  const end = Date.parse(connection.consent_expires_at);
  if (Number.isNaN(end)) return null;
  return Math.max(0, Math.ceil((end - now.getTime()) / DAY_MS));
}

interface ScheduleRow {
  id: number;
  next_refresh: string | null;
  retry_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

interface WatchRow {
  id: number;
  institution_name: string;
  state: ConnectionState;
  state_action: StateAction | null;
  blocked_reason: string | null;
  consent_expires_at: string | null;
  consent_reminded_days: number | null;
}

const maxIso = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);

export class Scheduler {
  readonly owner: string;
  private readonly db: Db;
  private readonly tickMs: number;
  private readonly staggerMs: number;
  private readonly leaseMs: number;
  /** Connections synchronizing in this process. */
  private readonly running = new Set<number>();
  /** What was last notified per connection ('waiting:mfa', 'blocked:...'), so each wait is raised once. */
  private readonly notified = new Map<number, string>();
  /** The next-attempt time last notified per deferred connection. */
  private readonly deferralNotified = new Map<number, string>();
  private readonly institutions = new Map<number, { at: number; institution: Institution | undefined }>();
  private offline = false;
  private nextSlotAt = 0;
  private ticking: Promise<SyncSummary[]> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private started = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.db = deps.db;
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.tickMs = deps.tickMs ?? TICK_MS;
    this.staggerMs = deps.staggerMs ?? STAGGER_MS;
    this.leaseMs = deps.leaseMs ?? LEASE_MS;
  }

  /** Looks every minute for due work until stop(). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const loop = async (): Promise<void> => {
      this.timer = null;
      try {
        await this.tick();
      } catch (e) {
        this.notify({ type: 'error', message: (e as Error).message });
      }
      if (this.started) this.timer = setTimeout(() => void loop(), this.tickMs);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  /** Stops looking and waits for a run under way to end. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => undefined);
  }

  /**
   * The connections a scheduled run may start for now: automatic synchronization on, state
   * connected or error, at least one account linked to a journal, `next_refresh` reached (or
   * never synchronized), `retry_at` passed, inside the request budget, not leased by anyone.
   * Oldest due first, then by id.
   */
  async due(now: Date = this.deps.now()): Promise<DueConnection[]> {
    return (await this.plan(now)).due;
  }

  /**
   * One look: consent reminders and waiting notifications, then (when online) the due
   * connections, one run start per stagger slot, in order. Returns the runs' summaries.
   */
  tick(): Promise<SyncSummary[]> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runDue({ stagger: true }).finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  /** Runs everything due now, one after the other, once (`ledgerlink sync --due`, cron). */
  syncDue(): Promise<SyncSummary[]> {
    return this.runDue({ stagger: false });
  }

  /**
   * Synchronize Now (no ids: every connection) / Fetch Transactions (the ones named): at once,
   * ahead of the schedule, as a manual run (the engine asks the provider to refresh first).
   * A run the provider's budget forbids, or one already under way, is answered with a
   * summary saying so, without any request.
   */
  async syncNow(connectionIds?: number[]): Promise<SyncSummary[]> {
    const ids = connectionIds ?? (this.db.prepare('SELECT id FROM connections ORDER BY id').pluck().all() as number[]);
    const out: SyncSummary[] = [];
    for (const id of ids) {
      const state = this.db.prepare('SELECT state FROM connections WHERE id = ?').pluck().get(id) as ConnectionState | undefined;
      if (state === undefined) throw new Error(`No connection ${id}`);
      const now = this.deps.now();
      if (state !== 'blocked' && state !== 'disconnected') {
        const refusal = manualRefusal(this.db, id, now, await this.institution(id, now));
        if (refusal) {
          out.push(this.refusedSummary(id, state, 'rate_limited', refusal.message));
          continue;
        }
      }
      out.push(await this.runOne(id, 'manual'));
    }
    return out;
  }

  /**
   * Runs `fn` holding the connection: an in-process lock and a lease in the database, taken
   * atomically and renewed while `fn` runs; a lease not renewed lapses after LEASE_MS (a
   * crashed process). Throws LeaseBusyError when someone holds it.
   */
  async withLease<T>(connectionId: number, fn: () => Promise<T>): Promise<T> {
    if (this.running.has(connectionId)) throw new LeaseBusyError(connectionId, 'this process');
    this.running.add(connectionId);
    try {
      const now = this.deps.now();
      const taken = this.db
        .prepare(`UPDATE connections SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until <= ?)`)
        .run(this.owner, new Date(now.getTime() + this.leaseMs).toISOString(), connectionId, now.toISOString());
      if (taken.changes !== 1) {
        const holder = this.db.prepare('SELECT lease_owner FROM connections WHERE id = ?').pluck().get(connectionId) as string | null | undefined;
        if (holder === undefined) throw new Error(`No connection ${connectionId}`);
        // A process of this computer that no longer exists (killed, crashed) holds nothing:
        // take its lease over at once instead of making the user wait for it to lapse.
        const tookOver = holder !== null && ownerIsGone(holder) && this.db
          .prepare('UPDATE connections SET lease_owner = ?, lease_until = ? WHERE id = ? AND lease_owner = ?')
          .run(this.owner, new Date(now.getTime() + this.leaseMs).toISOString(), connectionId, holder).changes === 1;
        if (!tookOver) throw new LeaseBusyError(connectionId, holder);
      }
      const renew = setInterval(() => {
        try {
          this.db.prepare('UPDATE connections SET lease_until = ? WHERE id = ? AND lease_owner = ?')
            .run(new Date(this.deps.now().getTime() + this.leaseMs).toISOString(), connectionId, this.owner);
        } catch {
          // The ledger closed under us: the lease lapses by itself.
        }
      }, Math.min(LEASE_RENEW_MS, Math.max(1_000, Math.floor(this.leaseMs / 3))));
      renew.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        if (this.db.open) {
          this.db.prepare('UPDATE connections SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?').run(connectionId, this.owner);
        }
      }
    } finally {
      this.running.delete(connectionId);
    }
  }

  private async runDue(o: { stagger: boolean }): Promise<SyncSummary[]> {
    const now = this.deps.now();
    this.watch(now);
    if (!(await this.online())) {
      if (!this.offline) {
        this.offline = true;
        this.notify({ type: 'offline' });
      }
      return [];
    }
    if (this.offline) {
      this.offline = false;
      this.notify({ type: 'online' });
    }

    const plan = await this.plan(now);
    for (const id of plan.refusing) this.switchOffAutoSync(id, now);
    for (const d of plan.deferred) {
      const at = d.plan.allowedAt.toISOString();
      if (this.deferralNotified.get(d.connection_id) === at) continue;
      this.deferralNotified.set(d.connection_id, at);
      this.notify({ type: 'quota_deferred', connection_id: d.connection_id, next_attempt_at: at, limit: d.plan.limit, reason: d.plan.reason });
    }

    const out: SyncSummary[] = [];
    for (const d of plan.due) {
      const startAt = this.deps.now().getTime();
      if (o.stagger && startAt < this.nextSlotAt) break;
      const s = await this.runOne(d.connection_id, 'scheduled');
      if (s.error?.code === 'busy') continue;
      this.deferralNotified.delete(d.connection_id);
      if (o.stagger) this.nextSlotAt = startAt + this.staggerMs;
      out.push(s);
    }
    return out;
  }

  private async plan(now: Date): Promise<{ due: DueConnection[]; deferred: Deferred[]; refusing: number[] }> {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.next_refresh, c.retry_at, c.lease_owner, c.lease_until FROM connections c
         WHERE c.auto_sync = 1 AND c.state IN ('connected','error')
           AND EXISTS (SELECT 1 FROM online_accounts a JOIN journals j ON j.online_account_id = a.id WHERE a.connection_id = c.id)
         ORDER BY c.id`,
      )
      .all() as ScheduleRow[];
    const nowIso = now.toISOString();
    const due: DueConnection[] = [];
    const deferred: Deferred[] = [];
    const refusing: number[] = [];
    for (const r of rows) {
      if (this.running.has(r.id)) continue;
      // Leased by someone else: not due, unless the holder is a process of this computer that
      // has ended (killed, crashed), whose lease withLease takes over at once, as syncNow does.
      const leased = r.lease_until !== null && r.lease_until > nowIso;
      if (leased && !(r.lease_owner !== null && ownerIsGone(r.lease_owner))) continue;
      const dueAt = maxIso(r.next_refresh, r.retry_at);
      if (dueAt !== null && dueAt > nowIso) continue;
      const institution = await this.institution(r.id, now);
      if (institution && institution.automaticSync === false) {
        refusing.push(r.id);
        continue;
      }
      const p = planUnattended(this.db, r.id, now, institution);
      if (p.allowedAt.getTime() > now.getTime()) {
        deferred.push({ connection_id: r.id, plan: p });
        continue;
      }
      due.push({ connection_id: r.id, due_at: dueAt });
    }
    // Never synchronized first, then the longest overdue; ids break ties (deterministic).
    due.sort((a, b) => (a.due_at === b.due_at ? a.connection_id - b.connection_id : a.due_at === null ? -1 : b.due_at === null ? 1 : a.due_at < b.due_at ? -1 : 1));
    return { due, deferred, refusing };
  }

  private async runOne(id: number, trigger: 'scheduled' | 'manual'): Promise<SyncSummary> {
    let summary: SyncSummary;
    try {
      summary = await this.withLease(id, () => this.deps.runSync(id, trigger));
    } catch (e) {
      const state = (this.db.prepare('SELECT state FROM connections WHERE id = ?').pluck().get(id) as ConnectionState | undefined) ?? 'error';
      if (e instanceof LeaseBusyError) {
        return this.refusedSummary(id, state, 'busy', e.holder === 'this process'
          ? 'This connection is being synchronized already; its result will show when it ends.'
          : 'Another Ledgerlink process (the app, `ledgerlink run` or `ledgerlink sync`) is synchronizing this connection; its result will show when it ends.');
      }
      // Not a provider error (those are the engine's): wait before trying again, no tight loop.
      const now = this.deps.now();
      const attempts = this.db.prepare('SELECT backoff_attempts FROM connections WHERE id = ?').pluck().get(id) as number | undefined;
      if (attempts !== undefined) {
        this.db.prepare('UPDATE connections SET retry_at = ?, backoff_attempts = ? WHERE id = ?')
          .run(retryAfterBackoff(now, attempts, this.random).toISOString(), attempts + 1, id);
      }
      const message = e instanceof Error ? e.message : String(e);
      this.notify({ type: 'error', connection_id: id, message });
      return this.refusedSummary(id, state, 'internal_error', `The synchronization could not run: ${message}`);
    }
    this.watch(this.deps.now(), id);
    return summary;
  }

  private refusedSummary(id: number, state: ConnectionState, code: string, message: string): SyncSummary {
    return { connection_id: id, ok: false, state, fetched: 0, stored: 0, duplicates: 0, pending: 0, error: { code, message } };
  }

  /** Waiting and blocked notifications (once per wait) and consent reminders (once each). */
  private watch(now: Date, onlyId?: number): void {
    const rows = this.db
      .prepare(
        `SELECT id, institution_name, state, state_action, blocked_reason, consent_expires_at, consent_reminded_days
         FROM connections ${onlyId === undefined ? '' : 'WHERE id = ?'} ORDER BY id`,
      )
      .all(...(onlyId === undefined ? [] : [onlyId])) as WatchRow[];
    for (const r of rows) {
      const key = r.state === 'waiting_for_user' ? `waiting:${r.state_action}` : r.state === 'blocked' ? `blocked:${r.blocked_reason}` : null;
      if (key === null) this.notified.delete(r.id);
      else if (this.notified.get(r.id) !== key) {
        this.notified.set(r.id, key);
        this.notify(r.state === 'blocked'
          ? { type: 'blocked', connection_id: r.id, reason: r.blocked_reason, action: 'reactivate' }
          : { type: 'waiting_for_user', connection_id: r.id, action: r.state_action });
      }
      if (r.state !== 'disconnected') this.remindConsent(r, now);
    }
  }

  private remindConsent(r: WatchRow, now: Date): void {
    const days = consentDaysLeft(r, now);
    if (days === null || days <= 0) return;
    const threshold = [...CONSENT_REMINDER_DAYS].reverse().find((t) => days <= t);
    if (threshold === undefined) {
      // Renewed: the reminders start over for the new consent.
      if (r.consent_reminded_days !== null) this.db.prepare('UPDATE connections SET consent_reminded_days = NULL WHERE id = ?').run(r.id);
      return;
    }
    if (r.consent_reminded_days !== null && r.consent_reminded_days <= threshold) return;
    const db = this.db;
    const posted = db.transaction(() => {
      // Conditional, so that two processes never post the same reminder.
      const claimed = db
        .prepare('UPDATE connections SET consent_reminded_days = ? WHERE id = ? AND (consent_reminded_days IS NULL OR consent_reminded_days > ?)')
        .run(threshold, r.id, threshold);
      if (claimed.changes !== 1) return null;
      const end = r.consent_expires_at!.slice(0, 10);
      return postChatter(db, {
        connectionId: r.id, level: 'warning', at: now,
        text: `Your consent to share data from ${r.institution_name} ends in ${days} day${days === 1 ? '' : 's'} (${end}). Use Reconnect to renew it; your journals and history are kept.`,
        message: { key: 'schedule.consent_expiring', params: { institution: r.institution_name, days, end } },
      });
    })();
    if (!posted) return;
    this.deps.onChatter?.(posted);
    this.notify({ type: 'consent_expiring', connection_id: r.id, days_left: days, consent_expires_at: r.consent_expires_at!, action: 'reconnect' });
  }

  private switchOffAutoSync(id: number, now: Date): void {
    const db = this.db;
    const posted = db.transaction(() => {
      if (db.prepare('UPDATE connections SET auto_sync = 0 WHERE id = ? AND auto_sync = 1').run(id).changes !== 1) return null;
      return postChatter(db, { connectionId: id, level: 'warning', text: AUTO_SYNC_REFUSED_TEXT, message: { key: 'outcome.automatic_sync_refused' }, at: now });
    })();
    if (!posted) return;
    this.deps.onChatter?.(posted);
    this.notify({ type: 'auto_sync_off', connection_id: id });
  }

  private async institution(id: number, now: Date): Promise<Institution | undefined> {
    if (!this.deps.institutionOf) return undefined;
    const cached = this.institutions.get(id);
    if (cached && now.getTime() - cached.at < INSTITUTION_TTL_MS && now.getTime() >= cached.at) return cached.institution;
    try {
      const institution = await this.deps.institutionOf(id);
      this.institutions.set(id, { at: now.getTime(), institution });
      return institution;
    } catch {
      // Unknown for now: plan with what the provider reported.
      return cached?.institution;
    }
  }

  /** A probe that fails says nothing: carry on, the engine backs off on real network errors. */
  private async online(): Promise<boolean> {
    try {
      return await this.deps.isOnline();
    } catch {
      return true;
    }
  }

  private readonly random = (): number => (this.deps.random ? this.deps.random() : Math.random());

  private notify(e: SchedulerEvent): void {
    try {
      this.deps.notify?.(e);
    } catch {
      // A listener's failure must not stop the schedule.
    }
  }
}
