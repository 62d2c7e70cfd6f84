// kill -9 in the middle of a large sync, several times and at different moments: the ledger
// stays consistent, the next sync carries on, and in the end it holds exactly the bank's
// posted lines with no duplicate and no loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bankLedger, DEFAULT_SEED } from '../../main/providers/demo/index';
import { tempDir } from '../helpers/ledger';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'ledgerlink.mjs');
const NOW = '2026-06-15T10:00:00Z';
const env = { ...process.env, LEDGERLINK_NOW: NOW, TZ: 'UTC' };

/** Starts the CLI and SIGKILLs it once its progress output shows `page >= atPage`. */
function killDuring(args: string[], atPage: number): Promise<{ killedAtPage: number | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let buffer = '';
    let killedAtPage: number | null = null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffer += chunk;
      for (const m of buffer.matchAll(/page (\d+), fetched/g)) {
        const page = Number(m[1]);
        if (killedAtPage === null && page >= atPage) {
          killedAtPage = page;
          child.kill('SIGKILL');
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ killedAtPage, code }));
  });
}

test('SIGKILL at several points of a large sync loses nothing and doubles nothing', { timeout: 240_000 }, async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dataDir = tmp.dir;
  const base = ['--data-dir', dataDir];

  // The first sync of the busy business account is killed early, then three resumed runs
  // are killed further on, one right at its first page.
  const first = await killDuring([...base, 'demo', '--institution', 'demo-busy'], 3);
  assert.equal(first.code, null, 'the demo was killed, not finished');
  assert.ok(first.killedAtPage! >= 3);
  for (const atPage of [1, 40, 90]) {
    const r = await killDuring([...base, 'sync'], atPage);
    assert.ok(r.killedAtPage !== null, `the sync reached page ${atPage} before it was killed (exit ${r.code})`);
  }

  // After each kill the file is a valid ledger; the runs cut short are marked as such next time.
  const final = await run(process.execPath, [CLI, ...base, 'sync'], { cwd: ROOT, env });
  assert.match(final.stdout, /synchronized/);
  const check = await run(process.execPath, [CLI, ...base, 'check'], { cwd: ROOT, env });
  assert.match(check.stdout, /Ledger OK/);

  const bank = bankLedger({ seed: DEFAULT_SEED, institutionId: 'demo-busy', accountId: 'busy-business-eur', now: new Date(NOW) });
  const db = new Database(join(dataDir, 'ledger.sqlite'), { readonly: true });
  t.after(() => db.close());
  const lines = db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE kind = 'bank'`).pluck().get() as number;
  assert.ok(bank.posted.length > 50_000, 'a large history');
  assert.equal(lines, bank.posted.length, 'one ledger line per posted bank transaction');
  const ids = db.prepare(`SELECT provider_id FROM line_provider_ids WHERE kind = 'transaction'`).pluck().all() as string[];
  assert.deepEqual(new Set(ids), new Set(bank.posted.map((p) => p.id)), 'exactly the bank\'s transactions');
  const runs = db.prepare('SELECT result FROM sync_runs ORDER BY id').pluck().all();
  assert.deepEqual(runs, ['interrupted', 'interrupted', 'interrupted', 'interrupted', 'success']);
  const journal = JSON.parse((await run(process.execPath, [CLI, ...base, '--json', 'journals'], { cwd: ROOT, env })).stdout) as { balance: number; bank_balance: number }[];
  assert.equal(journal[0]!.balance, journal[0]!.bank_balance);
});
