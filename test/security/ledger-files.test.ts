// What Ledgerlink does with the files of its data folder when something is wrong with them:
// a damaged ledger, another application's SQLite file, a backup cut short by a kill, a
// read-only folder, a full disk. Each test runs the real CLI (`bin/ledgerlink.mjs`) in a child
// process on a real SQLite file and checks what the user sees and what is left on disk.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { IntegrityProblem, JournalView } from '../../preload/api';
import { openLedger } from '../../main/ledger/db';
import { APPLICATION_ID } from '../../main/ledger/migrations/0007-application-id';
import { CLI, NOW, ROOT, cleanupAll, cli, cliJson, daysAfter, sha256, show, tempDir, type CliResult } from '../integration/helpers';

after(cleanupAll);

/** The files of a folder and their hashes: what "left untouched" means. */
function snapshotOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return [path.slice(dir.length + 1), sha256(path)];
    })
    .sort(([a], [b]) => a!.localeCompare(b!)));
}

/** A new Demo Bank ledger made by the CLI, whose data is fixed by NOW. */
async function demoLedger(dataDir: string): Promise<void> {
  const r = await cli(['--quiet', 'demo'], { dataDir });
  assert.equal(r.code, 0, show(r));
}

/** The path of a leaf page of the index behind the dedup ids (line_provider_ids), and its offset. */
function dedupIndexPage(path: string): { offset: number; size: number } {
  const db = new Database(path);
  try {
    const size = db.pragma('page_size', { simple: true }) as number;
    const page = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'line_provider_ids_line' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1`).pluck().get() as number | undefined;
    assert.ok(page, 'the dedup index has leaf pages');
    return { offset: (page - 1) * size, size };
  } finally {
    db.close();
  }
}

test('check finds bytes flipped in the dedup index, says what to do, and the damaged ledger is not synchronized', async () => {
  const dataDir = tempDir();
  const path = join(dataDir, 'ledger.sqlite');
  // A ledger from before the last migration, so the CLI takes a backup when it migrates it.
  openLedger(path, { targetVersion: 6 }).close();
  await demoLedger(dataDir);
  const backups = readdirSync(dataDir).filter((f) => f.endsWith('.bak'));
  assert.equal(backups.length, 1, `one backup before the migration: ${readdirSync(dataDir).join(', ')}`);
  const clean = await cli(['check'], { dataDir });
  assert.equal(clean.code, 0, show(clean));

  // Flip 64 bytes among the cells of one leaf page of the index, as a failing disk would.
  const { offset, size } = dedupIndexPage(path);
  const fd = openSync(path, 'r+');
  const at = offset + size - 256;
  const bytes = Buffer.alloc(64);
  const data = readFileSync(path).subarray(at, at + 64);
  for (let i = 0; i < 64; i++) bytes[i] = data[i]! ^ 0xff;
  writeSync(fd, bytes, 0, 64, at);
  closeSync(fd);
  const damaged = sha256(path);

  const check = await cli(['check'], { dataDir });
  assert.equal(check.code, 1, show(check));
  assert.doesNotMatch(check.stdout, /Ledger OK/);
  assert.match(check.stdout, /The ledger file is damaged/, show(check));
  assert.match(check.stdout, /Do not synchronize until it is repaired/);
  assert.ok(check.stdout.includes(join(dataDir, backups[0]!)), `names the backup to put back: ${show(check)}`);
  const json = await cli(['--json', 'check'], { dataDir });
  assert.equal(json.code, 1, show(json));
  assert.equal((JSON.parse(json.stdout) as IntegrityProblem[])[0]?.kind, 'file_damaged');

  const sync = await cli(['sync'], { dataDir, now: daysAfter(NOW, 3) });
  assert.equal(sync.code, 1, show(sync));
  assert.match(sync.stderr, /is damaged.*ledgerlink check/s, show(sync));
  assert.equal(sha256(path), damaged, 'nothing was written into the damaged file');
});

test("another application's SQLite file is refused and left byte-for-byte as it was", async () => {
  const cases = [
    { name: 'user_version 0, no mark', userVersion: 0, appId: 0 },
    { name: 'user_version 3, no mark', userVersion: 3, appId: 0 },
    { name: "another application's mark", userVersion: 6, appId: 0x0f055112 },
  ];
  for (const c of cases) {
    const dataDir = tempDir();
    const path = join(dataDir, 'ledger.sqlite');
    const db = new Database(path);
    db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL); INSERT INTO notes (text) VALUES ('my notes'), ('not a ledger');`);
    db.pragma(`user_version = ${c.userVersion}`);
    db.pragma(`application_id = ${c.appId}`);
    db.close();
    const before = snapshotOf(dataDir);

    for (const command of [['journals'], ['check'], ['--quiet', 'demo']]) {
      const r = await cli(command, { dataDir });
      assert.equal(r.code, 1, `${c.name}, ${command.join(' ')}: ${show(r)}`);
      assert.match(r.stderr, /is not a Ledgerlink ledger: it is another application's SQLite database/, `${c.name}: ${show(r)}`);
      assert.match(r.stderr, /left untouched/);
      assert.deepEqual(snapshotOf(dataDir), before, `${c.name}, ${command.join(' ')}: same bytes, no -wal, -shm or backup beside it`);
    }
  }
});

test('a ledger from before the mark is recognised by its own records, marked, and backed up first', async () => {
  const dataDir = tempDir();
  const path = join(dataDir, 'ledger.sqlite');
  openLedger(path, { targetVersion: 6 }).close();
  assert.equal(readFileSync(path).readUInt32BE(68), 0, 'no mark yet');
  const r = await cli(['journals'], { dataDir });
  assert.equal(r.code, 0, show(r));
  assert.equal(readFileSync(path).readUInt32BE(68), APPLICATION_ID, 'marked with PRAGMA application_id');
  assert.equal(readdirSync(dataDir).filter((f) => /^ledger\.sqlite\.v6-.*\.bak$/.test(f)).length, 1);
});

/** The pid of a process that has exited: a killed run's pid. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

test('a backup cut short by a kill is removed, and the next run leaves one complete backup', async () => {
  const dataDir = tempDir();
  const path = join(dataDir, 'ledger.sqlite');
  const old = openLedger(path, { targetVersion: 6 });
  old.exec(`INSERT INTO settings (key, value) VALUES ('lock_date', '2025-12-31')`);
  old.close();
  // What a kill -9 during the pre-migration VACUUM INTO leaves: the temporary file, half written.
  const partial = `ledger.sqlite.v6-2026-06-15T09-59-00-000Z.bak.${await deadPid()}.partial`;
  writeFileSync(join(dataDir, partial), readFileSync(path).subarray(0, 4096));

  const r = await cli(['journals'], { dataDir });
  assert.equal(r.code, 0, show(r));
  const files = readdirSync(dataDir);
  assert.ok(!files.some((f) => f.includes('.partial')), `no partial backup left: ${files.join(', ')}`);
  const backups = files.filter((f) => f.endsWith('.bak'));
  assert.equal(backups.length, 1, `one complete backup: ${files.join(', ')}`);
  const backup = new Database(join(dataDir, backups[0]!), { readonly: true });
  try {
    assert.equal(backup.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(backup.pragma('user_version', { simple: true }), 6);
    assert.equal(backup.prepare(`SELECT value FROM settings WHERE key = 'lock_date'`).pluck().get(), '2025-12-31', 'the data as it was');
  } finally {
    backup.close();
  }
});

/** An unprivileged user for the child: as root, chmod would not stop a single write. */
const NOBODY = 65534;

/** Runs the CLI as `nobody` when this process is root (setpriv, from util-linux), else as is. */
function cliUnprivileged(args: string[], dataDir: string, home: string): Promise<CliResult> {
  const root = process.getuid?.() === 0;
  const argv = [process.execPath, CLI, '--data-dir', dataDir, ...args];
  const env = { ...process.env, TZ: 'UTC', LEDGERLINK_NOW: NOW, HOME: home, XDG_CONFIG_HOME: join(home, '.config') } as NodeJS.ProcessEnv;
  delete env.LEDGERLINK_DATA_DIR;
  delete env.NODE_OPTIONS;
  const [file, fileArgs] = root ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv]] : [argv[0]!, argv.slice(1)];
  return new Promise((resolve, reject) => {
    execFile(file, fileArgs, { cwd: ROOT, env, timeout: 30_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${file} ${fileArgs.join(' ')} did not run (${err.message}).` +
          (root ? ' As root, this test runs the CLI as nobody through setpriv: apt-get install util-linux.' : '')));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

test('a read-only data folder: the commands that read work, the ones that write say why they cannot, nothing is written', async (t) => {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('setpriv', ['--version']);
    } catch {
      assert.fail('As root, this test needs setpriv to run the CLI as an unprivileged user: apt-get install util-linux');
    }
  }
  const base = tempDir();
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  const home = join(base, 'home');
  mkdirSync(home, { mode: 0o777 });
  chmodSync(home, 0o777);
  await demoLedger(dataDir);
  const journals = await cliJson<JournalView>(['journals'], { dataDir });
  const first = journals[0]!;
  const linesBefore = await cliJson(['lines', String(first.id)], { dataDir });

  chmodSync(join(dataDir, 'demo-bank'), 0o555);
  chmodSync(join(dataDir, 'ledger.sqlite'), 0o444);
  chmodSync(dataDir, 0o555);
  t.after(() => {
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'demo-bank'), 0o755);
  });
  const before = snapshotOf(dataDir);

  const read = async (args: string[]) => {
    const r = await cliUnprivileged(['--json', ...args], dataDir, home);
    assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}`);
    assert.ok(r.stderr.includes(`the data folder ${dataDir} is read-only`), `${args.join(' ')} says so: ${show(r)}`);
    return JSON.parse(r.stdout) as unknown[];
  };
  assert.deepEqual(await read(['journals']), journals);
  assert.equal((await read(['connections'])).length, 1);
  assert.ok((await read(['statements', first.code])).length > 0);
  assert.deepEqual(await read(['lines', String(first.id)]), linesBefore);
  assert.deepEqual(await read(['check']), []);

  for (const args of [['sync'], ['--quiet', 'demo'], ['settings', 'set', 'lock_date', '2026-01-01']]) {
    const r = await cliUnprivileged(args, dataDir, home);
    assert.equal(r.code, 1, `${args.join(' ')}: ${show(r)}`);
    assert.match(r.stderr, new RegExp(`cannot run ${args.find((a) => !a.startsWith('--'))}: the data folder ${dataDir} is read-only`), show(r));
  }
  assert.deepEqual(snapshotOf(dataDir), before, 'no byte written, no -wal or -shm made');
});

/** Fills the disk of `dir` until `leave` bytes are free; returns the filler's path. */
function fillDisk(dir: string, leave: number): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    for (;;) {
      const s = statfsSync(dir);
      const free = s.bavail * s.bsize - leave;
      if (free <= 0) break;
      try {
        writeSync(fd, chunk, 0, Math.min(chunk.length, free));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

test('a full disk: the message says so, names the folder and that nothing was lost; once space is freed the ledger is sound and sync carries on', async (t) => {
  // A real full disk: a 16 MiB tmpfs (mounting needs root, which the CI has).
  const mnt = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
  } catch (e) {
    assert.fail(`This test mounts a small tmpfs to fill it, which needs root (or CAP_SYS_ADMIN): ${(e as Error).message}`);
  }
  t.after(() => execFileSync('umount', ['-l', mnt]));
  const dataDir = join(mnt, 'data');
  await demoLedger(dataDir);
  const wanted = (r: CliResult, what: string) => {
    const text = r.stdout + r.stderr;
    assert.equal(r.code, 1, `${what}: ${show(r)}`);
    assert.match(text, /The disk is full/, `${what}: ${show(r)}`);
    assert.ok(text.includes(`the data folder ${dataDir}`), `${what} names the folder: ${show(r)}`);
    assert.match(text, /Nothing was lost/);
    assert.doesNotMatch(text, /The bank said|Delete it|demo-bank\.json/, `${what}: the bank and its file are not blamed`);
  };

  // No space at all: the ledger cannot even be opened.
  let filler = fillDisk(mnt, 0);
  wanted(await cli(['sync'], { dataDir, now: daysAfter(NOW, 3) }), 'a disk with no space left');
  // A little space: the ledger opens, the sync runs out of space on the way.
  rmSync(filler);
  filler = fillDisk(mnt, 64 * 1024);
  const during = await cli(['sync'], { dataDir, now: daysAfter(NOW, 30) });
  wanted(during, 'a disk that fills up during the sync');
  assert.match(during.stdout, /^Connection 1: FAILED \(connected\): The disk is full/m, `the sync itself says so, and the connection keeps its state: ${show(during)}`);

  const fd = openSync(filler, 'r+');
  ftruncateSync(fd, 0);
  closeSync(fd);
  const check = await cli(['check'], { dataDir });
  assert.equal(check.code, 0, `the ledger is sound after the failures: ${show(check)}`);
  const sync = await cli(['sync'], { dataDir, now: daysAfter(NOW, 30) });
  assert.equal(sync.code, 0, show(sync));
  assert.match(sync.stdout, /synchronized, [1-9]\d* new line/);
  const again = await cli(['check'], { dataDir });
  assert.equal(again.code, 0, show(again));
  assert.ok(existsSync(join(dataDir, 'demo-bank', 'demo-bank.json')));
});
