// End-to-end tests of the command line: the real `bin/ledgerlink.mjs` in a child process,
// against throw-away data folders, with the clock pinned (LEDGERLINK_NOW) so the Demo Bank's
// data is known here too: bankLedger() is the bank's truth the ledger is compared with.
//
// One folder gets `demo` once; read-only checks share it, tests that change a ledger work on
// a copy of it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { ConnectionView, JournalView, LineView, StatementView, SyncSummary } from '../../preload/api';
import { formatAmount, parseAmount } from '../../main/ledger/money';
import { addDays, isoWeekday } from '../../main/sync/dates';
import { OPENING_LINE_LABEL } from '../../main/sync/engine';
import {
  NOW, bank, cleanupAll, cli, cliJson, copyDir, daysAfter, decimalMismatches, institution, journalNameOf, sandbox, sha256, show,
  tempDir, type CliResult,
} from './helpers';

type Row<T> = T & Record<string, unknown>;
type JournalRow = Row<JournalView>;
type StatementRow = Row<StatementView>;
type LineRow = Row<LineView>;

const TODAY = NOW.slice(0, 10);
const LATER = daysAfter(NOW, 10);
const PLAIN = institution('demo-plain');

/** Exit 2, nothing on stdout, one `ledgerlink: ...` line on stderr. */
function assertUsageError(r: CliResult, what: string): void {
  assert.equal(r.code, 2, `${what}: ${show(r)}`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0]!, /^ledgerlink: \S/, what);
}

function assertOk(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: ${show(r)}`);
}

function assertDecimals(rows: Row<object>[], currencyOf: (row: Record<string, unknown>, field: string) => string | null, required: string[]): void {
  for (const row of rows) {
    for (const f of required) assert.ok(`${f}_decimal` in row, `${f}_decimal missing in ${JSON.stringify(row)}`);
    assert.deepEqual(decimalMismatches(row, (f) => currencyOf(row, f)), [], JSON.stringify(row));
  }
}

const lineCurrency = (row: Record<string, unknown>, field: string) =>
  (field === 'foreign_amount' ? row.foreign_currency : row.currency) as string | null;

function transactionIds(lines: LineView[]): string[] {
  return lines.filter((l) => l.kind === 'bank').map((l) => {
    const ids = l.provider_ids.filter((x) => x.kind === 'transaction');
    assert.equal(ids.length, 1, `line ${l.id} has one transaction id: ${JSON.stringify(l.provider_ids)}`);
    return ids[0]!.id;
  });
}

/** Journals without the fields a synchronization rewrites even when it brings nothing. */
function stable(journals: JournalView[]): unknown[] {
  return journals.map(({ last_sync: _l, ...rest }) => rest);
}

const byDate = (a: { date: string }, b: { date: string }) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);

// The folder every read-only test shares: `demo` run once on an empty folder.
let base: Promise<{ dir: string; demo: CliResult }> | undefined;
function demoFolder(): Promise<{ dir: string; demo: CliResult }> {
  base ??= (async () => {
    const dir = tempDir();
    const demo = await cli(['demo'], { dataDir: dir });
    return { dir, demo };
  })();
  return base;
}
async function baseDir(): Promise<string> {
  const { dir, demo } = await demoFolder();
  assertOk(demo, 'demo');
  return dir;
}

after(cleanupAll);

describe('ledgerlink command line', { concurrency: 3 }, () => {
  test('demo then check succeed on an empty data folder; journals equal the Demo Bank', async () => {
    const { dir, demo } = await demoFolder();
    assertOk(demo, 'demo');
    assert.match(demo.stdout, /Connected Demo Bank \(connection 1\) and synchronized 3 account\(s\)/);
    const check = await cli(['check'], { dataDir: dir });
    assertOk(check, 'check');
    assert.match(check.stdout, /Ledger OK/);
    assert.equal(check.stderr, '');

    const journals = await cliJson<JournalRow>(['journals'], { dataDir: dir });
    assert.equal(journals.length, PLAIN.accounts.length, 'one journal per Demo Bank account');
    assertDecimals(journals, (j) => j.currency as string, ['balance', 'bank_balance']);

    await Promise.all(PLAIN.accounts.map(async (acc) => {
      const j = journals.find((x) => x.name === journalNameOf(PLAIN, acc.name));
      assert.ok(j, `a journal for ${acc.name}: ${JSON.stringify(journals.map((x) => x.name))}`);
      for (const f of ['id', 'line_count', 'statement_count', 'balance', 'bank_balance'] as const) {
        assert.ok(Number.isSafeInteger(j[f]), `${j.code}.${f} is an integer: ${String(j[f])}`);
      }
      assert.match(j.code, /^[A-Z0-9]{1,8}$/);
      assert.equal(j.currency, acc.currency);
      const truth = bank(PLAIN.id, acc.id);
      assert.equal(j.balance, j.bank_balance, `${j.code}: ledger balance = bank balance`);
      assert.equal(j.bank_balance, parseAmount(truth.balance, acc.currency), `${j.code}: the Demo Bank's balance`);
      assert.equal(j.balance_decimal, truth.balance);
      assert.equal(j.pending_count, truth.pending.length, `${j.code}: pending lines`);

      // What the ledger holds: every booked transaction once, plus the opening line that
      // brings the balance from zero to the bank's at the start of its history.
      const lines = await cliJson<LineRow>(['lines', j.code], { dataDir: dir });
      assertDecimals(lines, lineCurrency, ['amount']);
      const opening = lines.filter((l) => l.kind === 'opening');
      assert.ok(opening.length <= 1, `${j.code}: at most one opening line`);
      assert.equal(j.line_count, truth.posted.length + opening.length, `${j.code}: line_count = bank's posted count (+ opening line)`);
      assert.equal(lines.length, j.line_count);
      assert.deepEqual(transactionIds(lines).sort(), truth.posted.map((t) => t.id).sort(), `${j.code}: the bank's transactions, each once`);
      const openingMinor = parseAmount(truth.openingBalance, acc.currency);
      if (openingMinor !== 0) {
        assert.equal(opening.length, 1, `${j.code}: an opening line for ${truth.openingBalance}`);
        assert.equal(opening[0]!.amount, openingMinor);
        assert.equal(opening[0]!.payment_ref, OPENING_LINE_LABEL);
      }
      assert.equal(lines.reduce((s, l) => s + l.amount, 0), j.balance, `${j.code}: lines add up to the balance`);
      const sorted = [...lines].sort(byDate);
      assert.deepEqual(lines.map((l) => l.date), sorted.map((l) => l.date), `${j.code}: lines in date order`);
      for (const t of truth.posted.slice(-20)) {
        const l = lines.find((x) => x.provider_ids.some((p) => p.id === t.id));
        assert.ok(l, `line of ${t.id}`);
        assert.equal(l.date, t.date);
        assert.equal(l.amount_decimal, t.amount);
        assert.equal(l.payment_ref, t.paymentRef);
        assert.equal(l.partner_name, t.partnerName ?? null);
      }
    }));
  });

  test('statements chain up to the bank balance; lines lists one statement by id, journal by id or code', async () => {
    const dir = await baseDir();
    const journals = await cliJson<JournalRow>(['journals'], { dataDir: dir });
    await Promise.all(journals.map(async (j) => {
      const statements = await cliJson<StatementRow>(['statements', j.code], { dataDir: dir });
      assert.equal(statements.length, j.statement_count);
      assert.ok(statements.length > 1, `${j.code} has statements`);
      assertDecimals(statements, () => j.currency, ['balance_start', 'balance_end', 'balance_end_real']);
      assert.equal(statements[0]!.balance_start, 0, `${j.code}: the first statement starts at zero`);
      statements.forEach((s, i) => {
        for (const f of ['id', 'balance_start', 'balance_end', 'balance_end_real', 'line_count'] as const) assert.ok(Number.isSafeInteger(s[f]), `${s.name}.${f}`);
        assert.equal(typeof s.name, 'string');
        if (i > 0) {
          const prev = statements[i - 1]!;
          assert.ok(prev.date <= s.date, `${j.code}: statements in date order`);
          assert.equal(s.balance_start, prev.balance_end_real, `${s.name} starts where ${prev.name} really ends`);
        }
        assert.equal(s.balance_end, s.balance_end_real, `${s.name} is complete`);
      });
      assert.equal(statements.at(-1)!.balance_end_real, j.bank_balance, `${j.code}: the last statement ends at the bank's balance`);
      assert.equal(statements.reduce((n, s) => n + s.line_count, 0), j.line_count);

      // Listed on its own: a statement in the middle, and for the first journal the first and last too.
      const at = j.id === journals[0]!.id ? [0, Math.floor(statements.length / 2), statements.length - 1] : [Math.floor(statements.length / 2)];
      const picks = [...new Set(at)].map((i) => statements[i]!);
      for (const s of picks) {
        const lines = await cliJson<LineRow>(['lines', j.code, '--statement', String(s.id)], { dataDir: dir });
        assert.equal(lines.length, s.line_count, `${s.name}: its line_count lines`);
        assertDecimals(lines, lineCurrency, ['amount']);
        for (const l of lines) {
          assert.equal(l.statement_id, s.id);
          assert.ok(l.date >= s.date && l.date <= s.date_end, `${s.name}: line ${l.id} dated ${l.date} in ${s.date}..${s.date_end}`);
          assert.ok(Array.isArray(l.provider_ids), 'provider_ids is an array');
          for (const p of l.provider_ids) assert.ok(typeof p.id === 'string' && typeof p.kind === 'string', JSON.stringify(p));
          if (l.kind === 'bank') assert.ok(l.provider_ids.some((p) => p.kind === 'transaction'), `bank line ${l.id} has its transaction id`);
          for (const f of ['id', 'date', 'amount', 'currency', 'payment_ref', 'partner_name', 'provider_ids']) assert.ok(f in l, `line has ${f}`);
        }
        assert.equal(lines.reduce((sum, l) => sum + l.amount, 0), s.balance_end - s.balance_start, `${s.name}: lines add up`);
      }
    }));

    const first = journals[0]!;
    const [byCode, byId, byLowerCode, statementsById] = await Promise.all([
      cliJson<LineRow>(['lines', first.code], { dataDir: dir }),
      cliJson<LineRow>(['lines', String(first.id)], { dataDir: dir }),
      cliJson<LineRow>(['lines', first.code.toLowerCase()], { dataDir: dir }),
      cliJson<StatementRow>(['statements', String(first.id)], { dataDir: dir }),
    ]);
    assert.equal(byCode.length, first.line_count);
    assert.deepEqual(byId, byCode, 'lines takes the journal id');
    assert.deepEqual(byLowerCode, byCode, 'the code in any case');
    assert.equal(statementsById.length, first.statement_count, 'statements takes the journal id');

    // The text tables a person reads show the same numbers.
    const text = await cli(['journals'], { dataDir: dir });
    assertOk(text, 'journals');
    for (const j of journals) {
      const row = text.stdout.split('\n').find((l) => l.split(/\s+/)[1] === j.code);
      assert.ok(row, `${j.code} in ${text.stdout}`);
      assert.ok(row.includes(formatAmount(j.balance, j.currency)), row);
    }
  });

  test('a second sync stores nothing; ten days later sync brings the new lines and matches pending ones', async () => {
    const dir = copyDir(await baseDir());
    const before = await cliJson<JournalRow>(['journals'], { dataDir: dir });

    const again = await cli(['sync'], { dataDir: dir });
    assertOk(again, 'second sync');
    assert.match(again.stdout, /^Connection 1: synchronized, 0 new line\(s\)/m);
    const [check, afterAgain] = await Promise.all([cli(['check'], { dataDir: dir }), cliJson<JournalRow>(['journals'], { dataDir: dir })]);
    assertOk(check, 'check after the second sync');
    assert.deepEqual(stable(afterAgain), stable(before), 'a sync with nothing new changes no journal');

    const sync = await cli(['--json', '--quiet', 'sync'], { dataDir: dir, now: LATER });
    assertOk(sync, 'sync ten days later');
    const results = JSON.parse(sync.stdout) as SyncSummary[];
    assert.equal(results.length, 1);
    assert.equal(results[0]!.ok, true);
    assert.ok(results[0]!.stored > 0, 'new lines stored');

    const [laterCheck, journals] = await Promise.all([
      cli(['check'], { dataDir: dir, now: LATER }), cliJson<JournalRow>(['journals'], { dataDir: dir, now: LATER }),
    ]);
    assertOk(laterCheck, 'check ten days later');
    let stored = 0;
    let matched = 0;
    for (const acc of PLAIN.accounts) {
      const j = journals.find((x) => x.name === journalNameOf(PLAIN, acc.name))!;
      const old = before.find((x) => x.id === j.id)!;
      const then = bank(PLAIN.id, acc.id, NOW);
      const now = bank(PLAIN.id, acc.id, LATER);
      assert.equal(j.bank_balance, parseAmount(now.balance, acc.currency), `${j.code}: the bank's new balance`);
      assert.equal(j.balance, j.bank_balance, `${j.code}: ledger = bank`);
      assert.equal(j.pending_count, now.pending.length, `${j.code}: what is pending now`);
      stored += j.line_count - old.line_count;

      const lines = await cliJson<LineRow>(['lines', j.code], { dataDir: dir, now: LATER });
      assert.equal(lines.length, j.line_count);
      const expected = [...new Set([...then.posted, ...now.posted].map((t) => t.id))].sort();
      assert.deepEqual(transactionIds(lines).sort(), expected, `${j.code}: every transaction of both days, once`);

      // Payments pending ten days ago have posted since: each is now one line that says so.
      const stillPending = new Set(now.pending.map((p) => p.id));
      for (const p of then.pending.filter((x) => !stillPending.has(x.id))) {
        const carriers = lines.filter((l) => l.provider_ids.some((x) => x.id === p.id));
        assert.equal(carriers.length, 1, `${j.code}: pending ${p.id} (${p.amount} ${p.partnerName}) became one line`);
        const l = carriers[0]!;
        assert.ok(l.match_reason, `line ${l.id} has a match_reason`);
        assert.ok(l.match_reason.includes(p.id), l.match_reason);
        assert.equal(l.amount_decimal, p.amount);
        assert.equal(l.partner_name, p.partnerName ?? null);
        assert.ok(l.date >= (p.date ?? ''), 'posted on or after the day it was made');
        matched++;
      }
    }
    assert.equal(stored, results[0]!.stored, 'line counts grew by what sync said it stored');
    assert.ok(matched > 0, 'some pending lines were matched');
  });

  test('demo --institution demo-vnd: VND amounts have no decimals', async () => {
    const dir = tempDir();
    const demo = await cli(['demo', '--institution', 'demo-vnd'], { dataDir: dir });
    assertOk(demo, 'demo --institution demo-vnd');
    const vnd = institution('demo-vnd');
    const [check, journals] = await Promise.all([cli(['check'], { dataDir: dir }), cliJson<JournalRow>(['journals'], { dataDir: dir })]);
    assertOk(check, 'check');
    assert.equal(journals.length, 1);
    const j = journals[0]!;
    const truth = bank(vnd.id, vnd.accounts[0]!.id);
    assert.equal(j.currency, 'VND');
    assert.equal(j.name, journalNameOf(vnd, vnd.accounts[0]!.name));
    assert.equal(j.balance, j.bank_balance);
    assert.equal(j.bank_balance, parseAmount(truth.balance, 'VND'));
    assert.equal(j.balance_decimal, truth.balance);
    assert.doesNotMatch(String(j.balance_decimal), /\./);
    assert.doesNotMatch(String(j.bank_balance_decimal), /\./);
    const [statements, lines] = await Promise.all([
      cliJson<StatementRow>(['statements', j.code], { dataDir: dir }), cliJson<LineRow>(['lines', j.code], { dataDir: dir }),
    ]);
    assertDecimals(statements, () => 'VND', ['balance_start', 'balance_end', 'balance_end_real']);
    assertDecimals(lines, lineCurrency, ['amount']);
    for (const s of statements) {
      for (const f of ['balance_start_decimal', 'balance_end_decimal', 'balance_end_real_decimal']) assert.doesNotMatch(String(s[f]), /\./, `${s.name}.${f}`);
    }
    for (const l of lines) assert.match(String(l.amount_decimal), /^-?\d+$/, `line ${l.id}: ${String(l.amount_decimal)}`);
    assert.equal(lines.filter((l) => l.kind === 'bank').length, truth.posted.length);
  });

  test('demo --institution demo-90days: an opening line, and the balance still equals the bank', async () => {
    const dir = tempDir();
    const demo = await cli(['demo', '--institution', 'demo-90days'], { dataDir: dir });
    assertOk(demo, 'demo --institution demo-90days');
    const short = institution('demo-90days');
    const acc = short.accounts[0]!;
    const [check, journals] = await Promise.all([cli(['check'], { dataDir: dir }), cliJson<JournalRow>(['journals'], { dataDir: dir })]);
    assertOk(check, 'check');
    assert.equal(journals.length, 1);
    const j = journals[0]!;
    const truth = bank(short.id, acc.id);
    assert.equal(j.bank_balance, parseAmount(truth.balance, acc.currency));
    assert.equal(j.balance, j.bank_balance);

    const lines = await cliJson<LineRow>(['lines', j.code], { dataDir: dir });
    const opening = lines.filter((l) => l.payment_ref === OPENING_LINE_LABEL);
    assert.equal(opening.length, 1, 'one opening line');
    assert.equal(opening[0]!.kind, 'opening');
    assert.deepEqual(opening[0]!.provider_ids, []);
    // The bank gives 90 days: the ledger holds exactly those, the opening line the rest.
    const oldest = addDays(TODAY, -short.historyDays);
    const inHistory = truth.posted.filter((t) => (t.date ?? '') >= oldest);
    assert.ok(inHistory.length < truth.posted.length, 'the institution gives less than the whole history');
    assert.deepEqual(transactionIds(lines).sort(), inHistory.map((t) => t.id).sort(), 'the 90 days the bank gives, each once');
    const booked = inHistory.reduce((s, t) => s + parseAmount(t.amount, acc.currency), 0);
    assert.equal(opening[0]!.amount, j.bank_balance! - booked, 'the opening line is the balance before those 90 days');
    assert.equal(opening[0]!.date, lines[0]!.date, 'dated the first day of the ledger');
    assert.equal(j.line_count, inHistory.length + 1);
  });

  test('sync failure: an expired consent exits 1 with its description and a reference', async () => {
    const dir = copyDir(await baseDir());
    const later = daysAfter(NOW, 100);
    const before = await cliJson<JournalRow>(['journals'], { dataDir: dir });
    const sync = await cli(['sync', '1'], { dataDir: dir, now: later });
    assert.equal(sync.code, 1, show(sync));
    assert.match(sync.stdout, /Connection 1: FAILED/);
    assert.match(sync.stdout, /consent/i);
    assert.match(sync.stdout, /expired/i);
    assert.match(sync.stdout, /Reference: \S+/);
    assert.match(sync.stdout, /The bank said: Your consent for Demo Bank expired on \d{4}-\d{2}-\d{2}/, 'the bank\'s own description');

    const json = await cli(['--json', '--quiet', 'sync'], { dataDir: dir, now: later });
    assert.equal(json.code, 1, show(json));
    const [result] = JSON.parse(json.stdout) as SyncSummary[];
    assert.equal(result!.ok, false);
    assert.equal(result!.error?.code, 'consent_expired');
    assert.ok(result!.error?.reference, 'the JSON result has the reference too');

    const [connections, journals, check] = await Promise.all([
      cliJson<ConnectionView>(['connections'], { dataDir: dir, now: later }),
      cliJson<JournalRow>(['journals'], { dataDir: dir, now: later }),
      cli(['check'], { dataDir: dir, now: later }),
    ]);
    assert.equal(connections.length, 1);
    assert.equal(connections[0]!.state, 'waiting_for_user');
    assert.equal(connections[0]!.state_action, 'reconnect');
    assert.deepEqual(stable(journals), stable(before), 'a failed sync changes no journal');
    assertOk(check, 'the ledger is still sound');
  });

  test('settings: lock date, weekly periodicity for new lines, auto-sync; invalid values exit 2', async () => {
    const dir = copyDir(await baseDir());
    const journals = await cliJson<JournalRow>(['journals'], { dataDir: dir });
    const current = journals.find((j) => j.name === journalNameOf(PLAIN, PLAIN.accounts[0]!.name))!;
    const other = journals.find((j) => j.id !== current.id)!;

    const set = await cli(['settings', 'set', 'lock_date', '2026-01-31'], { dataDir: dir });
    assertOk(set, 'settings set lock_date');
    assert.equal(set.stdout, 'lock_date = 2026-01-31\n');
    const get = await cli(['settings', 'get', 'lock_date'], { dataDir: dir });
    assertOk(get, 'settings get lock_date');
    assert.equal(get.stdout, '2026-01-31\n');

    assertOk(await cli(['settings', 'set', `journal.${current.code}.periodicity`, 'week'], { dataDir: dir }), 'periodicity week');
    assertOk(await cli(['settings', 'set', 'connection.1.auto_sync', 'off'], { dataDir: dir }), 'auto_sync off');
    const [all, connections] = await Promise.all([
      cliJson<{ key: string; value: string }>(['settings', 'get'], { dataDir: dir }),
      cliJson<ConnectionView>(['connections'], { dataDir: dir }),
    ]);
    const settings = Object.fromEntries(all.map((s) => [s.key, s.value]));
    assert.equal(settings.lock_date, '2026-01-31');
    assert.equal(settings[`journal.${current.code}.periodicity`], 'week');
    assert.equal(settings[`journal.${other.code}.periodicity`], 'month');
    assert.equal(settings['connection.1.auto_sync'], 'off');
    assert.equal(connections[0]!.auto_sync, false, 'connections --json shows auto_sync: false');

    // Invalid values: exit 2, one line, nothing changed.
    const invalid = [
      ['set', 'lock_date', '2026-02-30'], ['set', `journal.${current.code}.periodicity`, 'fortnight'], ['set', 'journal.NOPE.periodicity', 'week'],
      ['set', 'connection.1.auto_sync', 'maybe'], ['set', 'colour', 'blue'], ['get', 'colour'], ['set', 'lock_date'],
    ];
    const results = await Promise.all(invalid.map((args) => cli(['settings', ...args], { dataDir: dir })));
    results.forEach((r, i) => assertUsageError(r, `settings ${invalid[i]!.join(' ')}`));
    const unchanged = await cliJson<{ key: string; value: string }>(['settings', 'get'], { dataDir: dir });
    assert.deepEqual(unchanged, all, 'refused values change no setting');

    // Ten days later the new lines of the weekly journal are filed in weekly statements.
    const oldStatements = await cliJson<StatementRow>(['statements', current.code], { dataDir: dir });
    const oldLines = await cliJson<LineRow>(['lines', current.code], { dataDir: dir });
    assertOk(await cli(['--quiet', 'sync'], { dataDir: dir, now: LATER }), 'sync ten days later');
    const [statements, lines, otherStatements, check] = await Promise.all([
      cliJson<StatementRow>(['statements', current.code], { dataDir: dir, now: LATER }),
      cliJson<LineRow>(['lines', current.code], { dataDir: dir, now: LATER }),
      cliJson<StatementRow>(['statements', other.code], { dataDir: dir, now: LATER }),
      cli(['check'], { dataDir: dir, now: LATER }),
    ]);
    assertOk(check, 'check after the weekly sync');
    const oldIds = new Set(oldLines.map((l) => l.id));
    const newLines = lines.filter((l) => !oldIds.has(l.id));
    assert.ok(newLines.length > 0, 'new lines');
    const oldStatementIds = new Set(oldStatements.map((s) => s.id));
    for (const l of newLines) {
      const s = statements.find((x) => x.id === l.statement_id)!;
      assert.ok(!oldStatementIds.has(s.id), `new line ${l.id} (${l.date}) goes into a new statement, not ${s.name}`);
      assert.equal(isoWeekday(s.date), 1, `${s.name} starts on a Monday`);
      assert.equal(s.date_end, addDays(s.date, 6), `${s.name} is one week`);
      assert.ok(l.date >= s.date && l.date <= s.date_end);
    }
    assert.deepEqual(statements.slice(0, oldStatements.length - 1), oldStatements.slice(0, -1), 'older statements unchanged');
    for (const s of otherStatements) assert.equal(s.date.slice(8), '01', `${other.code} stays monthly: ${s.name}`);
    assert.equal(statements.at(-1)!.balance_end_real, parseAmount(bank(PLAIN.id, PLAIN.accounts[0]!.id, LATER).balance, 'EUR'));
  });

  test('a lock date set before demo: nothing on or before it is recorded, the balance is still the bank\'s', async () => {
    const dir = tempDir();
    assertOk(await cli(['settings', 'set', 'lock_date', '2026-01-31'], { dataDir: dir }), 'settings set lock_date on an empty folder');
    assertOk(await cli(['demo'], { dataDir: dir }), 'demo');
    const [check, journals] = await Promise.all([cli(['check'], { dataDir: dir }), cliJson<JournalRow>(['journals'], { dataDir: dir })]);
    assertOk(check, 'check');
    await Promise.all(PLAIN.accounts.map(async (acc) => {
      const j = journals.find((x) => x.name === journalNameOf(PLAIN, acc.name))!;
      const truth = bank(PLAIN.id, acc.id);
      assert.equal(j.balance, parseAmount(truth.balance, acc.currency), `${j.code}: the bank's balance`);
      const lines = await cliJson<LineRow>(['lines', j.code], { dataDir: dir });
      for (const l of lines) assert.ok(l.date > '2026-01-31', `${j.code}: line ${l.id} dated ${l.date} is after the lock date`);
      const open = truth.posted.filter((t) => (t.date ?? '') > '2026-01-31').map((t) => t.id).sort();
      assert.deepEqual(transactionIds(lines).sort(), open, `${j.code}: the bank's lines after the lock date`);
    }));
  });

  // A journal in a time zone behind UTC, synchronized while its local date is still the day
  // before the Demo Bank's (UTC) date: the window must reach the bank's today.
  test('a journal behind UTC synchronized in the local evening stays equal to the bank', async () => {
    const dir = tempDir();
    const env = { TZ: 'America/Los_Angeles' };
    const evening = '2026-06-15T02:00:00Z'; // 2026-06-14 19:00 in Los Angeles
    assertOk(await cli(['demo'], { dataDir: dir, now: evening, env }), 'demo');
    const acc = PLAIN.accounts[0]!;
    const [j] = (await cliJson<JournalRow>(['journals'], { dataDir: dir, now: evening, env })).filter((x) => x.name === journalNameOf(PLAIN, acc.name));
    const truth = bank(PLAIN.id, acc.id, evening);
    assert.equal(j!.line_count, truth.posted.length + 1, 'every transaction the bank has booked, plus the opening line');
    const nextEvening = daysAfter(evening, 1);
    assertOk(await cli(['--quiet', 'sync'], { dataDir: dir, now: nextEvening, env }), 'sync the next evening');
    const check = await cli(['check'], { dataDir: dir, now: nextEvening, env });
    assertOk(check, 'check the next evening');
  });

  test('bad arguments exit 2 with a one-line error', async () => {
    const dir = await baseDir();
    const [journal] = await cliJson<JournalRow>(['journals'], { dataDir: dir });
    const code = journal!.code;
    const cases: string[][] = [
      ['frobnicate'],
      ['--frobnicate', 'journals'],
      ['statements'],
      ['lines', code, '--statement', 'abc'],
      ['lines', code, '--statement', '999999'],
      ['lines', code, '--statement'],
      ['sync', 'abc'],
      ['statements', 'NOPE'],
      ['lines', '999'],
      ['journals', 'extra'],
      ['statements', code, '--statement', '1'],
      ['--json', 'lines', 'NOPE'],
      [],
    ];
    const results = await Promise.all(cases.map((args) => cli(args, { dataDir: dir })));
    results.forEach((r, i) => assertUsageError(r, `ledgerlink ${cases[i]!.join(' ')}`));
    assert.match(results[0]!.stderr, /unknown command/);
    assert.match(results[1]!.stderr, /unknown option --frobnicate/);
    assert.match(results[3]!.stderr, /--statement/);
    assert.match(results[4]!.stderr, /no statement 999999/);
    assert.match(results[7]!.stderr, /NOPE/);

    // Refused before anything is opened: an empty folder stays empty.
    const empty = tempDir();
    assertUsageError(await cli(['frobnicate'], { dataDir: empty }), 'unknown command on an empty folder');
    assert.deepEqual(readdirSync(empty), []);

    const help = await cli(['--help'], { dataDir: dir });
    assertOk(help, '--help');
    assert.match(help.stdout, /^Usage: ledgerlink/);
  });

  test('a ledger written by a newer version is refused and left byte-for-byte unchanged', async () => {
    const dir = copyDir(await baseDir());
    const file = join(dir, 'ledger.sqlite');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    assert.ok(!existsSync(`${file}-wal`), 'no WAL left behind');
    const hash = sha256(file);
    const files = readdirSync(dir).sort();

    for (const args of [['journals'], ['--json', 'check']]) {
      const r = await cli(args, { dataDir: dir });
      assert.equal(r.code, 1, `${args.join(' ')}: ${show(r)}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /newer version of Ledgerlink/);
      assert.equal(sha256(file), hash, 'the ledger file is unchanged');
      assert.deepEqual(readdirSync(dir).sort(), files, 'no file added (no backup, no WAL)');
    }

    // Same while the newer version still holds it open with the change in its WAL.
    const dir2 = copyDir(await baseDir());
    const file2 = join(dir2, 'ledger.sqlite');
    const holder = new Database(file2);
    try {
      holder.pragma('journal_mode = WAL');
      holder.pragma('wal_autocheckpoint = 0');
      holder.pragma('user_version = 99');
      assert.ok(existsSync(`${file2}-wal`));
      const mainHash = sha256(file2);
      const walHash = sha256(`${file2}-wal`);
      const r = await cli(['journals'], { dataDir: dir2 });
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /newer version of Ledgerlink/);
      assert.equal(sha256(file2), mainHash, 'the ledger file is unchanged');
      assert.equal(sha256(`${file2}-wal`), walHash, 'its WAL is unchanged');
    } finally {
      holder.close();
    }
  });

  test('LEDGERLINK_DATA_DIR is the data folder when --data-dir is absent; --data-dir wins', async () => {
    const dir = await baseDir();
    const [viaEnv, viaOption, optionWins] = await Promise.all([
      cliJson<JournalRow>(['journals'], { env: { LEDGERLINK_DATA_DIR: dir } }),
      cliJson<JournalRow>(['journals'], { dataDir: dir }),
      cliJson<JournalRow>(['journals'], { dataDir: tempDir(), env: { LEDGERLINK_DATA_DIR: dir } }),
    ]);
    assert.equal(viaEnv.length, PLAIN.accounts.length);
    assert.deepEqual(viaEnv, viaOption);
    assert.deepEqual(optionWins, []);

    const fresh = tempDir();
    const r = await cli(['journals'], { env: { LEDGERLINK_DATA_DIR: fresh } });
    assertOk(r, 'journals on a fresh LEDGERLINK_DATA_DIR');
    assert.match(r.stdout, /No journals yet/);
    assert.ok(existsSync(join(fresh, 'ledger.sqlite')), 'the ledger is created in LEDGERLINK_DATA_DIR');

    if (process.platform === 'linux') {
      // Neither: the OS app-data folder ($XDG_CONFIG_HOME/Ledgerlink on Linux).
      const home = sandbox();
      const def = await cli(['journals']);
      assertOk(def, 'journals in the default folder');
      assert.ok(existsSync(join(home, '.config', 'Ledgerlink', 'ledger.sqlite')), 'the ledger is in $XDG_CONFIG_HOME/Ledgerlink');
    }
  });
});
