// npm run bench [-- --json] [-- --rows N]
// Ingest N posted transactions (default 1,000,000) into one journal through the sync engine
// (normalize, dedup, statements, one commit per provider page), and in the same run insert
// the same rows with one plain prepared-statement loop into the same table of a fresh ledger,
// committing at the same page size. Prints rows/s of both, their ratio (target: engine at
// >= 0.5 of the plain insert) and peak memory; --json writes bench-results/ingest.json too.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../main/ledger/db';
import { parseAmount } from '../../main/ledger/money';
import type { ConnectionContext, FetchRequest, Provider, ProviderTransaction, TransactionPage } from '../../main/providers/types';
import { addDays } from '../../main/sync/dates';
import { SyncEngine } from '../../main/sync/engine';
import { seedConnection } from '../helpers/ledger';

const args = process.argv.slice(2);
const json = args.includes('--json');
const rowsArg = args.indexOf('--rows');
const ROWS = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 1_000_000;
const idsArg = args.indexOf('--ids');
// 'sequential': ids that grow with time, as most banks and Salt Edge issue them (the
// headline figure). 'random': opaque random ids, as Plaid issues them, which land all over
// the uniqueness index and cost SQLite far more page writes per commit.
const ID_STYLE = idsArg >= 0 ? args[idsArg + 1] : 'sequential';
if (ID_STYLE !== 'sequential' && ID_STYLE !== 'random') throw new Error('--ids takes sequential or random');
const roundsArg = args.indexOf('--rounds');
// Runs alternate (plain, engine, plain, engine...) and the medians are compared, so a busy
// moment of the machine does not land on one side only.
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 3;
const PAGE = 500;
const START = '2024-01-01';
const PER_DAY = Math.ceil(ROWS / 700);
const TODAY = addDays(START, Math.ceil(ROWS / PER_DAY) + 1);

const PARTNERS = ['Albert Heijn', 'Shell', 'Coolblue', 'KPN', 'NS Reizen', 'Bol.com', 'Jumbo', 'Praxis'];
const dates: string[] = [];

/** A 37-character opaque id like Plaid's, a fixed function of i (so both runs see the same). */
function randomId(i: number): string {
  return createHash('sha1').update(String(i)).digest('base64url').slice(0, 27) + String(i % 1e10).padStart(10, '0');
}

/** The i-th transaction of the synthetic bank: cheap and deterministic, the same for both runs. */
function txAt(i: number): ProviderTransaction {
  const d = Math.floor(i / PER_DAY);
  const date = (dates[d] ??= addDays(START, d));
  const cents = ((i * 7919) % 200000) - 150000;
  const abs = Math.abs(cents);
  return {
    id: ID_STYLE === 'random' ? randomId(i) : `tx-${String(i).padStart(10, '0')}`,
    date,
    amount: `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`,
    currency: 'EUR',
    paymentRef: `Card payment ${i}`,
    partnerName: PARTNERS[i % PARTNERS.length]!,
    raw: { mcc: 5411 + (i % 7) },
  };
}

class BulkBank implements Provider {
  readonly name = 'demo' as const;
  readonly displayName = 'Bench bank';
  async listInstitutions() { return []; }
  async startConsent(): Promise<{ url: string }> { throw new Error('unused'); }
  async completeConsent(): Promise<never> { throw new Error('unused'); }
  async listAccounts() {
    return [{ id: 'acc-1', name: 'Bench', currency: 'EUR', balance: '0' }];
  }
  async fetchTransactions(_ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const offset = req.cursor ? Number(req.cursor) : 0;
    const end = Math.min(ROWS, offset + PAGE);
    const posted: ProviderTransaction[] = [];
    for (let i = offset; i < end; i++) posted.push(txAt(i));
    return { posted, pending: [], nextCursor: end < ROWS ? String(end) : null, hasMore: end < ROWS };
  }
}

/** Peak memory seen while each side ran (sampled after every page). */
const peak = { plain: { rss: 0, heap: 0 }, engine: { rss: 0, heap: 0 } };
let phase: keyof typeof peak = 'plain';
function sample(): void {
  const m = process.memoryUsage();
  peak[phase].rss = Math.max(peak[phase].rss, m.rss);
  peak[phase].heap = Math.max(peak[phase].heap, m.heapUsed);
}

async function engineRun(dir: string, round: number) {
  const db = openLedger(join(dir, `engine-${round}.sqlite`));
  const { connectionId } = seedConnection(db, { timezone: 'UTC' });
  const engine = new SyncEngine(db, { now: () => new Date(`${TODAY}T12:00:00Z`), onProgress: sample });
  const t0 = process.hrtime.bigint();
  const r = await engine.run(connectionId, new BulkBank(), { trigger: 'manual' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE kind = 'bank'`).pluck().get() as number;
  db.close();
  if (!r.ok || lines !== ROWS) throw new Error(`engine run failed: ${JSON.stringify(r)}, ${lines} lines`);
  return { seconds, rowsPerSecond: ROWS / seconds };
}

function plainRun(dir: string, round: number) {
  const db = openLedger(join(dir, `plain-${round}.sqlite`));
  const { journalId, accountId } = seedConnection(db, { timezone: 'UTC' });
  const statementId = db.prepare(
    `INSERT INTO statements (journal_id, name, date, date_end, period, balance_start, balance_end, balance_end_real) VALUES (?, 'plain', ?, ?, 'none', 0, 0, 0) RETURNING id`,
  ).pluck().get(journalId, START, TODAY) as number;
  const insert = db.prepare(
    `INSERT INTO statement_lines (journal_id, statement_id, online_account_id, date, amount, currency, payment_ref,
       partner_name, account_number, foreign_amount, foreign_currency, exchange_rate, kind, match_reason, raw, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bank', ?, ?, ?)`,
  );
  const createdAt = new Date().toISOString();
  const t0 = process.hrtime.bigint();
  const page = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const t = txAt(i);
      insert.run(journalId, statementId, accountId, t.date, parseAmount(t.amount, t.currency), t.currency, t.paymentRef,
        t.partnerName, null, null, null, null, null, JSON.stringify(t.raw), createdAt);
    }
  });
  for (let from = 0; from < ROWS; from += PAGE) {
    page(from, Math.min(ROWS, from + PAGE));
    sample();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return { seconds, rowsPerSecond: ROWS / seconds };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerlink-bench-'));
  try {
    const plains: { seconds: number; rowsPerSecond: number }[] = [];
    const engines: { seconds: number; rowsPerSecond: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      phase = 'plain';
      plains.push(plainRun(dir, round));
      phase = 'engine';
      engines.push(await engineRun(dir, round));
      rmSync(join(dir, `plain-${round}.sqlite`), { force: true });
      rmSync(join(dir, `engine-${round}.sqlite`), { force: true });
    }
    const median = (xs: { seconds: number; rowsPerSecond: number }[]) => [...xs].sort((a, b) => a.seconds - b.seconds)[Math.floor(xs.length / 2)]!;
    const plain = median(plains);
    const engine = median(engines);
    const result = {
      benchmark: 'ingest',
      rows: ROWS,
      ids: ID_STYLE,
      page_size: PAGE,
      rounds: ROUNDS,
      engine_seconds_each: engines.map((e) => Number(e.seconds.toFixed(2))),
      plain_seconds_each: plains.map((e) => Number(e.seconds.toFixed(2))),
      engine_rows_per_second: Math.round(engine.rowsPerSecond),
      plain_rows_per_second: Math.round(plain.rowsPerSecond),
      ratio: Number((engine.rowsPerSecond / plain.rowsPerSecond).toFixed(3)),
      target_ratio: 0.5,
      engine_seconds: Number(engine.seconds.toFixed(2)),
      plain_seconds: Number(plain.seconds.toFixed(2)),
      engine_peak_rss_mb: Math.round(peak.engine.rss / 2 ** 20),
      engine_peak_heap_mb: Math.round(peak.engine.heap / 2 ** 20),
      plain_peak_rss_mb: Math.round(peak.plain.rss / 2 ** 20),
      plain_peak_heap_mb: Math.round(peak.plain.heap / 2 ** 20),
      node: process.version,
    };
    if (json) {
      mkdirSync('bench-results', { recursive: true });
      writeFileSync(`bench-results/ingest-${ID_STYLE}.json`, JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(JSON.stringify(result) + '\n');
    } else {
      process.stdout.write(
        `ingest of ${ROWS.toLocaleString('en')} posted transactions (${ID_STYLE} ids, pages of ${PAGE}), median of ${ROUNDS} alternating rounds\n` +
          `  plain prepared-statement loop: ${result.plain_rows_per_second.toLocaleString('en')} rows/s (${result.plain_seconds} s)\n` +
          `  sync engine:                   ${result.engine_rows_per_second.toLocaleString('en')} rows/s (${result.engine_seconds} s)\n` +
          `  ratio engine/plain:            ${result.ratio} (target >= ${result.target_ratio}) ${result.ratio >= result.target_ratio ? 'MET' : 'NOT MET'}\n` +
          `  peak memory, engine: RSS ${result.engine_peak_rss_mb} MiB, heap ${result.engine_peak_heap_mb} MiB; ` +
          `plain loop: RSS ${result.plain_peak_rss_mb} MiB, heap ${result.plain_peak_heap_mb} MiB\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
