// The headless command line over the same core the UI uses. Exit codes: 0 done, 1 a
// command failed (sync error, integrity problem), 2 bad arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { constants as osConstants, homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ConnectStart, JournalView, NotificationEvent, OnlineAccountView, Result } from '../preload/api';
import { Core } from './core/index';
import { EXIT_NATIVE_MODULE, STARTED_BY_CLI_ENV } from './desktop-handover';
import type { electronBinary } from './electron-binary';
import { LEDGER_FILE_NAME, LedgerFileError, readOnlyReason } from './ledger/db';
import { diskFullMessage, isDiskFull } from './ledger/disk-full';
import { formatAmount } from './ledger/money';
import { completeConsentHeadlessly } from './providers/demo/autopilot';
import { clip, readCommandLine, redact } from './cli-args';

class UsageError extends Error {}

const USAGE = `Usage: ledgerlink [--data-dir DIR] [--json] COMMAND

Commands:
  demo [--institution ID] [--phone N]
                                   connect the Demo Bank with its test login, link every account, first sync
  connect --provider P --institution ID [--phone N] [--sandbox]
                                   print the bank's consent page and wait; then link every chosen
                                   account to a new journal and run the first sync. --sandbox uses
                                   the provider's sandbox shortcut (Plaid: no consent page at all)
  fetch-accounts CONNECTION        list the connection's accounts again; link the new ones
  reconnect CONNECTION             consent again (journals and history are kept)
  update-credentials CONNECTION    the bank's update mode, then a fetch
  disconnect CONNECTION            revoke, delete the connection's secrets, keep the history
  reactivate CONNECTION --phone N  re-activate a blocked connection with the registered phone
  institutions [QUERY] [--country CC] [--provider P]
                                   search the offline institution catalog (accents and prefixes
                                   forgiven; the first search fills the catalog)
  connections                      list connections
  journals                         list journals with balances
  statements JOURNAL               list a journal's statements (JOURNAL = id or code)
  lines JOURNAL [--statement ID]   list a journal's lines
  sync [CONNECTION...]             Synchronize Now (all connections when none is named)
  sync --due                       only what the schedule says is due (for cron)
  run                              keep the scheduler going in the foreground (Ctrl+C stops)
  check                            integrity check of the ledger (exit 1 listing each problem)
  settings get [KEY]               show settings
  settings set KEY VALUE           lock_date, timezone, default_periodicity,
                                   journal.CODE.periodicity, connection.ID.auto_sync,
                                   ui.language, ui.theme, ui.developer_mode,
                                   provider.NAME.KEY (echoed masked)
  settings set KEY -- VALUE        the same, for a VALUE that begins with dashes
  settings set KEY --from-file F   the value read from file F (- reads stdin): a PEM key
  settings keys                    every provider key: where it is set, masked
  serve [--port N] [--open]        serve the app's UI on 127.0.0.1 (the URL carries a one-time
                                   launch code) with the scheduler running
  start                            the desktop app; without the Electron binary, serve --open

The data folder defaults to the OS app-data folder, or LEDGERLINK_DATA_DIR.`;

interface CommandRule {
  args: [number, number];
  options?: string[];
  required?: string[];
  /** The first argument is a connection id. */
  connectionArg?: boolean;
}

/** The commands that only read the ledger: they work on a read-only data folder. */
const READ_ONLY_COMMANDS = new Set(['journals', 'connections', 'statements', 'lines', 'check']);
const GLOBAL_OPTIONS = new Set(['--data-dir', '--json', '--quiet', '--help']);
const COMMANDS: Record<string, CommandRule> = {
  demo: { args: [0, 0], options: ['--institution', '--phone'] },
  connect: { args: [0, 0], options: ['--provider', '--institution', '--phone', '--sandbox'], required: ['--provider', '--institution'] },
  'fetch-accounts': { args: [1, 1], connectionArg: true },
  reconnect: { args: [1, 1], connectionArg: true },
  'update-credentials': { args: [1, 1], connectionArg: true },
  disconnect: { args: [1, 1], connectionArg: true },
  reactivate: { args: [1, 1], options: ['--phone'], required: ['--phone'], connectionArg: true },
  institutions: { args: [0, Infinity], options: ['--country', '--provider'] },
  connections: { args: [0, 0] },
  journals: { args: [0, 0] },
  statements: { args: [1, 1] },
  lines: { args: [1, 1], options: ['--statement'] },
  sync: { args: [0, Infinity], options: ['--due'] },
  run: { args: [0, 0] },
  check: { args: [0, 0] },
  settings: { args: [1, 3], options: ['--from-file'] },
  start: { args: [0, 0], options: ['--port'] },
  serve: { args: [0, 0], options: ['--port', '--open'] },
};

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LEDGERLINK_DATA_DIR) return env.LEDGERLINK_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ledgerlink');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Ledgerlink');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Ledgerlink');
}

interface Parsed {
  dataDir: string;
  json: boolean;
  quiet: boolean;
  command: string;
  args: string[];
  options: Map<string, string>;
  /** The value `settings set --from-file` read, kept out of error messages like the arguments. */
  fromFile?: string;
}

/** API error codes that mean the arguments were wrong: exit 2, like a usage error. */
const BAD_ARGUMENT_CODES = new Set(['invalid_argument', 'not_found', 'unknown_provider', 'invalid_phone', 'phone_required']);

const VALUE_OPTIONS = ['--data-dir', '--statement', '--institution', '--provider', '--phone', '--country', '--port', '--from-file'];
const FLAG_OPTIONS = ['--json', '--quiet', '--help', '--due', '--sandbox', '--open'];

function parseArgs(argv: string[]): Parsed {
  const { options, positional } = readCommandLine(argv, VALUE_OPTIONS, FLAG_OPTIONS);
  if (options.has('--help')) return { dataDir: '', json: false, quiet: false, command: 'help', args: [], options };
  const [command, ...args] = positional;
  if (!command) throw new UsageError('no command given');
  return {
    dataDir: options.get('--data-dir') ?? defaultDataDir(),
    json: options.has('--json'),
    quiet: options.has('--quiet'),
    command,
    args,
    options,
  };
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const e = new Error(r.error.message + (r.error.reference ? ` (reference: ${r.error.reference})` : ''));
  (e as Error & { code?: string }).code = r.error.code;
  throw e;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function runCli(argv: string[], io: CliIo = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') }): Promise<number> {
  let p: Parsed;
  try {
    p = parseArgs(argv);
  } catch (e) {
    io.err(`ledgerlink: ${(e as Error).message} (see ledgerlink --help)`);
    return 2;
  }
  if (p.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  const rule = COMMANDS[p.command];
  if (!rule) {
    io.err(`ledgerlink: unknown command "${clip(p.command)}" (see ledgerlink --help)`);
    return 2;
  }
  if (p.args.length < rule.args[0] || p.args.length > rule.args[1]) {
    io.err(`ledgerlink: wrong number of arguments for ${p.command} (see ledgerlink --help)`);
    return 2;
  }
  for (const name of p.options.keys()) {
    if (GLOBAL_OPTIONS.has(name)) continue;
    if (!rule.options?.includes(name)) {
      io.err(`ledgerlink: ${name} does not go with the ${p.command} command (see ledgerlink --help)`);
      return 2;
    }
  }
  for (const name of rule.required ?? []) {
    if (!p.options.has(name)) {
      io.err(`ledgerlink: ${p.command} needs ${name} (see ledgerlink --help)`);
      return 2;
    }
  }
  if (rule.connectionArg && !/^\d+$/.test(p.args[0]!)) {
    io.err(`ledgerlink: "${clip(p.args[0]!)}" is not a connection id (see ledgerlink connections)`);
    return 2;
  }

  // `connect --sandbox`: providers with a sandbox environment use it unless told otherwise.
  if (p.options.has('--sandbox')) process.env.PLAID_ENV ??= 'sandbox';
  let now: (() => Date) | undefined;
  try {
    now = process.env.LEDGERLINK_NOW ? fixedClock(process.env.LEDGERLINK_NOW) : undefined;
  } catch (e) {
    io.err(`ledgerlink: ${(e as Error).message}`);
    return 2;
  }
  // `start` hands over to Electron before opening the ledger here: the app opens it itself (and
  // a better-sqlite3 rebuilt for Electron's ABI would not even load in this Node).
  if (p.command === 'start') {
    const code = await launchDesktop({ dataDir: p.dataDir, io });
    if (code !== undefined) return code;
  }
  // A read-only data folder (or ledger file): the commands that only read show the ledger as
  // it is; the others say why they cannot run instead of failing half-way.
  const readOnly = readOnlyReason(join(p.dataDir, LEDGER_FILE_NAME));
  if (readOnly !== null) {
    if (!READ_ONLY_COMMANDS.has(p.command)) {
      io.err(`ledgerlink: cannot run ${p.command}: ${readOnly}, and ${p.command} writes to it. ` +
        `Make it writable (or copy it elsewhere and use --data-dir); ${[...READ_ONLY_COMMANDS].join(', ')} work as it is.`);
      return 1;
    }
    if (!p.quiet) io.err(`ledgerlink: ${readOnly}: showing the ledger as it is, read-only (nothing is written).`);
  }
  let core: Core;
  try {
    // `check` opens a damaged ledger to say what is wrong and what to do; the rest refuse it.
    core = new Core({ dataDir: p.dataDir, ...(now ? { now } : {}), openDamaged: p.command === 'check' });
  } catch (e) {
    io.err(`ledgerlink: ${e instanceof LedgerFileError ? e.message
      : isDiskFull(e, p.dataDir) ? diskFullMessage(p.dataDir)
        : `cannot open the ledger in ${p.dataDir}: ${(e as Error).message}`}`);
    return 1;
  }
  try {
    return await dispatch(core, p, io);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // The core may quote what it was given (a time zone, a phone number): an argument, or a
    // value read by --from-file, is never shown whole (cli-args.ts).
    const given = [...p.args, ...[...p.options].filter(([k]) => k !== '--data-dir').map(([, v]) => v), ...(p.fromFile !== undefined ? [p.fromFile] : [])];
    io.err(`ledgerlink: ${redact((e as Error).message, given)}`);
    return code !== undefined && BAD_ARGUMENT_CODES.has(code) ? 2 : 1;
  } finally {
    await core.close();
  }
}

/** LEDGERLINK_NOW pins the clock (reproducible demos and tests): it then advances normally. */
function fixedClock(iso: string): () => Date {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) throw new UsageError(`LEDGERLINK_NOW is not a date: ${iso}`);
  // It advances by the time elapsed since (monotonic), never by re-reading the wall clock.
  const t0 = performance.now();
  return () => new Date(start + Math.round(performance.now() - t0));
}

async function dispatch(core: Core, p: Parsed, io: CliIo): Promise<number> {
  const { api } = core;
  const print = (rows: unknown[], text: () => string) => io.out(p.json ? JSON.stringify(rows, null, 2) : text());
  if (!p.quiet && !p.json) {
    core.on('syncProgress', (e) => io.err(`  journal ${e.journal_id}: page ${e.pages}, fetched ${e.fetched}, stored ${e.stored}`));
  } else if (!p.quiet) {
    core.on('syncProgress', (e) => io.err(JSON.stringify({ progress: e })));
  }

  switch (p.command) {
    case 'demo':
      return demo(core, p, io);
    case 'connect':
      return connect(core, p, io);
    case 'run':
      return runScheduler(core, p, io);
    case 'serve':
      return serveUi(core, p, io, false);
    case 'fetch-accounts': {
      const connectionId = Number(p.args[0]);
      const accounts = unwrap(await api.fetchAccounts({ connection_id: connectionId }));
      const fresh = accounts.filter((a) => a.journal_id === null);
      const connection = unwrap(await api.listConnections({})).find((c) => c.id === connectionId)!;
      if (fresh.length > 0) {
        const linked = await linkAndSync(core, connection.id, connection.institution_name, fresh);
        // Said on stderr, so --json output stays one document.
        for (const line of linked.continued) io.err(`ledgerlink: ${line}`);
      }
      const after = unwrap(await api.listAccounts({ connection_id: connectionId }));
      print(after, () => `${fresh.length} new account(s) linked.\n` + table([
        ['ID', 'ACCOUNT', 'NUMBER', 'CUR', 'BALANCE', 'JOURNAL'],
        ...after.map((a) => [a.provider_account_id, a.name, a.account_number ?? '', a.currency, formatAmount(a.balance, a.currency), a.journal_id === null ? '-' : String(a.journal_id)]),
      ]));
      return 0;
    }
    case 'reconnect':
    case 'update-credentials':
    case 'reactivate': {
      const connectionId = Number(p.args[0]);
      const started = unwrap(await (p.command === 'reconnect'
        ? api.reconnect({ connection_id: connectionId })
        : p.command === 'update-credentials'
          ? api.updateCredentials({ connection_id: connectionId })
          : api.reactivate({ connection_id: connectionId, phone: p.options.get('--phone')! })));
      const { connection } = await awaitConsent(core, started, io);
      print([connection], () => `Connection ${connection.id} (${connection.institution_name}): ${connection.state}.`);
      return 0;
    }
    case 'disconnect': {
      const connection = unwrap(await api.disconnect({ connection_id: Number(p.args[0]) }));
      print([connection], () => `Connection ${connection.id} (${connection.institution_name}) disconnected. The history is kept; use reconnect to resume.`);
      return 0;
    }
    case 'start':
      return start(core, p, io);
    case 'institutions': {
      const country = p.options.get('--country');
      if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) throw Object.assign(new Error('--country takes a two-letter country code, like BE'), { code: 'invalid_argument' });
      const provider = p.options.get('--provider');
      const rows = unwrap(await api.searchInstitutions({ query: p.args.join(' '), ...(country ? { country } : {}), ...(provider ? { provider } : {}) }));
      print(rows, () => rows.length === 0 ? 'No institution matches. Check the spelling, or try without --country.' : table([
        ['NAME', 'COUNTRY', 'BIC', 'PROVIDERS (INSTITUTION ID)', 'HISTORY', 'AUTO'],
        ...rows.map((i) => [i.name + (i.beta ? ' [Beta]' : ''), i.country, i.bic ?? '', i.providers.map((x) => `${x.provider} (${x.providerInstitutionId})`).join(', '),
          `${i.historyDays} days`, i.automaticSync ? 'yes' : 'manual only']),
      ]));
      return 0;
    }
    case 'connections': {
      const rows = unwrap(await api.listConnections({}));
      print(rows, () => rows.length === 0 ? 'No connections yet. Try: ledgerlink demo' : table([
        ['ID', 'PROVIDER', 'INSTITUTION', 'STATE', 'AUTO', 'LAST SYNC', 'CONSENT UNTIL'],
        ...rows.map((c) => [String(c.id), c.provider, c.institution_name, c.state + (c.state_action ? ` (${c.state_action})` : ''),
          c.auto_sync ? 'on' : 'off', c.last_refresh ?? '-', c.consent_expires_at?.slice(0, 10) ?? '-']),
      ]));
      return 0;
    }
    case 'journals': {
      const rows = unwrap(await api.listJournals({}));
      print(rows, () => rows.length === 0 ? 'No journals yet. Try: ledgerlink demo' : journalsTable(rows));
      return 0;
    }
    case 'statements': {
      const j = await journalByRef(core, p.args[0]!);
      const rows = unwrap(await api.listStatements({ journal_id: j.id }));
      print(rows, () => rows.length === 0 ? `Journal ${j.code} has no statements yet.` : table([
        ['ID', 'NAME', 'DATE', 'START', 'END', 'BANK END', 'LINES', 'CHECK'],
        ...rows.map((s) => [String(s.id), s.name, s.date, formatAmount(s.balance_start, j.currency), formatAmount(s.balance_end, j.currency),
          formatAmount(s.balance_end_real, j.currency), String(s.line_count),
          s.difference !== 0 ? `difference ${formatAmount(s.difference, j.currency)}: a transaction is missing or doubled` : s.is_valid ? 'ok' : 'chain broken']),
      ]));
      return 0;
    }
    case 'lines': {
      const j = await journalByRef(core, p.args[0]!);
      const st = p.options.get('--statement');
      if (st !== undefined && !/^\d+$/.test(st)) throw Object.assign(new Error('--statement takes a statement id'), { code: 'invalid_argument' });
      const rows = unwrap(await api.listLines({ journal_id: j.id, ...(st ? { statement_id: Number(st) } : {}) }));
      print(rows, () => rows.length === 0 ? 'No lines.' : table([
        ['ID', 'DATE', 'AMOUNT', 'CUR', 'PARTNER', 'REFERENCE'],
        ...rows.map((l) => [String(l.id), l.date, formatAmount(l.amount, l.currency), l.currency, l.partner_name ?? '', l.payment_ref]),
      ]));
      return 0;
    }
    case 'sync': {
      const ids = p.args.map((x) => {
        if (!/^\d+$/.test(x)) throw Object.assign(new Error(`"${x}" is not a connection id`), { code: 'invalid_argument' });
        return Number(x);
      });
      if (p.options.has('--due') && ids.length > 0) throw Object.assign(new Error('sync --due takes no connection'), { code: 'invalid_argument' });
      const results = unwrap(await api.synchronize(p.options.has('--due') ? { trigger: 'scheduled' } : ids.length ? { connection_ids: ids } : {}));
      print(results, () => results.map((r) => r.ok
        ? `Connection ${r.connection_id}: synchronized, ${r.stored} new line(s), ${r.duplicates} already known, ${r.pending} pending.`
        : `Connection ${r.connection_id}: FAILED (${r.state}): ${r.error?.message}` +
          (r.error?.description && r.error.description !== r.error.message ? `\n  The bank said: ${r.error.description}` : '') +
          (r.error?.reference ? `\n  Reference: ${r.error.reference}` : '')).join('\n') || 'No connections to synchronize.');
      return results.every((r) => r.ok) ? 0 : 1;
    }
    case 'check': {
      const problems = unwrap(await api.checkIntegrity({}));
      print(problems, () => problems.length === 0 ? 'Ledger OK: statements chain, balances match the bank, no duplicates.' : problems.map((x) => `- ${x.message}`).join('\n'));
      return problems.length === 0 ? 0 : 1;
    }
    case 'settings': {
      const [verb, key, typed] = p.args;
      const file = p.options.get('--from-file');
      if (file !== undefined && (verb !== 'set' || key === undefined || typed !== undefined)) {
        throw Object.assign(new Error('--from-file goes with settings set KEY, instead of a VALUE'), { code: 'invalid_argument' });
      }
      // A value that begins with dashes (a PEM key) comes after --, or from a file or stdin.
      if (file !== undefined) p.fromFile = await readValue(file);
      const value = p.fromFile ?? typed;
      if (verb === 'get' && value === undefined) {
        const s = unwrap(await api.getSettings({}));
        if (key !== undefined) {
          if (!(key in s)) throw Object.assign(new Error(`Unknown setting "${key}"`), { code: 'invalid_argument' });
          io.out(p.json ? JSON.stringify([{ key, value: s[key] }]) : s[key]!);
        } else print(Object.entries(s).map(([k, v]) => ({ key: k, value: v })), () => Object.entries(s).map(([k, v]) => `${k} = ${v}`).join('\n'));
        return 0;
      }
      if (verb === 'set' && key !== undefined && value !== undefined) {
        unwrap(await api.setSetting({ key, value }));
        // A provider key is echoed masked: a secret typed on the command line must not end up
        // in a terminal's scroll-back or a CI log a second time.
        const provider = key.startsWith('provider.')
          ? unwrap(await api.listProviderKeys({})).find((k) => `provider.${k.provider}.${k.key}` === key)
          : undefined;
        const shown = provider ? (provider.masked ?? '') : value;
        if (!p.json) io.out(`${key} = ${shown}`);
        else io.out(JSON.stringify([{ key, value: shown }]));
        return 0;
      }
      if (verb === 'keys' && key === undefined) {
        const keys = unwrap(await api.listProviderKeys({}));
        print(keys, () => table([
          ['PROVIDER', 'KEY', 'VALUE', 'FROM'],
          ...keys.map((k) => [k.provider, k.key, k.masked ?? '-', k.source === 'unavailable' ? 'keychain unavailable' : k.source ?? 'not set']),
        ]));
        return 0;
      }
      throw Object.assign(new Error('usage: settings get [KEY] | settings set KEY VALUE | settings set KEY -- VALUE | settings set KEY --from-file FILE (- for stdin) | settings keys'), { code: 'invalid_argument' });
    }
  }
  return 2;
}

/** `--from-file FILE` (`-`: stdin), without the line breaks that end a file or an `echo`. */
async function readValue(file: string): Promise<string> {
  try {
    const raw = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
    return raw.replace(/(\r?\n)+$/, '');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw Object.assign(new Error(`cannot read the file given to --from-file (${why})`), { code: 'invalid_argument' });
  }
}

async function journalByRef(core: Core, ref: string): Promise<JournalView> {
  const all = unwrap(await core.api.listJournals({}));
  const j = all.find((x) => String(x.id) === ref) ?? all.find((x) => x.code.toLowerCase() === ref.toLowerCase());
  if (!j) throw Object.assign(new Error(`There is no journal "${ref}" (give its id or code; see ledgerlink journals).`), { code: 'not_found' });
  return j;
}


function journalsTable(rows: JournalView[]): string {
  return table([
    ['ID', 'CODE', 'NAME', 'CUR', 'BALANCE', 'BANK', 'LINES', 'STATEMENTS', 'PENDING'],
    ...rows.map((j) => [String(j.id), j.code, j.name, j.currency, formatAmount(j.balance, j.currency),
      j.bank_balance === null ? '-' : formatAmount(j.bank_balance, j.currency), String(j.line_count), String(j.statement_count), String(j.pending_count)]),
  ]);
}

/** Shows the consent page and waits for the bank's redirect (15 minutes at most). */
async function awaitConsent(core: Core, started: ConnectStart, io: CliIo) {
  io.out(`Open this page to give your consent at the bank:\n  ${started.consent_url}`);
  io.err('Waiting for the bank to send you back (Ctrl+C to cancel)...');
  return unwrap(await core.api.finishConnect({ flow_id: started.flow_id }));
}

/** Links accounts to new journals named after the institution and runs their first sync. */
/**
 * Links each account to a new journal, or, for an account another connection already
 * synchronizes, continues that journal (one bank account, one journal), then synchronizes.
 */
async function linkAndSync(core: Core, connectionId: number, institutionName: string, accounts: OnlineAccountView[]) {
  const journals = unwrap(await core.api.linkAccounts({
    connection_id: connectionId,
    links: accounts.map((a) => ({
      provider_account_id: a.provider_account_id,
      journal: a.same_as_journal_id !== null ? { existing: a.same_as_journal_id } : { new: { name: `${institutionName} ${a.name}` } },
    })),
  }));
  const [summary] = unwrap(await core.api.synchronize({ connection_ids: [connectionId] }));
  const mine = unwrap(await core.api.listJournals({})).filter((j) => journals.some((x) => x.id === j.id));
  const continued = accounts.flatMap((a) => {
    const j = mine.find((x) => x.id === a.same_as_journal_id);
    return j ? [`${a.name} was already synchronized into journal ${j.code} (${j.name}) through another connection: that journal continues, its history kept.`] : [];
  });
  return { summary: summary!, journals: mine, continued };
}

function printConnected(p: Parsed, io: CliIo, name: string, connectionId: number, r: Awaited<ReturnType<typeof linkAndSync>>): number {
  if (p.json) io.out(JSON.stringify(r.journals, null, 2));
  else {
    io.out(`Connected ${name} (connection ${connectionId}) and synchronized ${r.journals.length} account(s):`);
    for (const line of r.continued) io.out(line);
    io.out(journalsTable(r.journals));
    if (!r.summary.ok) io.out(`Synchronization failed: ${r.summary.error?.message}${r.summary.error?.reference ? `\n  Reference: ${r.summary.error.reference}` : ''}`);
  }
  return r.summary.ok ? 0 : 1;
}

/** `ledgerlink run`: the scheduler in the foreground until SIGINT/SIGTERM, reporting as it goes. */
async function runScheduler(core: Core, p: Parsed, io: CliIo): Promise<number> {
  const say = (e: unknown) => io.err(p.json ? JSON.stringify(e) : `ledgerlink: ${describeNotification(e as NotificationEvent)}`);
  core.on('notification', say);
  core.on('chatter', (c) => io.err(p.json ? JSON.stringify({ chatter: c }) : `ledgerlink: [${c.level}] ${c.text}${c.reference ? ` (reference: ${c.reference})` : ''}`));
  io.err(`ledgerlink: scheduler running on ${core.dataDir} (every connection with auto-sync on, every 12 hours). Ctrl+C stops.`);
  core.scheduler.start();
  // The institution catalog is refreshed weekly in the background (each provider when stale).
  const catalog = () => void core.refreshCatalog(false).catch((e: Error) => io.err(`ledgerlink: catalog refresh failed: ${e.message}`));
  catalog();
  const catalogTimer = setInterval(catalog, 3_600_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(catalogTimer);
  io.err('ledgerlink: stopping after the current synchronization...');
  await core.scheduler.stop();
  return 0;
}

function describeNotification(e: NotificationEvent): string {
  switch (e.type) {
    case 'waiting_for_user': return `connection ${e.connection_id} waits for you (${e.action ?? 'action needed'}).`;
    case 'blocked': return `connection ${e.connection_id} is blocked (${e.reason ?? 'suspicious activity'}): reactivate it with your phone number.`;
    case 'consent_expiring': return `connection ${e.connection_id}: consent ends in ${e.days_left} day(s) (${e.consent_expires_at.slice(0, 10)}); use reconnect to renew.`;
    case 'quota_deferred': return `connection ${e.connection_id}: postponed to ${e.next_attempt_at} to stay within the bank's request budget.`;
    case 'auto_sync_off': return `connection ${e.connection_id}: automatic synchronization switched off (the bank refuses it).`;
    case 'offline': return 'offline: synchronization paused until the network is back.';
    case 'online': return 'online again: synchronization resumes.';
    case 'error': return `error${e.connection_id ? ` on connection ${e.connection_id}` : ''}: ${e.message}`;
  }
}

async function demo(core: Core, p: Parsed, io: CliIo): Promise<number> {
  const { api } = core;
  const institution = p.options.get('--institution') ?? 'demo-plain';
  const phone = p.options.get('--phone');
  const started = unwrap(await api.startConnect({ provider: 'demo', institution_id: institution, ...(phone ? { phone } : {}) }));
  const finishing = api.finishConnect({ flow_id: started.flow_id, timeout_ms: 60_000 });
  // Drive the Demo Bank's consent pages with its test login, then deliver the redirect.
  const redirect = await completeConsentHeadlessly(started.consent_url);
  await fetch(redirect);
  const { connection, accounts } = unwrap(await finishing);
  return printConnected(p, io, connection.institution_name, connection.id, await linkAndSync(core, connection.id, connection.institution_name, accounts));
}

async function connect(core: Core, p: Parsed, io: CliIo): Promise<number> {
  if (p.options.has('--sandbox')) {
    const { connection, accounts } = unwrap(await core.api.connectSandbox({ provider: p.options.get('--provider')!, institution_id: p.options.get('--institution')! }));
    return printConnected(p, io, connection.institution_name, connection.id, await linkAndSync(core, connection.id, connection.institution_name, accounts));
  }
  const phone = p.options.get('--phone');
  const started = unwrap(await core.api.startConnect({
    provider: p.options.get('--provider')!, institution_id: p.options.get('--institution')!, ...(phone ? { phone } : {}),
  }));
  const { connection, accounts } = await awaitConsent(core, started, io);
  const chosen = accounts.filter((a) => a.journal_id === null);
  return printConnected(p, io, connection.institution_name, connection.id, await linkAndSync(core, connection.id, connection.institution_name, chosen));
}

/** `start` without the desktop app (runCli tried it first): the same UI in the browser. */
async function start(core: Core, p: Parsed, io: CliIo): Promise<number> {
  return serveUi(core, p, io, true);
}

export interface DesktopLaunch {
  dataDir: string;
  io: CliIo;
  /** The package root, where Electron finds package.json's "main" (default: this checkout). */
  appRoot?: string;
  /** For tests: replaces the lookup of the Electron binary. */
  electronBinary?: typeof electronBinary;
  /** For tests: replaces child_process.spawn. */
  spawnImpl?: typeof spawn;
  env?: NodeJS.ProcessEnv;
  /** Where SIGINT/SIGTERM arrive (default: process); they are passed on to Electron. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs the desktop app in the foreground on the same data folder (its output in this
 * terminal) and resolves with its exit code. Resolves undefined, having said why, when it
 * cannot run here (no Electron binary, shell not built, Electron failed to start): the caller
 * then serves the UI in the browser.
 */
export async function launchDesktop(o: DesktopLaunch): Promise<number | undefined> {
  const find = o.electronBinary ?? (await import('./electron-binary')).electronBinary;
  const bin = find();
  if (!bin.found) {
    o.io.err(`The Electron binary is not installed here (${bin.reason}): serving the same app in your browser instead.`);
    return undefined;
  }
  const appRoot = o.appRoot ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const built = ['dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html'].every((f) => existsSync(join(appRoot, f)));
  if (!built) {
    o.io.err('The desktop app is not built (run `npm run build:renderer && npm run build:electron`; npm install does it): serving the same app in your browser instead.');
    return undefined;
  }
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), LEDGERLINK_DATA_DIR: o.dataDir, [STARTED_BY_CLI_ENV]: '1' };
  // Set, it would make the binary a plain Node and run our main as a script.
  delete env.ELECTRON_RUN_AS_NODE;
  const signals = o.signals ?? process;
  return new Promise((done) => {
    let child: ChildProcess;
    try {
      child = (o.spawnImpl ?? spawn)(bin.path, [appRoot], { stdio: 'inherit', env });
    } catch (e) {
      o.io.err(`Electron could not start (${e instanceof Error ? e.message : String(e)}): serving the same app in your browser instead.`);
      done(undefined);
      return;
    }
    // Ctrl+C in this terminal, or a kill of this process, closes the app cleanly instead of
    // leaving it behind; this process waits for its exit code.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    signals.on('SIGINT', forward);
    signals.on('SIGTERM', forward);
    const stop = () => {
      signals.off('SIGINT', forward);
      signals.off('SIGTERM', forward);
    };
    let running = false;
    child.once('spawn', () => (running = true));
    child.on('error', (e) => {
      // Once Electron runs, an error (a signal it could not receive) changes nothing: its exit decides.
      if (running) return;
      stop();
      o.io.err(`Electron could not start (${e.message}): serving the same app in your browser instead.`);
      done(undefined);
    });
    child.once('exit', (code, signal) => {
      stop();
      if (code === EXIT_NATIVE_MODULE) {
        // A development checkout: better-sqlite3 is built for Node. The browser still works.
        o.io.err('Electron cannot load the ledger\'s SQLite module (better-sqlite3 is built for Node, not for Electron): serving the same app in your browser instead. '
          + 'For the desktop app: npx @electron/rebuild -f -o better-sqlite3 (npm rebuild better-sqlite3 builds it for Node again).');
        done(undefined);
        return;
      }
      done(code ?? 128 + (signal ? osConstants.signals[signal] : 0));
    });
  });
}

/** The UI through the browser host, with the scheduler running, until SIGINT/SIGTERM. */
async function serveUi(core: Core, p: Parsed, io: CliIo, open: boolean): Promise<number> {
  const rendererDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    io.err('ledgerlink: the user interface is not built: run `npm run build:renderer` (npm install does it).');
    return 1;
  }
  const portText = p.options.get('--port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw Object.assign(new Error('--port takes a port number'), { code: 'invalid_argument' });
  const { serve } = await import('./host/index');
  const host = await serve({ core, rendererDir, port, open: open || p.options.has('--open'), log: io.out });
  core.scheduler.start();
  const catalog = () => void core.refreshCatalog(false).catch(() => undefined);
  catalog();
  const timer = setInterval(catalog, 3_600_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await core.scheduler.stop();
  await host.close();
  return 0;
}
