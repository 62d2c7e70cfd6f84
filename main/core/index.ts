import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod';
import type {
  AccountLink, ApiEventName, ApiEvents, ConnectionView, LedgerlinkApi, OnlineAccountView, Periodicity, ProviderKeyView, Result, SyncSummary,
} from '../../preload/api';
import { systemClock } from '../common/clock';
import { listChatter } from '../ledger/chatter';
import { LEDGER_FILE_NAME, openLedger, type Db } from '../ledger/db';
import { DismissError, dismissLine, importAgain, listDismissed } from '../ledger/dismissed';
import { MatchError, undoMatch } from '../ledger/matches';
import { LockedPeriodError, assertPeriodicityKeepsLock } from '../ledger/period-lock';
import { checkIntegrity } from '../ledger/integrity';
import { diskFullMessage, isDiskFull } from '../ledger/disk-full';
import { createJournal, freeJournalCode, getJournal, listJournals } from '../ledger/journals';
import { balanceHistory, countLines, listLines, listPendingLines, type LineFilter } from '../ledger/lines';
import { allSettings, getSetting, setSetting } from '../ledger/settings';
import { listStatements } from '../ledger/statements';
import { DemoBank } from '../providers/demo/index';
import { isProviderError, toProviderError } from '../providers/errors';
import type { Institution, Provider, ProviderName } from '../providers/types';
import { refreshCatalog, refreshStaleCatalog, searchInstitutions } from '../providers/catalog';
import { isAddressKey } from '../providers/base-url';
import { providerConfig } from '../providers/config';
import { PROVIDERS, isSecretKey, type ProviderEntry } from '../providers/registry';
import { isIsoDate, isValidTimeZone, localDate, systemTimeZone } from '../sync/dates';
import { SyncEngine } from '../sync/engine';
import { Scheduler, consentDaysLeft } from '../sync/scheduler';
import { hasNetwork } from './network';
import type { Vault } from '../vault/types';
import { openVault, readSecret, rotateSecret, VaultUnavailableError } from '../vault/index';
import { ApiFailure } from './errors';
import { apiResultWithDecimals } from './decimals';
import { moveLegacySecrets } from './legacy-secrets';
import { removeLeftoverSecrets } from './leftover-secrets';
import { ledgerId } from '../ledger/identity';
import { ConnectionLifecycle } from './lifecycle';
import { continueJournal, sameAccountJournals } from './same-account';

export interface CoreOptions {
  dataDir: string;
  now?: () => Date;
  /** Providers by name; the Demo Bank is always there unless replaced. */
  providers?: Provider[];
  /** Open a ledger SQLite finds damaged (for `check`, which says what to do); refused otherwise. */
  openDamaged?: boolean;
  /**
   * Opens the credential vault on first use (keychain; Electron's safeStorage inside the app),
   * for the secrets of the ledger whose id is `scope`.
   */
  vault?: (scope: string) => Promise<Vault>;
  /** How long a started consent waits for finishConnect (default 15 minutes; tests shorten it). */
  consentFlowTtlMs?: number;
}

const PERIODICITIES = ['none', 'day', 'week', 'bimonthly', 'month'] as const;
/** The window's preferences and their allowed values (absent until the user picks one). */
const UI_SETTINGS = new Map<string, readonly string[]>([
  ['ui.language', ['en', 'vi']],
  ['ui.theme', ['system', 'light', 'dark']],
  ['ui.developer_mode', ['on', 'off']],
]);
const id = z.number().int().positive();
const empty = z.object({}).strict();
const newJournal = z.object({
  name: z.string().trim().min(1).max(100),
  code: z.string().trim().regex(/^[A-Za-z0-9]{1,8}$/).optional(),
  periodicity: z.enum(PERIODICITIES).optional(),
  history_from: z.string().refine(isIsoDate, 'a date like 2026-01-01').optional(),
}).strict();

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const lineFilter = {
  journal_id: id,
  statement_id: id.optional(),
  search: z.string().max(200).optional(),
  date_from: isoDate.optional(),
  date_to: isoDate.optional(),
  amount_min: z.number().int().optional(),
  amount_max: z.number().int().optional(),
};

const schemas = {
  listInstitutions: z.object({ provider: z.string().optional() }).strict(),
  searchInstitutions: z.object({
    query: z.string().max(200), country: z.string().regex(/^[A-Za-z]{2}$/).optional(), provider: z.string().optional(), limit: z.number().int().positive().max(200).optional(),
  }).strict(),
  refreshCatalog: z.object({ force: z.boolean().optional() }).strict(),
  startConnect: z.object({ provider: z.string().min(1), institution_id: z.string().min(1), phone: z.string().min(1).max(40).optional() }).strict(),
  finishConnect: z.object({ flow_id: z.string().min(1), timeout_ms: z.number().int().positive().max(3_600_000).optional() }).strict(),
  connectSandbox: z.object({ provider: z.string().min(1), institution_id: z.string().min(1) }).strict(),
  reconnect: z.object({ connection_id: id }).strict(),
  updateCredentials: z.object({ connection_id: id }).strict(),
  reactivate: z.object({ connection_id: id, phone: z.string().min(1).max(40) }).strict(),
  fetchAccounts: z.object({ connection_id: id }).strict(),
  disconnect: z.object({ connection_id: id }).strict(),
  linkAccounts: z.object({
    connection_id: id,
    links: z.array(z.object({
      provider_account_id: z.string().min(1),
      journal: z.union([z.object({ new: newJournal }).strict(), z.object({ existing: id }).strict()]),
    }).strict()).min(1),
  }).strict(),
  listConnections: empty,
  listAccounts: z.object({ connection_id: id }).strict(),
  listJournals: empty,
  listStatements: z.object({ journal_id: id }).strict(),
  listLines: z.object({
    ...lineFilter,
    offset: z.number().int().min(0).optional(), limit: z.number().int().positive().max(100_000).optional(),
  }).strict(),
  countLines: z.object(lineFilter).strict(),
  listPendingLines: z.object({ journal_id: id }).strict(),
  balanceHistory: z.object({ journal_id: id, days: z.number().int().positive().max(3660).optional(), until: isoDate.optional() }).strict(),
  synchronize: z.object({ connection_ids: z.array(id).optional(), trigger: z.enum(['manual', 'scheduled']).optional() }).strict(),
  cancelSync: z.object({ connection_id: id.optional() }).strict(),
  listChatter: z.object({ connection_id: id.optional(), journal_id: id.optional() }).strict(),
  dismissLine: z.object({ line_id: id }).strict(),
  undoMatch: z.object({ line_id: id }).strict(),
  listDismissed: z.object({ journal_id: id }).strict(),
  importAgain: z.object({ dismissed_id: id }).strict(),
  getSettings: empty,
  listProviderKeys: empty,
  setSetting: z.object({ key: z.string().min(1), value: z.string() }).strict(),
  checkIntegrity: empty,
} satisfies Record<keyof LedgerlinkApi, z.ZodType>;

/**
 * The service container and the one implementation of the API contract: the CLI, the
 * browser host and Electron all call this object. Arguments are validated here as unknown
 * input; results come back as Result values, never as thrown errors.
 */
export class Core {
  readonly db: Db;
  readonly dataDir: string;
  readonly now: () => Date;
  readonly api: LedgerlinkApi;
  private readonly providers = new Map<string, Provider>();
  private readonly events = new EventEmitter();
  private readonly engine: SyncEngine;
  private readonly openVault: (scope: string) => Promise<Vault>;
  private vaultPromise: Promise<Vault> | undefined;
  readonly lifecycle: ConnectionLifecycle;
  readonly scheduler: Scheduler;
  /** The synchronizations under way in this process, to cancel them. */
  private readonly running = new Map<number, AbortController>();

  constructor(opts: CoreOptions) {
    this.dataDir = opts.dataDir;
    this.now = opts.now ?? systemClock;
    this.openVault = opts.vault ?? ((scope) => openVault({ scope }));
    this.db = openLedger(join(opts.dataDir, LEDGER_FILE_NAME), { now: this.now, openDamaged: opts.openDamaged ?? false });
    this.providers.set('demo', new DemoBank({ stateDir: join(opts.dataDir, 'demo-bank'), now: this.now }));
    for (const entry of PROVIDERS) {
      this.providers.set(entry.name, entry.create(providerConfig({
        prefix: entry.envPrefix,
        displayName: entry.displayName,
        settings: (key) => this.providerSetting(entry, key),
      }), this.now));
    }
    for (const p of opts.providers ?? []) this.providers.set(p.name, p);
    this.engine = new SyncEngine(this.db, {
      now: this.now,
      onProgress: (e) => this.emit('syncProgress', e),
      onChatter: (c) => this.emit('chatter', c),
      onState: (e) => this.emit('connectionState', e),
    });
    this.scheduler = new Scheduler({
      db: this.db,
      now: this.now,
      runSync: (cid, trigger) => this.runSync(cid, trigger),
      institutionOf: (cid) => this.institutionOf(cid),
      isOnline: async () => hasNetwork(),
      notify: (e) => this.emit('notification', e),
      onChatter: (c) => this.emit('chatter', c),
    });
    this.lifecycle = new ConnectionLifecycle({
      db: this.db,
      now: this.now,
      provider: (n) => this.provider(n),
      vault: () => this.vault(),
      connection: (cid) => this.connectionView(cid),
      accounts: (cid) => this.accounts(cid),
      syncNow: async (cid) => (await this.synchronize([cid], 'manual'))[0]!,
      notifyState: (cid) => {
        const c = this.connectionView(cid);
        this.emit('connectionState', { connection_id: cid, state: c.state, state_action: c.state_action });
      },
    }, { flowTtlMs: opts.consentFlowTtlMs });
    this.api = this.buildApi();
  }

  /** Refreshes the institution catalog: stale providers (weekly), or every one when forced. */
  async refreshCatalog(force: boolean) {
    const providers = [...this.providers.values()];
    const reports = force ? await refreshCatalog(this.db, providers, this.now()) : await refreshStaleCatalog(this.db, providers, this.now());
    return reports.map((r) => ({ provider: r.provider, ok: r.ok, count: r.count, ...(r.error ? { error: r.error } : {}) }));
  }

  /**
   * The credential vault of this ledger, opened once on first use; the secrets older versions
   * filed without a ledger id are moved under it the first time.
   */
  async vault(): Promise<Vault> {
    this.vaultPromise ??= (async () => {
      const vault = await this.openVault(ledgerId(this.db));
      try {
        await moveLegacySecrets(this.db, vault, this.now());
      } catch (e) {
        await vault.close?.().catch(() => undefined);
        throw e;
      }
      // Tokens a Disconnect left behind go now; if that fails it is tried at the next open.
      await removeLeftoverSecrets(this.db, vault).catch(() => undefined);
      return vault;
    })();
    try {
      return await this.vaultPromise;
    } catch (e) {
      this.vaultPromise = undefined;
      throw new ApiFailure('no_vault', e instanceof Error ? e.message : String(e));
    }
  }

  private connectionView(connectionId: number): ConnectionView {
    const c = this.connections().find((x) => x.id === connectionId);
    if (!c) throw new ApiFailure('not_found', `There is no connection ${connectionId}.`);
    return c;
  }

  on<K extends ApiEventName>(event: K, listener: (e: ApiEvents[K]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<K extends ApiEventName>(event: K, e: ApiEvents[K]): void {
    this.events.emit(event, e);
  }

  async close(): Promise<void> {
    await this.scheduler.stop();
    await this.lifecycle.close();
    for (const p of this.providers.values()) await p.close?.();
    // The keychain's child process ends with the core.
    const vault = await this.vaultPromise?.catch(() => undefined);
    await vault?.close?.().catch(() => undefined);
    this.db.close();
  }

  provider(name: string): Provider {
    const p = this.providers.get(name);
    if (!p) throw new ApiFailure('unknown_provider', `Ledgerlink has no provider named "${name}". Known: ${[...this.providers.keys()].join(', ')}.`);
    return p;
  }

  private buildApi(): LedgerlinkApi {
    const impl: { [K in keyof LedgerlinkApi]: (args: z.infer<(typeof schemas)[K]>) => Promise<unknown> | unknown } = {
      listInstitutions: async (a) => {
        const names = a.provider ? [a.provider] : [...this.providers.keys()];
        const out = [];
        for (const n of names) {
          let list: Institution[];
          try {
            list = await this.provider(n).listInstitutions();
          } catch (e) {
            // Asked for all: a provider not set up yet simply has nothing to offer.
            if (!a.provider && isProviderError(e) && e.providerCode === 'NOT_CONFIGURED') continue;
            throw e;
          }
          for (const i of list) out.push({ provider: n, ...i });
        }
        return out;
      },
      searchInstitutions: async (a) => {
        // An unknown provider is a mistake to report (listing the known ones), not "no bank".
        if (a.provider !== undefined) this.provider(a.provider);
        // Offline search; the very first time, the catalog is filled from the providers first.
        if ((this.db.prepare('SELECT COUNT(*) FROM institutions').pluck().get() as number) === 0) await this.refreshCatalog(false);
        return searchInstitutions(this.db, a.query, {
          ...(a.country ? { country: a.country.toUpperCase() } : {}),
          ...(a.provider ? { provider: a.provider as ProviderName } : {}),
          ...(a.limit ? { limit: a.limit } : {}),
        });
      },
      refreshCatalog: (a) => this.refreshCatalog(a.force ?? false),
      startConnect: (a) => this.lifecycle.startNew(a.provider, a.institution_id, a.phone),
      finishConnect: (a) => this.lifecycle.finish(a.flow_id, a.timeout_ms ?? 15 * 60_000),
      connectSandbox: (a) => this.lifecycle.connectSandbox(a.provider, a.institution_id),
      reconnect: (a) => this.lifecycle.startRenewal(a.connection_id, 'reconnect'),
      updateCredentials: (a) => this.lifecycle.startRenewal(a.connection_id, 'update'),
      reactivate: (a) => this.lifecycle.startReactivation(a.connection_id, a.phone),
      fetchAccounts: (a) => this.lifecycle.fetchAccounts(a.connection_id),
      disconnect: (a) => this.lifecycle.disconnect(a.connection_id),
      linkAccounts: (a) => this.linkAccounts(a.connection_id, a.links),
      listConnections: () => this.connections(),
      listAccounts: (a) => this.accounts(a.connection_id),
      listJournals: () => listJournals(this.db),
      listStatements: (a) => (this.journalOrFail(a.journal_id), listStatements(this.db, a.journal_id)),
      listLines: (a) => listLines(this.db, {
        ...this.lineFilter(a),
        ...(a.offset !== undefined ? { offset: a.offset } : {}),
        ...(a.limit !== undefined ? { limit: a.limit } : {}),
      }),
      countLines: (a) => countLines(this.db, this.lineFilter(a)),
      balanceHistory: (a) => {
        const j = this.journalOrFail(a.journal_id);
        const until = a.until ?? (j.last_sync ? localDate(new Date(j.last_sync), j.timezone) : localDate(this.now(), j.timezone));
        return balanceHistory(this.db, a.journal_id, until, a.days ?? 90);
      },
      listPendingLines: (a) => (this.journalOrFail(a.journal_id), listPendingLines(this.db, a.journal_id)),
      synchronize: (a) => this.synchronize(a.connection_ids, a.trigger ?? 'manual'),
      cancelSync: (a) => this.cancelSync(a.connection_id),
      listChatter: (a) => listChatter(this.db, {
        ...(a.connection_id !== undefined ? { connectionId: a.connection_id } : {}),
        ...(a.journal_id !== undefined ? { journalId: a.journal_id } : {}),
      }),
      dismissLine: (a) => dismissLine(this.db, a.line_id, this.now()),
      undoMatch: (a) => {
        const { line, chatter } = undoMatch(this.db, a.line_id, this.now());
        this.emit('chatter', chatter);
        return line;
      },
      listDismissed: (a) => listDismissed(this.db, a.journal_id),
      importAgain: (a) => importAgain(this.db, a.dismissed_id, this.now()),
      getSettings: () => this.settings(),
      listProviderKeys: () => this.providerKeys(),
      setSetting: async (a) => {
        const m = /^provider\.([a-z]+)\.([a-z_]+)$/.exec(a.key);
        if (m) await this.setProviderSetting(m[1]!, m[2]!, a.value);
        else this.setSetting(a.key, a.value);
        return this.settings();
      },
      checkIntegrity: () => checkIntegrity(this.db),
    };
    const api = {} as Record<string, (args: unknown) => Promise<Result<unknown>>>;
    for (const name of Object.keys(schemas) as (keyof LedgerlinkApi)[]) {
      api[name] = async (args: unknown) => {
        const parsed = schemas[name].safeParse(args ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return { ok: false, error: { code: 'invalid_argument', message: `Invalid ${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'bad input'}` } };
        }
        try {
          const value = await (impl[name] as (x: unknown) => unknown)(parsed.data);
          return { ok: true, value: apiResultWithDecimals(value, parsed.data, (id) => getJournal(this.db, id)?.currency) };
        } catch (e) {
          return { ok: false, error: toApiError(e, this.dataDir) };
        }
      };
    }
    return api as unknown as LedgerlinkApi;
  }

  /** A lines query checked (journal and statement exist) and put in the ledger's terms. */
  private lineFilter(a: z.infer<z.ZodObject<typeof lineFilter>>): LineFilter {
    this.journalOrFail(a.journal_id);
    if (a.statement_id !== undefined && !this.db.prepare('SELECT 1 FROM statements WHERE id = ? AND journal_id = ?').get(a.statement_id, a.journal_id)) {
      throw new ApiFailure('not_found', `Journal ${a.journal_id} has no statement ${a.statement_id}.`);
    }
    return {
      journalId: a.journal_id,
      ...(a.statement_id !== undefined ? { statementId: a.statement_id } : {}),
      ...(a.search ? { search: a.search } : {}),
      ...(a.date_from ? { dateFrom: a.date_from } : {}),
      ...(a.date_to ? { dateTo: a.date_to } : {}),
      ...(a.amount_min !== undefined ? { amountMin: a.amount_min } : {}),
      ...(a.amount_max !== undefined ? { amountMax: a.amount_max } : {}),
    };
  }

  private journalOrFail(journalId: number) {
    const j = getJournal(this.db, journalId);
    if (!j) throw new ApiFailure('not_found', `There is no journal ${journalId}.`);
    return j;
  }

  private connections(): ConnectionView[] {
    const rows = this.db.prepare(
      `SELECT c.id, c.provider, c.institution_id, c.institution_name, c.state, c.state_action, c.auto_sync, c.last_refresh,
              c.next_refresh, c.consent_expires_at, c.blocked_reason, c.retry_at,
              (SELECT COUNT(*) FROM online_accounts a WHERE a.connection_id = c.id) AS account_count
       FROM connections c ORDER BY c.id`,
    ).all() as (Omit<ConnectionView, 'auto_sync' | 'consent_days_left'> & { auto_sync: number })[];
    const now = this.now();
    return rows.map((r) => ({ ...r, auto_sync: r.auto_sync === 1, consent_days_left: consentDaysLeft(r, now) }));
  }

  private accounts(connectionId: number): OnlineAccountView[] {
    const rows = this.db.prepare(
      `SELECT a.id, a.connection_id, a.provider_account_id, a.name, a.account_number, a.currency, a.balance, a.last_sync,
              a.fetching_status, j.id AS journal_id
       FROM online_accounts a LEFT JOIN journals j ON j.online_account_id = a.id
       WHERE a.connection_id = ? ORDER BY a.id`,
    ).all(connectionId) as Omit<OnlineAccountView, 'same_as_journal_id'>[];
    const same = sameAccountJournals(this.db, connectionId);
    return rows.map((r) => ({ ...r, same_as_journal_id: same.get(r.id) ?? null }));
  }

  private linkAccounts(connectionId: number, links: AccountLink[]) {
    const accounts = this.accounts(connectionId);
    if (accounts.length === 0 && !this.connections().some((c) => c.id === connectionId)) {
      throw new ApiFailure('not_found', `There is no connection ${connectionId}.`);
    }
    const timezone = this.timezone();
    const defaultPeriodicity = (getSetting(this.db, 'default_periodicity') ?? 'month') as Periodicity;
    const journalIds = this.db.transaction(() =>
      links.map((link) => {
        const acc = accounts.find((a) => a.provider_account_id === link.provider_account_id);
        if (!acc) throw new ApiFailure('not_found', `The connection has no account "${link.provider_account_id}".`);
        if (acc.journal_id !== null) throw new ApiFailure('already_linked', `${acc.name} is already synchronized into a journal.`);
        if (acc.same_as_journal_id !== null) {
          const same = this.journalOrFail(acc.same_as_journal_id);
          if (!('existing' in link.journal) || link.journal.existing !== same.id) {
            throw new ApiFailure('already_linked',
              `${acc.name} is already synchronized into journal ${same.code} (${same.name}) through another connection. Continue that journal (existing: ${same.id}) or leave the account out.`);
          }
          continueJournal(this.db, { journalId: same.id, onlineAccountId: acc.id, accountName: acc.name, at: this.now() });
          return same.id;
        }
        if ('new' in link.journal) {
          const j = link.journal.new;
          const code = j.code ? j.code.toUpperCase() : freeJournalCode(this.db, j.name);
          if (this.db.prepare('SELECT 1 FROM journals WHERE code = ?').get(code)) {
            throw new ApiFailure('code_taken', `A journal already uses the code ${code}.`);
          }
          if (j.history_from !== undefined && j.history_from > localDate(this.now(), timezone)) {
            throw new ApiFailure('invalid_argument', `The history of ${acc.name} cannot start in the future (${j.history_from}).`);
          }
          return createJournal(this.db, {
            name: j.name, code, currency: acc.currency, periodicity: j.periodicity ?? defaultPeriodicity, timezone,
            onlineAccountId: acc.id, at: this.now(), historyFrom: j.history_from ?? null,
          });
        }
        const existing = this.journalOrFail(link.journal.existing);
        if (existing.online_account_id !== null) throw new ApiFailure('already_linked', `Journal ${existing.code} is already linked to a bank account.`);
        if (existing.currency !== acc.currency) {
          throw new ApiFailure('currency_mismatch', `Journal ${existing.code} is in ${existing.currency} but ${acc.name} is in ${acc.currency}.`);
        }
        this.db.prepare('UPDATE journals SET online_account_id = ? WHERE id = ?').run(acc.id, existing.id);
        return existing.id;
      }),
    )();
    return journalIds.map((j) => getJournal(this.db, j)!);
  }

  /**
   * Synchronize Now (all) or Fetch Transactions (the ones named): at once, ahead of the
   * schedule, under the connection's lease; a scheduled trigger runs only what is due.
   */
  private async synchronize(connectionIds: number[] | undefined, trigger: 'manual' | 'scheduled'): Promise<SyncSummary[]> {
    const known = new Set(this.connections().map((c) => c.id));
    for (const cid of connectionIds ?? []) {
      if (!known.has(cid)) throw new ApiFailure('not_found', `There is no connection ${cid}.`);
    }
    if (trigger === 'scheduled') return this.scheduler.syncDue();
    return this.scheduler.syncNow(connectionIds);
  }

  /** One synchronization through the engine; the scheduler decides when and holds the lease. */
  private async runSync(cid: number, trigger: 'manual' | 'scheduled'): Promise<SyncSummary> {
    const conn = this.connectionView(cid);
    const controller = new AbortController();
    this.running.set(cid, controller);
    try {
      return await this.engine.run(cid, this.provider(conn.provider), {
        trigger,
        signal: controller.signal,
        // Through the rotation helpers: a refresh token rotated by the provider is stored before
        // the old one is dropped, and a crash in between still reads the valid one.
        getSecret: async (n) => readSecret(await this.secretsForSync(), cid, n),
        setSecret: async (n, v) => rotateSecret(await this.secretsForSync(), cid, n, v),
      });
    } finally {
      if (this.running.get(cid) === controller) this.running.delete(cid);
    }
  }

  /** The vault for a synchronization: a keychain that cannot be opened is told as such, not as the bank's failure. */
  private async secretsForSync(): Promise<Vault> {
    try {
      return await this.vault();
    } catch (e) {
      throw new VaultUnavailableError('keychain-unavailable', '', e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  /** Cancels the synchronizations under way (of one connection, or all): they stop between pages. */
  private cancelSync(connectionId: number | undefined): { cancelled: number } {
    let cancelled = 0;
    for (const [cid, controller] of this.running) {
      if (connectionId !== undefined && cid !== connectionId) continue;
      controller.abort();
      cancelled++;
    }
    return { cancelled };
  }

  private async institutionOf(cid: number): Promise<Institution | undefined> {
    const conn = this.connectionView(cid);
    return (await this.provider(conn.provider).listInstitutions()).find((i) => i.id === conn.institution_id);
  }

  private timezone(): string {
    return getSetting(this.db, 'timezone') ?? systemTimeZone();
  }

  /**
   * A lock date closes books already kept: one in the future would refuse today's own lines,
   * and one before 1900 is a typing slip (0001 for 2001), not a period anybody closed.
   */
  private checkLockDate(value: string): void {
    const today = localDate(this.now(), this.timezone());
    if (value > today) throw new ApiFailure('invalid_argument', `The lock date ${value} is after today (${today}): only a period that has ended can be closed.`);
    if (value < '1900-01-01') throw new ApiFailure('invalid_argument', `The lock date ${value} is before 1900-01-01: check the year.`);
  }

  /** Settings with the per-journal periodicity and per-connection auto-sync folded in as keys. */
  private settings(): Record<string, string> {
    const s: Record<string, string> = { timezone: this.timezone(), default_periodicity: 'month', lock_date: '', ...allSettings(this.db) };
    for (const j of listJournals(this.db)) s[`journal.${j.code}.periodicity`] = j.periodicity;
    for (const c of this.connections()) s[`connection.${c.id}.auto_sync`] = c.auto_sync ? 'on' : 'off';
    return s;
  }

  /** A provider's key from Settings: secrets from the vault, the rest from the ledger. */
  private async providerSetting(entry: ProviderEntry, key: string): Promise<string | undefined> {
    const name = `provider.${entry.name}.${key}`;
    if (!isSecretKey(entry, key)) return getSetting(this.db, name);
    try {
      return await (await this.vault()).get('app', name);
    } catch {
      return undefined; // no keychain: the provider then says it is not configured
    }
  }

  /** Where each provider key is set, masked; a secret's value is read only to know it exists. */
  private async providerKeys(): Promise<ProviderKeyView[]> {
    let vault: Vault | undefined;
    try {
      vault = await this.vault();
    } catch {
      vault = undefined; // no keychain: secrets can only come from the environment
    }
    const out: ProviderKeyView[] = [];
    for (const entry of PROVIDERS) {
      for (const key of entry.keys) {
        const secret = isSecretKey(entry, key);
        const name = `provider.${entry.name}.${key}`;
        const fromEnv = process.env[`${entry.envPrefix}_${key.toUpperCase()}`];
        let value: string | undefined;
        let from: NonNullable<ProviderKeyView['source']> = 'environment';
        if (fromEnv) value = fromEnv;
        else if (!secret) [from, value] = ['ledger', getSetting(this.db, name)];
        else if (!vault) from = 'unavailable';
        else [from, value] = await vault.get('app', name).then((v) => ['keychain', v] as const, () => ['unavailable', undefined] as const);
        // Without a keychain a secret's state cannot be known: say so rather than "not set".
        const source = from === 'unavailable' ? 'unavailable' : value === undefined ? null : from;
        out.push({ provider: entry.name, provider_name: entry.displayName, key, secret, source, masked: value === undefined ? null : maskKey(value, secret) });
      }
    }
    return out;
  }

  private async setProviderSetting(provider: string, key: string, value: string): Promise<void> {
    const entry = PROVIDERS.find((e) => e.name === provider);
    if (!entry) throw new ApiFailure('invalid_argument', `There is no provider "${provider}". Providers: ${PROVIDERS.map((e) => e.name).join(', ')}.`);
    // Only the provider's own keys: a base URL set here would send its secrets to any server,
    // so addresses come from the environment or the provider's fixed list (base-url.ts).
    if (!entry.keys.includes(key)) {
      const keys = entry.keys.length > 0 ? `${entry.displayName} keys: ${entry.keys.join(', ')}` : `${entry.displayName} has no keys to set`;
      const why = isAddressKey(key) ? ` Its addresses are fixed; only the environment (${entry.envPrefix}_${key.toUpperCase()}, https) can change them.` : '';
      throw new ApiFailure('invalid_argument', `"${key}" is not a key of ${entry.displayName}. ${keys}.${why}`);
    }
    const choices = entry.choices?.[key];
    if (choices && value !== '' && !choices.includes(value)) {
      throw new ApiFailure('invalid_argument', `provider.${provider}.${key} must be one of ${choices.join(', ')} (or empty to remove it).`);
    }
    const name = `provider.${provider}.${key}`;
    if (isSecretKey(entry, key)) {
      const vault = await this.vault();
      if (value === '') await vault.delete('app', name);
      else await vault.set('app', name, value);
    } else setSetting(this.db, name, value === '' ? null : value);
  }

  private setSetting(key: string, value: string): void {
    const m = /^journal\.([^.]+)\.periodicity$/.exec(key);
    if (m) {
      if (!(PERIODICITIES as readonly string[]).includes(value)) throw new ApiFailure('invalid_argument', `Periodicity must be one of ${PERIODICITIES.join(', ')}.`);
      const journal = this.db.prepare('SELECT id, code FROM journals WHERE code = ? COLLATE NOCASE OR CAST(id AS TEXT) = ?').get(m[1], m[1]) as { id: number; code: string } | undefined;
      if (!journal) throw new ApiFailure('not_found', `There is no journal ${m[1]}.`);
      assertPeriodicityKeepsLock(this.db, journal, value as Periodicity);
      this.db.prepare('UPDATE journals SET periodicity = ? WHERE id = ?').run(value, journal.id);
      return;
    }
    const c = /^connection\.(\d+)\.auto_sync$/.exec(key);
    if (c) {
      const on = ({ on: 1, true: 1, '1': 1, off: 0, false: 0, '0': 0 } as Record<string, number>)[value];
      if (on === undefined) throw new ApiFailure('invalid_argument', 'auto_sync must be on or off.');
      const r = this.db.prepare('UPDATE connections SET auto_sync = ? WHERE id = ?').run(on, Number(c[1]));
      if (r.changes === 0) throw new ApiFailure('not_found', `There is no connection ${c[1]}.`);
      return;
    }
    switch (key) {
      case 'lock_date':
        if (value !== '' && !isIsoDate(value)) throw new ApiFailure('invalid_argument', 'The lock date must be a date like 2026-03-31 (or empty to remove it).');
        if (value !== '') this.checkLockDate(value);
        return setSetting(this.db, key, value === '' ? null : value);
      case 'timezone':
        if (!isValidTimeZone(value)) throw new ApiFailure('invalid_argument', `"${value}" is not a time zone (e.g. Europe/Brussels).`);
        return setSetting(this.db, key, value);
      case 'default_periodicity':
        if (!(PERIODICITIES as readonly string[]).includes(value)) throw new ApiFailure('invalid_argument', `Periodicity must be one of ${PERIODICITIES.join(', ')}.`);
        return setSetting(this.db, key, value);
      default: {
        // The window's own preferences live here too, so every window (Electron, a browser
        // tab, another browser) opens in the language and theme the user chose.
        const choices = UI_SETTINGS.get(key);
        if (choices) {
          if (!choices.includes(value)) throw new ApiFailure('invalid_argument', `${key} must be one of ${choices.join(', ')}.`);
          return setSetting(this.db, key, value);
        }
        throw new ApiFailure('invalid_argument',
          `Unknown setting "${key}". Settings: lock_date, timezone, default_periodicity, journal.CODE.periodicity, connection.ID.auto_sync, provider.NAME.KEY (e.g. provider.plaid.client_id), ${[...UI_SETTINGS.keys()].join(', ')}.`);
      }
    }
  }
}

/** Eight dots for a secret, whatever its length; an id shows its last four characters. */
function maskKey(value: string, secret: boolean): string {
  const dots = '••••••••';
  if (secret || value.length <= 8) return dots;
  return `${dots.slice(0, 4)}${value.slice(-4)}`;
}

function toApiError(e: unknown, dataDir: string) {
  if (e instanceof ApiFailure) return e.toApiError();
  if (isDiskFull(e, dataDir)) return { code: 'disk_full', message: diskFullMessage(dataDir) };
  if (e instanceof DismissError) return { code: 'invalid_argument', message: e.message };
  if (e instanceof MatchError) return { code: 'invalid_argument', message: e.message };
  if (e instanceof LockedPeriodError) return { code: 'locked_period', message: e.message };
  const pe = toProviderError(e);
  return { code: pe.code, message: pe.description, ...(pe.requestId ? { reference: pe.requestId } : {}) };
}
