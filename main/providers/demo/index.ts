// The Demo Bank: a sandbox provider built into the app, so a new user sees the whole flow
// (institution, consent pages, accounts, first sync, pending → posted, errors) with no bank
// account and no keys. The consent id is the connection's providerRef. Only its OAuth
// institution (demo-oauth) issues secrets: an access and a refresh token, which the provider
// renews itself through ConnectionContext.getSecret / setSecret. Its special institutions
// (see institutions.ts) let the scheduler's tests meet rate limits, MFA, rotation and locks.

import { randomBytes } from 'node:crypto';
import { systemClock } from '../../common/clock';
import { formatAmount } from '../../ledger/money';
import { isProviderError } from '../errors';
import type {
  ConnectionContext, ConsentResult, ConsentStart, FetchRequest, Institution, Provider, ProviderAccount, TransactionPage,
} from '../types';
import { demoError } from './bank-errors';
import { dayOfDate, dayOfInstant } from './calendar';
import { ConsentServer, LOGIN_BLOCKED_ERROR, isLoopbackRedirect } from './consent-server';
import { accountStream } from './generator';
import type { DemoInstitution } from './institutions';
import { DEMO_INSTITUTIONS, DEMO_LOGIN_ATTEMPTS, findInstitution, publicInstitution } from './institutions';
import { FRAUD_SYNC_LIMIT, spendBudget, watchSync } from './limits';
import type { Cursor } from './paging';
import { decodeCursor, encodeCursor, readPage } from './paging';
import type { BankState, ConsentRecord } from './state';
import { StateFile } from './state';
import type { IssuedTokens } from './tokens';
import { ACCESS_TOKEN_SECRET, REFRESH_TOKEN_SECRET, accessTokenValid, issueTokens, refreshTokenValid } from './tokens';

export { completeConsentHeadlessly } from './autopilot';
export { LOGIN_BLOCKED_ERROR } from './consent-server';
export { bankLedger } from './generator';
export type { DemoInstitutionId } from './institutions';
export { DEMO_INSTITUTION, DEMO_INSTITUTIONS, DEMO_LOGIN_ATTEMPTS, DEMO_MFA_CODE, DEMO_PASSWORD, DEMO_USERNAME } from './institutions';
export { FRAUD_SYNC_LIMIT, FRAUD_WINDOW_MS, UNATTENDED_WINDOW_MS } from './limits';
export { ACCESS_TOKEN_SECRET, ACCESS_TOKEN_TTL_MS, REFRESH_TOKEN_SECRET } from './tokens';

/** PSD2 consents last 90 days; the Demo Bank's too, so the renewal flow can be exercised. */
export const CONSENT_DAYS = 90;
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_SEED = 42;
const DAY_MS = 86_400_000;

export interface DemoBankOptions {
  /** Where the bank keeps its side of the consents (demo-bank.json). */
  stateDir: string;
  /** Changes every generated transaction; the same seed always gives the same bank. */
  seed?: number;
  /** Clock of the consent pages (provider calls use the connection's clock). */
  now?: () => Date;
  pageSize?: number;
}

export class DemoBank implements Provider {
  readonly name = 'demo' as const;
  readonly displayName = 'Demo Bank';
  /** No real money behind it: a first connection needs no registered phone. */
  readonly sandbox = true;
  private readonly state: StateFile;
  private readonly seed: number;
  private readonly pageSize: number;
  private readonly server: ConsentServer;

  constructor(opts: DemoBankOptions) {
    this.state = new StateFile(opts.stateDir);
    this.seed = opts.seed ?? DEFAULT_SEED;
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(this.pageSize) || this.pageSize < 1) throw new RangeError(`pageSize must be a positive integer, not ${this.pageSize}`);
    this.server = new ConsentServer(opts.now ?? systemClock);
  }

  async listInstitutions(): Promise<Institution[]> {
    return DEMO_INSTITUTIONS.map(publicInstitution);
  }

  async startConsent(req: ConsentStart): Promise<{ url: string }> {
    const institution = this.institution(req.institutionId);
    if (!isLoopbackRedirect(req.redirectUri)) {
      throw demoError('other', 'INVALID_REDIRECT_URI', `Demo Bank only sends you back to this computer (http://127.0.0.1 or http://localhost), not to ${req.redirectUri}.`);
    }
    if (req.state === '') throw demoError('other', 'MISSING_STATE', 'The consent request has no state value to protect it.');
    let providerRef: string | undefined;
    if (req.mode !== 'new') {
      if (!req.connection || req.connection.institutionId !== req.institutionId) {
        throw demoError('other', 'INVALID_RECONNECT', `To ${req.mode === 'reconnect' ? 'reconnect' : 'update'} a Demo Bank connection, give the connection at ${institution.name} concerned.`);
      }
      providerRef = req.connection.providerRef;
    }
    const url = await this.server.createSession({ institution, redirectUri: req.redirectUri, state: req.state, mode: req.mode, providerRef });
    return { url };
  }

  async completeConsent(req: { institutionId: string; params: Record<string, string>; now: Date }): Promise<ConsentResult> {
    const { params } = req;
    if (params['error'] === LOGIN_BLOCKED_ERROR) {
      const name = findInstitution(req.institutionId)?.name ?? 'Demo Bank';
      throw demoError('locked', 'LOGIN_BLOCKED', `${name} blocked the sign-in after ${DEMO_LOGIN_ATTEMPTS} wrong passwords in a row (suspicious activity), so nothing was connected. Re-activate the connection and sign in again with the right password.`);
    }
    if (params['error'] !== undefined) {
      const description = params['error'] === 'access_denied'
        ? 'The consent was cancelled at Demo Bank, so nothing was connected. Start again when you want to connect.'
        : `Demo Bank did not give the consent (${params['error_description'] ?? params['error']}).`;
      throw demoError('user_action_required', params['error'].toUpperCase(), description);
    }
    const code = params['code'];
    const grant = code === undefined ? undefined : this.server.redeem(code, req.now);
    if (!grant) throw demoError('other', 'INVALID_GRANT', 'This Demo Bank consent code is unknown, expired or was already used. Start the connection again.');
    if (grant.institutionId !== req.institutionId) {
      throw demoError('other', 'INSTITUTION_MISMATCH', `This consent was given at ${grant.institutionId}, not at ${req.institutionId}.`);
    }
    if (params['state'] !== undefined && params['state'] !== grant.state) {
      throw demoError('other', 'STATE_MISMATCH', 'The consent answer does not belong to this request (state differs). Start the connection again.');
    }
    const institution = this.institution(grant.institutionId);
    const providerRef = grant.providerRef ?? `demo-consent-${randomBytes(12).toString('hex')}`;
    const given = req.now.toISOString();
    const expiresAt = new Date(req.now.getTime() + CONSENT_DAYS * DAY_MS).toISOString();
    // New tokens on every consent, renewals included: the ones issued before die with the old record.
    const tokens = institution.behaviour?.oauth ? issueTokens(req.now) : undefined;
    this.updateState((s) => {
      const previous = s.consents[providerRef];
      // A renewal keeps the refresh history and the unattended budget: reconnecting must not
      // reset a bank's limits. It does clear a lock and the syncs that caused it: giving the
      // consent again is how the user re-activates a locked connection.
      const record: ConsentRecord = {
        id: providerRef, institutionId: grant.institutionId, accountIds: grant.accountIds, createdAt: given, expiresAt,
        lastRefreshAt: previous?.lastRefreshAt ?? given,
      };
      if (previous?.unattendedSyncs) record.unattendedSyncs = previous.unattendedSyncs;
      if (tokens) record.tokens = tokens.record;
      s.consents[providerRef] = record;
    });
    return { providerRef, consentExpiresAt: expiresAt, secrets: tokens ? { [ACCESS_TOKEN_SECRET]: tokens.accessToken, [REFRESH_TOKEN_SECRET]: tokens.refreshToken } : {} };
  }

  async listAccounts(ctx: ConnectionContext): Promise<ProviderAccount[]> {
    const { record, institution } = await this.open(ctx);
    const asOf = dataAsOf(institution, record, ctx.now());
    const today = dayOfInstant(asOf);
    return institution.accounts
      .filter((a) => record.accountIds.includes(a.id))
      .map((a) => ({
        id: a.id,
        name: a.name,
        accountNumber: a.accountNumber,
        currency: a.currency,
        balance: formatAmount(accountStream(this.seed, institution.id, a.id).balanceBefore(today + 1), a.currency),
        balanceAt: asOf.toISOString(),
      }));
  }

  async requestRefresh(ctx: ConnectionContext): Promise<void> {
    const { record, institution } = await this.open(ctx);
    refuseUnattended(ctx, institution);
    const now = ctx.now();
    if (institution.refreshesPerDay !== undefined) {
      const next = Date.parse(record.lastRefreshAt) + DAY_MS / institution.refreshesPerDay;
      if (now.getTime() < next) {
        const retryAt = new Date(next).toISOString();
        throw demoError('rate_limited', 'REFRESH_LIMIT', `${institution.name} allows ${institution.refreshesPerDay === 1 ? 'one refresh' : `${institution.refreshesPerDay} refreshes`} a day. Its data was last refreshed at ${record.lastRefreshAt}; the next refresh is possible at ${retryAt}. Until then a synchronization brings nothing newer.`, { retryAt });
      }
    }
    this.updateState((s) => {
      const current = s.consents[record.id];
      if (current) current.lastRefreshAt = now.toISOString();
    });
  }

  async fetchTransactions(ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    const { record, institution } = await this.open(ctx);
    refuseUnattended(ctx, institution);
    if (!record.accountIds.includes(req.accountId)) {
      throw demoError('other', 'ACCOUNT_NOT_IN_CONSENT', `The account ${req.accountId} is not part of this ${institution.name} consent. Use Fetch Accounts to add it.`);
    }
    const today = dayOfInstant(dataAsOf(institution, record, ctx.now()));
    const cursor = req.cursor === null ? firstPage(req) : decodeCursor(req.cursor);
    if (!cursor || cursor.accountId !== req.accountId) {
      throw demoError('other', 'INVALID_CURSOR', 'The synchronization position given to Demo Bank is not valid for this account. Synchronize again from the start.');
    }
    if (req.cursor === null) this.countSync(ctx, record, institution, req.accountId);
    // Whatever is asked, nothing before the institution's history limit is returned.
    const oldest = today - institution.historyDays;
    const from = cursor.day < oldest ? { day: oldest, skip: 0 } : cursor;
    const stream = accountStream(this.seed, institution.id, req.accountId);
    const { posted, next } = readPage(stream, from, Math.min(cursor.until, today), this.pageSize);
    return {
      posted,
      // The whole pending list goes with the first page; later pages of the same sync add none.
      pending: req.cursor === null ? stream.pendingOn(today) : [],
      pendingIsSnapshot: true,
      nextCursor: next ? encodeCursor({ ...cursor, ...next }) : null,
      hasMore: next !== null,
    };
  }

  /** Deletes the consent, and with it the hashes of its tokens: they are refused from now on. */
  async revoke(ctx: ConnectionContext): Promise<void> {
    this.updateState((s) => {
      const record = s.consents[ctx.providerRef];
      if (record && record.institutionId === ctx.institutionId) delete s.consents[ctx.providerRef];
    });
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private institution(id: string): DemoInstitution {
    const institution = findInstitution(id);
    if (!institution) throw demoError('other', 'UNKNOWN_INSTITUTION', `Demo Bank has no institution "${id}".`);
    return institution;
  }

  /** The consent behind a connection, checked: known, at this institution, not expired. */
  private consentOf(ctx: ConnectionContext): { record: ConsentRecord; institution: DemoInstitution } {
    ctx.signal?.throwIfAborted();
    const record = this.readState().consents[ctx.providerRef];
    if (!record) throw consentUnknown();
    if (record.institutionId !== ctx.institutionId) {
      throw demoError('other', 'INSTITUTION_MISMATCH', `This consent was given at ${record.institutionId}, not at ${ctx.institutionId}.`);
    }
    const institution = this.institution(record.institutionId);
    if (ctx.now().getTime() >= Date.parse(record.expiresAt)) {
      throw demoError('consent_expired', 'CONSENT_EXPIRED', `Your consent for ${institution.name} expired on ${record.expiresAt.slice(0, 10)}. Reconnect to renew it for another ${CONSENT_DAYS} days.`);
    }
    return { record, institution };
  }

  /**
   * What every API call goes through, in the bank's order: a known, current consent; not
   * locked; a valid access token where the institution uses them (renewed when needed); the
   * user present where the bank asks a security code for unattended calls.
   */
  private async open(ctx: ConnectionContext): Promise<{ record: ConsentRecord; institution: DemoInstitution }> {
    const found = this.consentOf(ctx);
    refuseLocked(found.record, found.institution);
    if (found.institution.behaviour?.oauth) await this.authorize(ctx, found.record, found.institution);
    askSecurityCode(ctx, found.institution);
    return found;
  }

  /**
   * Checks the connection's access token; when it is missing, expired or no longer the valid
   * one, renews it with the refresh token as an OAuth client does after a 401. The bank then
   * issues a new access token and a new refresh token, and the old refresh token dies at once.
   */
  private async authorize(ctx: ConnectionContext, record: ConsentRecord, institution: DemoInstitution): Promise<void> {
    const now = ctx.now();
    if (accessTokenValid(record.tokens, await ctx.getSecret(ACCESS_TOKEN_SECRET), now)) return;
    const refresh = await ctx.getSecret(REFRESH_TOKEN_SECRET);
    ctx.signal?.throwIfAborted();
    if (refresh === undefined || refresh === '') {
      throw demoError('login_required', 'REFRESH_TOKEN_MISSING', `No ${institution.name} refresh token is stored for this connection, so Ledgerlink cannot sign in to the bank. Update Credentials to sign in again.`);
    }
    const issued = this.updateState((s): IssuedTokens => {
      const current = s.consents[record.id];
      if (!current) throw consentUnknown();
      if (!refreshTokenValid(current.tokens, refresh)) {
        throw demoError('login_required', 'INVALID_REFRESH_TOKEN', `${institution.name} refused this connection's refresh token: it was already used, replaced by a newer consent or revoked. Update Credentials to sign in again.`);
      }
      const tokens = issueTokens(now);
      current.tokens = tokens.record; // the previous refresh and access tokens stop working here
      return tokens;
    });
    // The refresh token first: if the app stops between the two, it holds the refresh token
    // that works, and the stale access token is simply renewed again on the next call.
    await ctx.setSecret(REFRESH_TOKEN_SECRET, issued.refreshToken);
    await ctx.setSecret(ACCESS_TOKEN_SECRET, issued.accessToken);
  }

  /** A synchronization starts (a fetch without a cursor): the banks that limit them count it. */
  private countSync(ctx: ConnectionContext, record: ConsentRecord, institution: DemoInstitution, accountId: string): void {
    const now = ctx.now();
    const limit = institution.unattendedPerDay;
    if (limit !== undefined) {
      const outcome = this.updateState((s) => {
        const current = s.consents[record.id];
        if (!current) throw consentUnknown();
        // The user is present (interactive): PSD2 does not limit that; the budget is only reported.
        const result = spendBudget(current.unattendedSyncs?.[accountId], { limit, now, accountId, spend: !ctx.interactive });
        current.unattendedSyncs = { ...current.unattendedSyncs, [accountId]: result.calls };
        return result;
      });
      ctx.reportQuota?.(outcome.report);
      if (!outcome.allowed) {
        const retryAt = outcome.retryAt ?? new Date(now.getTime() + DAY_MS).toISOString();
        throw demoError('rate_limited', 'UNATTENDED_LIMIT', `${institution.name} allows ${limit} automatic synchronizations per account in 24 hours, and this account has used them. The next one is possible at ${retryAt}. Synchronizing while you are present (Synchronize Now) is not limited.`, { retryAt });
      }
    }
    if (institution.behaviour?.fraudWatch) {
      const locked = this.updateState((s) => {
        const current = s.consents[record.id];
        if (!current) throw consentUnknown();
        const { syncs, suspicious } = watchSync(current.recentSyncs, now);
        current.recentSyncs = syncs;
        if (suspicious) current.lockedAt = now.toISOString();
        return suspicious ? { ...current } : null;
      });
      if (locked) refuseLocked(locked, institution);
    }
  }

  private readState(): BankState {
    try {
      return this.state.read();
    } catch (e) {
      throw unreadableState(this.state.path, e);
    }
  }

  private updateState<T>(change: (s: BankState) => T): T {
    try {
      return this.state.update(change);
    } catch (e) {
      // A full disk is not the file's fault: said as such by the engine, and the file is intact.
      if (isProviderError(e) || ['ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      throw unreadableState(this.state.path, e);
    }
  }
}

function unreadableState(path: string, cause: unknown): Error {
  return demoError('other', 'STATE_UNREADABLE', `The Demo Bank's own file ${path} could not be read or written. Delete it to start the Demo Bank afresh.`, { cause });
}

function consentUnknown(): Error {
  return demoError('login_required', 'CONSENT_UNKNOWN', 'Demo Bank does not know this connection (its consent was revoked or never completed). Reconnect to give a new consent.');
}

function refuseLocked(record: ConsentRecord, institution: DemoInstitution): void {
  if (record.lockedAt !== undefined) {
    throw demoError('locked', 'CONSENT_LOCKED', `${institution.name} locked this connection at ${record.lockedAt} after more than ${FRAUD_SYNC_LIMIT} synchronizations within an hour (suspicious activity). Every request is refused until you give your consent again: use Reactivate with your registered phone number.`);
  }
}

/** Banks that ask a security code (SCA) on each access: only possible with the user present. */
function askSecurityCode(ctx: ConnectionContext, institution: DemoInstitution): void {
  if (institution.behaviour?.scaWhenUnattended && !ctx.interactive) {
    throw demoError('user_action_required', 'SCA_REQUIRED', `${institution.name} asks for a security code: synchronize while you are at your computer (Synchronize Now).`);
  }
}

function refuseUnattended(ctx: ConnectionContext, institution: DemoInstitution): void {
  if (!institution.automaticSync && !ctx.interactive) {
    throw demoError('automatic_sync_refused', 'AUTOMATIC_SYNC_REFUSED', `${institution.name} does not allow automatic synchronization. Turn off automatic synchronization for this connection and synchronize manually (Synchronize Now) while you are present.`);
  }
}

/**
 * The instant the bank's data is as of. A bank with a refresh limit only shows what it had at
 * its last refresh (the consent itself counts as one); the others are always current.
 */
function dataAsOf(institution: DemoInstitution, record: ConsentRecord, now: Date): Date {
  return institution.refreshesPerDay === undefined ? now : new Date(Math.min(now.getTime(), Date.parse(record.lastRefreshAt)));
}

function firstPage(req: FetchRequest): Cursor {
  const since = dayOfDate(req.since);
  const until = dayOfDate(req.until);
  if (since === null || until === null) {
    throw demoError('other', 'INVALID_DATE', `Demo Bank needs dates as YYYY-MM-DD (got since "${req.since}", until "${req.until}").`);
  }
  return { accountId: req.accountId, until, day: since, skip: 0 };
}
