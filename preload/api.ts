// THE contract between the renderer and main: every call and every event, written once.
// Type-only: main implements it (main/core), preload and the WebSocket bridge forward it,
// the renderer and the CLI call it. Money is integer minor units + ISO 4217 currency; every
// amount `X` has a twin `X_decimal`, the same amount as decimal text ("-12.30", "1500000"),
// written by the core with the ISO 4217 exponent: the user interface shows that text.

export type ConnectionState = 'connected' | 'error' | 'disconnected' | 'waiting_for_user' | 'blocked';
export type StateAction = 'mfa' | 'reconnect' | 'update_credentials' | 'reactivate';
export type Periodicity = 'none' | 'day' | 'week' | 'bimonthly' | 'month';
export type ChatterLevel = 'info' | 'warning' | 'error';
export type ProviderIdKind = 'transaction' | 'pending' | 'pending_matched' | 'entry_reference' | 'internal';

export interface ApiError {
  /** Stable machine code, e.g. 'invalid_argument', 'not_found', 'consent_expired'. */
  code: string;
  /** A sentence the user understands, with the next step to take. */
  message: string;
  /** What the bank or provider said, in its own words, when it said something. */
  description?: string;
  /** A reference the user can copy and send to support. */
  reference?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface InstitutionView {
  provider: string;
  id: string;
  name: string;
  country: string;
  beta: boolean;
  historyDays: number;
  automaticSync: boolean;
  refreshesPerDay?: number;
  mfa?: boolean;
}

/** A bank of the offline catalog, with every provider that offers it. */
export interface CatalogInstitutionView {
  id: number;
  name: string;
  country: string;
  bic: string | null;
  beta: boolean;
  historyDays: number;
  automaticSync: boolean;
  logo: string | null;
  providers: {
    provider: string;
    providerInstitutionId: string;
    name: string;
    beta: boolean;
    historyDays: number;
    automaticSync: boolean;
    refreshesPerDay: number | null;
    unattendedPerDay: number | null;
    mfa: boolean | null;
    logo: string | null;
  }[];
}

export interface ConnectionView {
  id: number;
  provider: string;
  institution_id: string;
  institution_name: string;
  state: ConnectionState;
  state_action: StateAction | null;
  auto_sync: boolean;
  last_refresh: string | null;
  next_refresh: string | null;
  consent_expires_at: string | null;
  /** Whole days until the consent ends (rounded up; 0 once ended), null when it does not. */
  consent_days_left: number | null;
  /** Why a blocked connection is blocked ('provider_locked', 'repeated_failed_logins'). */
  blocked_reason: string | null;
  /** The earliest next attempt after a rate limit or a transient failure. */
  retry_at: string | null;
  account_count: number;
}

export interface OnlineAccountView {
  id: number;
  connection_id: number;
  provider_account_id: string;
  name: string;
  account_number: string | null;
  currency: string;
  balance: number;
  balance_decimal: string;
  journal_id: number | null;
  /**
   * Not linked yet, and the same bank account as one another connection already synchronizes
   * into this journal: link it with `{ existing: same_as_journal_id }` to continue that journal
   * (its history kept), or leave it out. A new journal for it is refused (`already_linked`).
   */
  same_as_journal_id: number | null;
  last_sync: string | null;
  fetching_status: 'planned' | 'waiting' | 'processing' | 'done';
}

export interface JournalView {
  id: number;
  name: string;
  code: string;
  currency: string;
  periodicity: Periodicity;
  timezone: string;
  /** The history start the user chose (null: as far back as the bank allows). */
  history_from: string | null;
  /** Sum of the journal's lines, minor units. */
  balance: number;
  balance_decimal: string;
  /** What the bank last reported, minor units (null when not synchronized). */
  bank_balance: number | null;
  bank_balance_decimal: string | null;
  line_count: number;
  statement_count: number;
  pending_count: number;
  online_account_id: number | null;
  connection_id: number | null;
  last_sync: string | null;
}

export interface StatementView {
  id: number;
  journal_id: number;
  name: string;
  /** Period start (local date). */
  date: string;
  date_end: string;
  balance_start: number;
  balance_start_decimal: string;
  balance_end: number;
  balance_end_decimal: string;
  balance_end_real: number;
  balance_end_real_decimal: string;
  line_count: number;
  is_complete: boolean;
  is_valid: boolean;
  /** balance_end_real - balance_end: non-zero means a transaction is missing or doubled. */
  difference: number;
  difference_decimal: string;
}

export interface LineView {
  id: number;
  journal_id: number;
  statement_id: number;
  date: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  payment_ref: string;
  partner_name: string | null;
  account_number: string | null;
  foreign_amount: number | null;
  foreign_amount_decimal: string | null;
  foreign_currency: string | null;
  exchange_rate: string | null;
  kind: 'bank' | 'opening' | 'manual';
  match_reason: string | null;
  provider_ids: { kind: ProviderIdKind; id: string }[];
}

export interface PendingLineView {
  id: number;
  journal_id: number | null;
  provider_id: string;
  date: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  payment_ref: string;
  partner_name: string | null;
}

export interface DismissedLineView {
  id: number;
  journal_id: number;
  provider_ids: string[];
  date: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  payment_ref: string;
  dismissed_at: string;
}

export interface ChatterView {
  id: number;
  connection_id: number | null;
  journal_id: number | null;
  level: ChatterLevel;
  text: string;
  error_description: string | null;
  reference: string | null;
  created_at: string;
  /** For the app's own messages: a key the UI translates, with its parameters (else null). */
  message_key: string | null;
  params: Record<string, string | number> | null;
}

export interface SyncSummary {
  connection_id: number;
  ok: boolean;
  state: ConnectionState;
  fetched: number;
  stored: number;
  duplicates: number;
  pending: number;
  error?: ApiError;
}

export interface IntegrityProblem {
  kind: 'file_damaged' | 'statement_chain' | 'statement_total' | 'balance_mismatch' | 'duplicate_provider_id' | 'line_outside_period';
  journal_id?: number;
  statement_id?: number;
  line_id?: number;
  message: string;
}

export interface ConnectStart {
  flow_id: string;
  /** What completing the consent will do: a new connection, a renewal, new credentials, a re-activation. */
  mode: 'new' | 'reconnect' | 'update' | 'reactivate';
  /** The provider's consent page, to open in a popup or the browser. */
  consent_url: string;
}

export interface NewJournal {
  name: string;
  code?: string;
  periodicity?: Periodicity;
  /**
   * Start the history on this date (YYYY-MM-DD) instead of as far back as the bank allows:
   * nothing before it is recorded, and the opening line carries the balance at that point.
   */
  history_from?: string;
}

export interface AccountLink {
  provider_account_id: string;
  journal: { new: NewJournal } | { existing: number };
}

export interface LinesQuery {
  journal_id: number;
  statement_id?: number;
  /** Words in the payment reference or the partner's name. */
  search?: string;
  date_from?: string;
  date_to?: string;
  /** Minor units, inclusive. */
  amount_min?: number;
  amount_max?: number;
  offset?: number;
  limit?: number;
}

export interface LedgerlinkApi {
  listInstitutions(args: { provider?: string }): Promise<Result<InstitutionView[]>>;
  /** Searches the offline institution catalog (accents, prefixes, any word order). */
  searchInstitutions(args: { query: string; country?: string; provider?: string; limit?: number }): Promise<Result<CatalogInstitutionView[]>>;
  /** Refreshes the catalog from the providers: the stale ones (weekly), or all when forced. */
  refreshCatalog(args: { force?: boolean }): Promise<Result<{ provider: string; ok: boolean; count: number; error?: string }[]>>;
  /**
   * Starts a consent: returns the page to open; the redirect is awaited by finishConnect. The
   * first connection needs the user's phone number (error code 'phone_required' says why).
   */
  startConnect(args: { provider: string; institution_id: string; phone?: string }): Promise<Result<ConnectStart>>;
  /** Waits for the consent redirect; creates or renews the connection and lists its accounts. */
  finishConnect(args: { flow_id: string; timeout_ms?: number }): Promise<Result<{ connection: ConnectionView; accounts: OnlineAccountView[] }>>;
  /** A provider's sandbox shortcut (Plaid sandbox): connects a test institution with no consent page. */
  connectSandbox(args: { provider: string; institution_id: string }): Promise<Result<{ connection: ConnectionView; accounts: OnlineAccountView[] }>>;
  /** Reconnect: consent again for a disconnected or expired connection; journals and history are kept. */
  reconnect(args: { connection_id: number }): Promise<Result<ConnectStart>>;
  /** Update Credentials: the provider's update mode, then a fetch. */
  updateCredentials(args: { connection_id: number }): Promise<Result<ConnectStart>>;
  /** Re-activates a blocked connection: the registered phone number, then a new consent. */
  reactivate(args: { connection_id: number; phone: string }): Promise<Result<ConnectStart>>;
  /** Fetch Accounts: lists the connection's accounts again (link the new ones with linkAccounts). */
  fetchAccounts(args: { connection_id: number }): Promise<Result<OnlineAccountView[]>>;
  /** Disconnect: revoke where the provider allows, delete its secrets, keep the history. */
  disconnect(args: { connection_id: number }): Promise<Result<ConnectionView>>;
  /** Maps chosen accounts to new or existing journals (one online account per journal). */
  linkAccounts(args: { connection_id: number; links: AccountLink[] }): Promise<Result<JournalView[]>>;
  listConnections(args: Record<string, never>): Promise<Result<ConnectionView[]>>;
  listAccounts(args: { connection_id: number }): Promise<Result<OnlineAccountView[]>>;
  listJournals(args: Record<string, never>): Promise<Result<JournalView[]>>;
  listStatements(args: { journal_id: number }): Promise<Result<StatementView[]>>;
  /** End-of-day ledger balances of the `days` days up to `until` (default: the last sync's day). */
  balanceHistory(args: { journal_id: number; days?: number; until?: string }): Promise<Result<{ date: string; balance: number; balance_decimal: string }[]>>;
  listLines(args: LinesQuery): Promise<Result<LineView[]>>;
  /** How many lines the same filters match (without offset/limit). */
  countLines(args: Omit<LinesQuery, 'offset' | 'limit'>): Promise<Result<number>>;
  listPendingLines(args: { journal_id: number }): Promise<Result<PendingLineView[]>>;
  /** Synchronize Now (all connections) or Fetch Transactions (the ones named). */
  synchronize(args: { connection_ids?: number[]; trigger?: 'manual' | 'scheduled' }): Promise<Result<SyncSummary[]>>;
  /** Cancels the synchronizations under way (one connection's, or all): they stop between pages, keeping what was stored. */
  cancelSync(args: { connection_id?: number }): Promise<Result<{ cancelled: number }>>;
  listChatter(args: { connection_id?: number; journal_id?: number }): Promise<Result<ChatterView[]>>;
  /** Removes a line from the ledger; its provider ids are never imported again unless asked. */
  dismissLine(args: { line_id: number }): Promise<Result<DismissedLineView>>;
  listDismissed(args: { journal_id: number }): Promise<Result<DismissedLineView[]>>;
  /** Takes back a guessed pending match (same amount and date, no link from the bank); the line stays. */
  undoMatch(args: { line_id: number }): Promise<Result<LineView>>;
  /** The explicit escape hatch: puts a dismissed line back into the ledger. */
  importAgain(args: { dismissed_id: number }): Promise<Result<LineView>>;
  getSettings(args: Record<string, never>): Promise<Result<Record<string, string>>>;
  /** Every provider key Settings offers, where it is set, shown masked: a secret never comes back. */
  listProviderKeys(args: Record<string, never>): Promise<Result<ProviderKeyView[]>>;
  setSetting(args: { key: string; value: string }): Promise<Result<Record<string, string>>>;
  checkIntegrity(args: Record<string, never>): Promise<Result<IntegrityProblem[]>>;
}

export type ApiMethod = keyof LedgerlinkApi;

export interface ProviderKeyView {
  provider: string;
  provider_name: string;
  key: string;
  secret: boolean;
  /**
   * Where the value comes from (the environment wins over Settings); null: not set;
   * 'unavailable': a secret whose keychain cannot be opened, so whether it is set is unknown.
   */
  source: 'environment' | 'keychain' | 'ledger' | 'unavailable' | null;
  /**
   * The value masked: a secret is always the same eight dots (nothing of it leaves main);
   * an id keeps its last four characters so the user can tell which one is set.
   */
  masked: string | null;
}

export interface SyncProgressEvent {
  connection_id: number;
  online_account_id: number;
  journal_id: number | null;
  pages: number;
  fetched: number;
  stored: number;
  duplicates: number;
  pending: number;
  /**
   * How far through its date window the account is: banks give no total, so progress is
   * measured in days of the window (its history limit applied) that pages have covered.
   * days_done equals days_total once the account's last page is stored.
   */
  days_total: number;
  days_done: number;
  /** The booking date the fetch has reached (newest for banks going forward, oldest otherwise). */
  reached: string | null;
}

/** What the app tells the user without being asked (desktop notifications, the dashboard). */
export type NotificationEvent =
  /** MFA, login or consent needed: the connection waits for the user (raised once per wait). */
  | { type: 'waiting_for_user'; connection_id: number; action: StateAction | null }
  /** Every request of the connection is stopped until the user re-activates it. */
  | { type: 'blocked'; connection_id: number; reason: string | null; action: 'reactivate' }
  /** Consent ends soon (15, 3 and 1 days before): one click on Reconnect renews it. */
  | { type: 'consent_expiring'; connection_id: number; days_left: number; consent_expires_at: string; action: 'reconnect' }
  /** A scheduled run was postponed to stay inside the bank's request budget. */
  | { type: 'quota_deferred'; connection_id: number; next_attempt_at: string; limit: number | null; reason: 'exhausted' | 'reserve' | 'daily_budget' | 'spacing' | null }
  /** Automatic synchronization was switched off because the institution refuses it. */
  | { type: 'auto_sync_off'; connection_id: number }
  | { type: 'offline' }
  | { type: 'online' }
  /** Something outside the provider's taxonomy failed. */
  | { type: 'error'; connection_id?: number; message: string };

export interface ApiEvents {
  syncProgress: SyncProgressEvent;
  chatter: ChatterView;
  connectionState: { connection_id: number; state: ConnectionState; state_action: StateAction | null };
  notification: NotificationEvent;
}

export type ApiEventName = keyof ApiEvents;
