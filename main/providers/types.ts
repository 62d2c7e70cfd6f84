// The contract every bank-data provider implements (Demo Bank, Plaid, Salt Edge, Ponto,
// Enable Banking, Yodlee, GoCardless, SimpleFIN). The sync engine only ever talks to this.

export type ProviderName =
  | 'demo' | 'plaid' | 'saltedge' | 'ponto' | 'enablebanking' | 'yodlee' | 'gocardless' | 'simplefin';

export interface Institution {
  /** The provider's id of the institution. */
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  bic?: string;
  /** Shown with a Beta badge: the connection may be less reliable. */
  beta: boolean;
  /** How many days of history the institution gives on a first sync. */
  historyDays: number;
  /** False when the institution refuses unattended (automatic) synchronization. */
  automaticSync: boolean;
  /** Refreshes the institution allows per day, when limited. */
  refreshesPerDay?: number;
  /** Unattended (background) requests allowed per account per 24 h (PSD2 banks: often 4). */
  unattendedPerDay?: number;
  /** True when the consent step asks a one-time code. */
  mfa?: boolean;
  logo?: string;
}

/** Kinds of transaction ids a provider may give; a line keeps every one it was seen with. */
export type ProviderIdKind = 'transaction' | 'pending' | 'entry_reference' | 'internal';

export interface ProviderId {
  kind: ProviderIdKind;
  id: string;
}

export interface ProviderAccount {
  /** The provider's id of the account (stable within the connection). */
  id: string;
  name: string;
  /** IBAN or account number, masked where the provider masks it. */
  accountNumber?: string;
  currency: string;
  /** Booked balance as the bank reports it, decimal text in the account's currency. */
  balance: string;
  /** When the bank computed that balance (ISO instant), if it says. */
  balanceAt?: string;
}

export interface ProviderTransaction {
  /** The provider's main id of this transaction. */
  id: string;
  /** Further ids of the same transaction (entry reference, internal id...). */
  otherIds?: ProviderId[];
  /** For a posted transaction: the id it had while pending, when the provider links them. */
  pendingId?: string;
  /** Booking date as a calendar date (YYYY-MM-DD) ... */
  date?: string;
  /** ... or as an instant (ISO 8601 with offset), cut on the journal's local day. */
  datetime?: string;
  /** Signed decimal text in `currency`: positive = money into the account. */
  amount: string;
  currency: string;
  paymentRef: string;
  partnerName?: string;
  /** The counterparty's account number / IBAN. */
  accountNumber?: string;
  /** The amount as originally charged, for a foreign-currency payment (decimal text). */
  originalAmount?: string;
  originalCurrency?: string;
  /** Exchange rate applied by the bank (decimal text), when given. */
  exchangeRate?: string;
  /** The provider's raw record, kept on the line for support. Must hold no secret. */
  raw?: unknown;
}

export interface TransactionPage {
  /** Posted transactions: the only ones that reach statements. */
  posted: ProviderTransaction[];
  /** Pending transactions, kept apart from the ledger. */
  pending: ProviderTransaction[];
  /** Ids the provider says are gone (e.g. a pending transaction that was dropped or posted). */
  removed?: string[];
  /**
   * Opaque position to pass back to continue after this page. Persisted in the same
   * SQLite transaction as the page, so a crash resumes right after the last stored page.
   * On the last page: what the next synchronization should start from (null = use the window).
   */
  nextCursor: string | null;
  hasMore: boolean;
  /**
   * True when the pending transactions of this synchronization (all pages) are the complete
   * list of what is pending now: pending lines not seen again are then dropped.
   */
  pendingIsSnapshot?: boolean;
}

/** A request budget as the provider states it, in response headers or in an error. */
export interface QuotaReport {
  /** The provider's account id the budget belongs to; absent: the whole connection. */
  accountId?: string;
  /** Requests allowed per window (e.g. 4 a day). */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** When the budget is whole again (ISO instant). */
  resetAt?: string;
}

/** What a provider gets to act on behalf of one connection. */
export interface ConnectionContext {
  connectionId: number;
  institutionId: string;
  /** The provider's own, non-secret reference of the connection (item id, consent id...). */
  providerRef: string;
  /** Reads a secret of this connection from the vault (access token...). */
  getSecret(name: string): Promise<string | undefined>;
  /** Stores a secret of this connection (rotated refresh token...). */
  setSecret(name: string, value: string): Promise<void>;
  /** False for scheduled, unattended runs. */
  interactive: boolean;
  /** Where the provider reports the request budgets it learns of (see QuotaReport). */
  reportQuota?(q: QuotaReport): void;
  now(): Date;
  signal?: AbortSignal;
}

export interface FetchRequest {
  accountId: string;
  /** First booking date wanted (YYYY-MM-DD, inclusive). */
  since: string;
  /** Last booking date wanted (YYYY-MM-DD, inclusive): today in the journal's time zone. */
  until: string;
  /** The cursor saved after the last stored page, or null. */
  cursor: string | null;
}

export interface ConsentStart {
  institutionId: string;
  /** Loopback URL the provider's consent page redirects to when done. */
  redirectUri: string;
  /** Anti-forgery value that must come back unchanged with the redirect. */
  state: string;
  mode: 'new' | 'reconnect' | 'update';
  /** For reconnect / update: the connection concerned. */
  connection?: ConnectionContext;
}

export interface ConsentResult {
  providerRef: string;
  /** When the consent lapses (ISO instant), if it does. */
  consentExpiresAt?: string;
  /** Secrets to keep in the vault for this connection (tokens...). Never stored in SQLite. */
  secrets: Record<string, string>;
}

export interface Provider {
  readonly name: ProviderName;
  readonly displayName: string;
  /** A sandbox gives access to no real money: it may connect without a registered phone. */
  readonly sandbox?: boolean;
  listInstitutions(): Promise<Institution[]>;
  /** Returns the URL of the provider's consent page for the user to open. */
  startConsent(req: ConsentStart): Promise<{ url: string }>;
  /** Finishes the consent from the query parameters of the redirect. */
  completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult>;
  listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]>;
  /** Asks the provider to refresh its data from the bank, where the API allows. */
  requestRefresh?(ctx: ConnectionContext): Promise<void>;
  fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage>;
  /**
   * A provider's documented sandbox shortcut (Plaid's /sandbox/public_token/create): a
   * consent for a test institution without any UI.
   */
  sandboxConnect?(institutionId: string): Promise<ConsentResult>;
  /** Revokes the consent at the provider, where it allows. */
  revoke?(ctx: ConnectionContext): Promise<void>;
  /** Stops background work (servers...). */
  close?(): Promise<void>;
}
