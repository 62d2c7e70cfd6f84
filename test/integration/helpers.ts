// Helpers of the end-to-end CLI tests: run the real `bin/ledgerlink.mjs` in a child process
// against throw-away data folders, and ask the Demo Bank (in this process) what it holds.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAmount } from '../../main/ledger/money';
import { bankLedger, type BankLedger } from '../../main/providers/demo/generator';
import { DEFAULT_SEED } from '../../main/providers/demo/index';
import { findInstitution, type DemoInstitution } from '../../main/providers/demo/institutions';

/** The project root: the CLI runs from here, as `npx ledgerlink` would. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'bin', 'ledgerlink.mjs');

/** The instant every test starts at, so the Demo Bank's data is the same on every run. */
export const NOW = '2026-06-15T10:00:00Z';
const DAY_MS = 86_400_000;

export function daysAfter(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Passed as `--data-dir DIR` before the command; omitted when undefined. */
  dataDir?: string | undefined;
  /** LEDGERLINK_NOW of the child (default NOW). */
  now?: string;
  /** Extra environment; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

/** Every folder made here, removed by cleanupAll(). */
const made: string[] = [];

/** A fresh, empty folder, removed at the end of the run. */
export function tempDir(prefix = 'ledgerlink-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A copy of a data folder (the CLI that wrote it has exited, so the files are at rest). */
export function copyDir(src: string): string {
  const dir = tempDir('ledgerlink-cli-copy-');
  cpSync(src, dir, { recursive: true });
  return dir;
}

export function cleanupAll(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * A home for the child where the OS app-data default points, so a CLI that ignored
 * --data-dir would write here and never into the real user's folders.
 */
let sandboxHome: string | undefined;
export function sandbox(): string {
  sandboxHome ??= tempDir('ledgerlink-cli-home-');
  return sandboxHome;
}

/** Runs `node bin/ledgerlink.mjs [--data-dir DIR] ...args` and collects its exit code and output. */
export function cli(args: string[], o: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    TZ: 'UTC',
    LEDGERLINK_NOW: o.now ?? NOW,
    LEDGERLINK_DATA_DIR: undefined,
    XDG_CONFIG_HOME: join(sandbox(), '.config'),
    HOME: sandbox(),
    NODE_OPTIONS: undefined,
    ...o.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const argv = [CLI, ...(o.dataDir !== undefined ? ['--data-dir', o.dataDir] : []), ...args];
  return new Promise((resolvePromise, reject) => {
    const child = execFile(process.execPath, argv, {
      cwd: ROOT, env: env as NodeJS.ProcessEnv, timeout: o.timeoutMs ?? 600_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8',
    }, (err, stdout, stderr) => {
      if (err && (err.killed || typeof err.code !== 'number')) {
        reject(new Error(`ledgerlink ${args.join(' ')} did not finish (${err.signal ?? err.message})\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      resolvePromise({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** A readable account of a run, for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(0, 4000)}\n--- stderr ---\n${r.stderr.slice(0, 4000)}`;
}

/** Runs a `--json` command that must succeed and parses the one array it prints. */
export async function cliJson<T>(args: string[], o: RunOptions = {}): Promise<T[]> {
  const r = await cli(['--json', ...args], o);
  if (r.code !== 0) throw new Error(`ledgerlink --json ${args.join(' ')} failed: ${show(r)}`);
  const parsed: unknown = JSON.parse(r.stdout);
  if (!Array.isArray(parsed)) throw new Error(`ledgerlink --json ${args.join(' ')} printed no array: ${r.stdout.slice(0, 500)}`);
  return parsed as T[];
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function institution(id: string): DemoInstitution {
  const i = findInstitution(id);
  if (!i) throw new Error(`no demo institution ${id}`);
  return i;
}

/** The Demo Bank's truth for one account, with the seed the app uses. */
export function bank(institutionId: string, accountId: string, now: string = NOW): BankLedger {
  return bankLedger({ seed: DEFAULT_SEED, institutionId, accountId, now: new Date(now) });
}

/** The journal the `demo` command creates for an account is named "<institution> <account>". */
export function journalNameOf(inst: DemoInstitution, accountName: string): string {
  return `${inst.name} ${accountName}`;
}

/** Checks every `<field>_decimal` of a JSON row against formatAmount of its integer twin. */
export function decimalMismatches(row: Record<string, unknown>, currencyOf: (field: string) => string | null): string[] {
  const problems: string[] = [];
  for (const [key, text] of Object.entries(row)) {
    if (!key.endsWith('_decimal')) continue;
    const field = key.slice(0, -'_decimal'.length);
    const minor = row[field];
    if (minor === null || minor === undefined) {
      if (text !== null) problems.push(`${key} is ${JSON.stringify(text)} but ${field} is ${String(minor)}`);
      continue;
    }
    const currency = currencyOf(field);
    if (typeof minor !== 'number' || currency === null) {
      problems.push(`${key}: ${field} is ${JSON.stringify(minor)} (currency ${String(currency)})`);
      continue;
    }
    const expected = formatAmount(minor, currency);
    if (text !== expected) problems.push(`${key} is ${JSON.stringify(text)}, expected ${expected} (${field} = ${minor} ${currency})`);
  }
  return problems;
}
