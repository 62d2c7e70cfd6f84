// A ledger file with N connections, each with its own ScriptedProvider, and schedulers over
// that file whose runSync calls the real SyncEngine: a fake clock drives everything.
import type { Db } from '../../../main/ledger/db';
import { openLedger } from '../../../main/ledger/db';
import type { ConnectionContext, Institution } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { Scheduler, type SchedulerDeps, type SchedulerEvent } from '../../../main/sync/scheduler';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface Request {
  connectionId: number;
  at: number;
  interactive: boolean;
}

export interface Bank {
  connectionId: number;
  provider: ScriptedProvider;
  /** A persistent fault: called before every listAccounts; an error returned is thrown. */
  fault: ((ctx: ConnectionContext) => Error | undefined) | null;
}

export function schedulerSetup(o: { connections?: number; now?: string; institution?: Partial<Institution> | null } = {}) {
  const l = tempLedger();
  const clock = FakeClock.at(o.now ?? '2026-03-20T10:00:00Z');
  const requests: Request[] = [];
  const banks = new Map<number, Bank>();
  for (let i = 0; i < (o.connections ?? 1); i++) {
    const ids = seedConnection(l.db, { code: `BNK${i + 1}` });
    const provider = new ScriptedProvider();
    provider.accounts = [{ id: 'acc-1', name: 'Current account', currency: 'EUR', balance: '10.00', posted: [tx(`c${ids.connectionId}-1`, '2026-03-01', '10.00')], pending: [] }];
    const bank: Bank = { connectionId: ids.connectionId, provider, fault: null };
    const list = provider.listAccounts.bind(provider);
    provider.listAccounts = async (ctx) => {
      requests.push({ connectionId: ids.connectionId, at: clock.ms, interactive: ctx.interactive });
      const e = bank.fault?.(ctx);
      if (e) throw e;
      return list(ctx);
    };
    banks.set(ids.connectionId, bank);
  }
  const institution: Institution | undefined = o.institution === null ? undefined
    : { id: 'bank', name: 'Scripted Bank', country: 'BE', beta: false, historyDays: 730, automaticSync: true, ...o.institution };
  const events: SchedulerEvent[] = [];
  const net = { online: true };
  const randoms: number[] = [];
  const random = () => randoms.shift() ?? 0.5;

  /** What the core's runSync does: the real engine on `db` with the connection's provider. */
  const runSync = (db: Db = l.db): SchedulerDeps['runSync'] => {
    const engine = new SyncEngine(db, { now: clock.now, random });
    return (id, trigger) => engine.run(id, banks.get(id)!.provider, { trigger });
  };
  const scheduler = (extra: Partial<SchedulerDeps> & { db?: Db } = {}) => {
    const db = extra.db ?? l.db;
    return new Scheduler({
      db,
      now: clock.now,
      runSync: runSync(db),
      institutionOf: async () => institution,
      isOnline: async () => net.online,
      notify: (e) => events.push(e),
      random,
      ...extra,
    });
  };

  /** Moves the clock by `step` and ticks, until `duration` has passed. */
  const tickFor = async (s: Scheduler, duration: number, step = MINUTE) => {
    const end = clock.ms + duration;
    while (clock.ms < end) {
      clock.ms += step;
      await s.tick();
    }
  };

  const openAgain = () => openLedger(l.path);
  const conn = (id: number) => l.db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as {
    state: string; state_action: string | null; auto_sync: number; next_refresh: string | null; last_refresh: string | null; retry_at: string | null;
    backoff_attempts: number; failed_logins: number; blocked_reason: string | null; lease_owner: string | null; lease_until: string | null;
    consent_expires_at: string | null; consent_reminded_days: number | null;
  };
  const ids = [...banks.keys()];
  return { ...l, clock, banks, bank: banks.get(ids[0]!)!, ids, requests, events, net, randoms, runSync, scheduler, tickFor, openAgain, conn };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
