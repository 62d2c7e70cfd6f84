// Property: whatever order, repeats, page sizes, late bookings, pending lines posting under
// new ids and crashes between pages a provider throws at the engine, the ledger never holds
// a duplicate, never loses a posted line, its statements chain, and after a complete sync
// its balance is the bank's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Periodicity } from '../../preload/api';
import { openLedger, type Db } from '../../main/ledger/db';
import { checkIntegrity } from '../../main/ledger/integrity';
import { formatAmount } from '../../main/ledger/money';
import { ProviderError } from '../../main/providers/errors';
import type { ConnectionContext, FetchRequest, Provider, ProviderTransaction, TransactionPage } from '../../main/providers/types';
import { addDays } from '../../main/sync/dates';
import { SyncEngine } from '../../main/sync/engine';
import { seedConnection, tempDir } from '../helpers/ledger';

const DAY0 = '2026-01-01';
const day = (n: number) => addDays(DAY0, n);

interface BankTx {
  id: string;
  bookDay: number;
  /** The day the bank first shows it posted (late bookings: after its booking date). */
  visibleDay: number;
  amount: number;
  /** Pending from this day until it posts, under another id. */
  pendingDay: number | null;
  /** Whether the posted one names its pending id (Plaid) or not (most European banks). */
  link: boolean;
}

interface SyncPlan {
  day: number;
  pageSize: number;
  crashAfterPages: number | null;
  repeats: boolean;
  shuffleSeed: number;
}

const txArb = fc.record({
  bookDay: fc.integer({ min: 0, max: 40 }),
  lateBy: fc.integer({ min: 0, max: 5 }),
  // Few distinct amounts, so pending lines of equal amounts make the matching ambiguous.
  amount: fc.constantFrom(-4200, -4200, -1999, 100000, -50, 2500, -73125),
  pendingBefore: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  link: fc.boolean(),
});

const planArb = fc.record({
  day: fc.integer({ min: 0, max: 46 }),
  pageSize: fc.integer({ min: 1, max: 7 }),
  crashAfterPages: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 2 }),
  repeats: fc.boolean(),
  shuffleSeed: fc.integer(),
});

function shuffle<T>(items: T[], seed: number): T[] {
  const a = [...items];
  let s = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The bank as the model says it is on `today`, served in pages as the plan dictates. */
class ModelBank implements Provider {
  readonly name = 'demo' as const;
  readonly displayName = 'Model bank';
  today = 0;
  plan: SyncPlan | null = null;
  private pagesThisSync = 0;

  constructor(private readonly txs: BankTx[], private readonly opening: number) {}

  startSync(plan: SyncPlan): void {
    this.plan = plan;
    this.today = plan.day;
    this.pagesThisSync = 0;
  }
  visiblePosted(): BankTx[] {
    return this.txs.filter((t) => t.visibleDay <= this.today);
  }
  pendingNow(): BankTx[] {
    return this.txs.filter((t) => t.pendingDay !== null && t.pendingDay <= this.today && this.today < t.visibleDay);
  }
  balance(): number {
    return this.opening + this.visiblePosted().reduce((s, t) => s + t.amount, 0);
  }
  async listInstitutions() {
    return [];
  }
  async startConsent(): Promise<{ url: string }> {
    throw new Error('unused');
  }
  async completeConsent(): Promise<never> {
    throw new Error('unused');
  }
  async listAccounts() {
    return [{ id: 'acc-1', name: 'Current', currency: 'EUR', balance: formatAmount(this.balance(), 'EUR') }];
  }
  async fetchTransactions(_ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const plan = this.plan!;
    if (plan.crashAfterPages !== null && this.pagesThisSync === plan.crashAfterPages) {
      throw new ProviderError('network', 'connection reset (simulated crash between pages)');
    }
    this.pagesThisSync++;
    const c = req.cursor ? (JSON.parse(req.cursor) as { since: string; until: string; offset: number }) : { since: req.since, until: req.until, offset: 0 };
    const list = this.visiblePosted()
      .filter((t) => day(t.bookDay) >= c.since && day(t.bookDay) <= c.until)
      .sort((a, b) => a.bookDay - b.bookDay || (a.id < b.id ? -1 : 1));
    const slice = list.slice(c.offset, c.offset + plan.pageSize);
    const repeats = plan.repeats ? list.slice(Math.max(0, c.offset - 2), c.offset + 1) : [];
    const next = c.offset + plan.pageSize;
    const toTx = (t: BankTx): ProviderTransaction => ({
      id: t.id,
      date: day(t.bookDay),
      amount: formatAmount(t.amount, 'EUR'),
      currency: 'EUR',
      paymentRef: `Payment ${t.id}`,
      ...(t.link && t.pendingDay !== null ? { pendingId: `P-${t.id}` } : {}),
    });
    return {
      posted: shuffle([...slice, ...repeats], plan.shuffleSeed).map(toTx),
      pending: c.offset === 0
        ? this.pendingNow().map((t) => ({ id: `P-${t.id}`, date: day(t.pendingDay!), amount: formatAmount(t.amount, 'EUR'), currency: 'EUR', paymentRef: `Pending ${t.id}` }))
        : [],
      nextCursor: next < list.length ? JSON.stringify({ ...c, offset: next }) : null,
      hasMore: next < list.length,
      pendingIsSnapshot: true,
    };
  }
}

function ledgerIds(db: Db): string[] {
  return db.prepare(`SELECT provider_id FROM line_provider_ids WHERE kind = 'transaction'`).pluck().all() as string[];
}

test('random provider histories never duplicate, never lose, always chain and end at the bank balance', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(txArb, { minLength: 0, maxLength: 40 }),
      fc.array(planArb, { minLength: 1, maxLength: 7 }),
      fc.integer({ min: -100000, max: 1000000 }),
      fc.constantFrom<Periodicity>('none', 'day', 'week', 'bimonthly', 'month'),
      async (raw, plans, opening, periodicity) => {
        const txs: BankTx[] = raw.map((r, i) => ({
          id: `B${i}`,
          bookDay: r.bookDay,
          visibleDay: r.bookDay + r.lateBy,
          amount: r.amount,
          pendingDay: r.pendingBefore === null ? null : Math.max(0, r.bookDay - r.pendingBefore),
          link: r.link,
        }));
        const bank = new ModelBank(txs, opening);
        const path = join(tmp.dir, `ledger-${n++}.sqlite`);
        let db = openLedger(path);
        const { connectionId } = seedConnection(db, { periodicity, timezone: 'UTC' });
        const schedule = [...plans].sort((a, b) => a.day - b.day);
        // The last synchronization is complete: no crash, after everything became visible.
        schedule.push({ day: 50, pageSize: 5, crashAfterPages: null, repeats: false, shuffleSeed: 1 });
        try {
          for (const plan of schedule) {
            bank.startSync(plan);
            const engine = new SyncEngine(db, { now: () => new Date(`${day(plan.day)}T12:00:00Z`) });
            const r = await engine.run(connectionId, bank, { trigger: 'scheduled' });
            if (!r.ok) {
              // A crash between pages: the process dies, the file stays; start again from it.
              db.close();
              db = openLedger(path);
            }
            const ids = ledgerIds(db);
            assert.equal(new Set(ids).size, ids.length, 'no duplicate provider id');
            const visible = new Set(bank.visiblePosted().map((x) => x.id));
            for (const id of ids) assert.ok(visible.has(id), `${id} is a real posted transaction`);
            const structural = checkIntegrity(db).filter((p) => p.kind !== 'balance_mismatch');
            assert.deepEqual(structural, [], 'statements chain and hold their lines');
          }
          const ids = new Set(ledgerIds(db));
          for (const tx of bank.visiblePosted()) assert.ok(ids.has(tx.id), `posted ${tx.id} is in the ledger`);
          const bankLines = db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE kind = 'bank'`).pluck().get();
          assert.equal(bankLines, bank.visiblePosted().length, 'one line per posted transaction');
          assert.deepEqual(checkIntegrity(db), [], 'after a complete sync the ledger equals the bank');
          const balance = db.prepare('SELECT COALESCE(SUM(amount), 0) FROM statement_lines').pluck().get();
          assert.equal(balance, bank.balance());
          const pending = (db.prepare('SELECT provider_id FROM pending_lines').pluck().all() as string[]).sort();
          assert.deepEqual(pending, bank.pendingNow().map((x) => `P-${x.id}`).sort(), 'pending lines are the bank\'s pending ones');
        } finally {
          db.close();
        }
      },
    ),
    { numRuns: 300 },
  );
});
