import { randomBytes } from 'node:crypto';
import type { ConnectStart, ConnectionView, OnlineAccountView, SyncSummary } from '../../preload/api';
import { postChatter, type ChatterMessage } from '../ledger/chatter';
import type { ConnectionRow as FullConnectionRow } from '../ledger/connections';
import type { Db } from '../ledger/db';
import { parseAmount } from '../ledger/money';
import { getSetting, setSetting } from '../ledger/settings';
import { toProviderError } from '../providers/errors';
import type { ConnectionContext, Provider } from '../providers/types';
import { readSecret, rotateSecret } from '../vault/index';
import { deleteAllSecrets } from './leftover-secrets';
import type { Vault } from '../vault/types';
import { ApiFailure } from './errors';
import { PHONE_REASON, normalizePhone } from './phone';
import { RedirectListener } from './redirect-listener';

type Mode = 'new' | 'reconnect' | 'update' | 'reactivate';

interface Flow {
  provider: Provider;
  institutionId: string;
  listener: RedirectListener;
  mode: Mode;
  connectionId?: number;
  /** Abandons the flow when nobody finishes it in time. */
  expiry: NodeJS.Timeout;
  /** finishConnect is waiting on it (then its own time-out ends it). */
  finishing: boolean;
}

type ConnectionRow = Pick<FullConnectionRow, 'id' | 'provider' | 'institution_id' | 'institution_name' | 'provider_ref' | 'state'>;

export interface LifecycleHost {
  db: Db;
  now(): Date;
  provider(name: string): Provider;
  /** The vault, opened on first use; throws ApiFailure('no_vault') with what to install. */
  vault(): Promise<Vault>;
  connection(id: number): ConnectionView;
  accounts(connectionId: number): OnlineAccountView[];
  /** Fetch Transactions on one connection (manual trigger). */
  syncNow(connectionId: number): Promise<SyncSummary>;
  notifyState(connectionId: number): void;
}

const PHONE_SECRET = 'phone';
/** A consent not finished within this time is abandoned (finishConnect's default wait). */
export const CONSENT_FLOW_TTL_MS = 15 * 60_000;
/** Consents open at once, each with its loopback listener; past it the oldest idle one goes. */
export const MAX_OPEN_FLOWS = 10;

/**
 * A connection's life: consent (new, reconnect, update credentials, re-activation after a
 * block), Fetch Accounts, Disconnect. Consents complete through a loopback redirect checked
 * against a random state; secrets go to the vault, never to SQLite.
 */
export class ConnectionLifecycle {
  private readonly flows = new Map<string, Flow>();
  private readonly flowTtlMs: number;

  constructor(private readonly host: LifecycleHost, opts: { flowTtlMs?: number } = {}) {
    this.flowTtlMs = opts.flowTtlMs ?? CONSENT_FLOW_TTL_MS;
  }

  async close(): Promise<void> {
    for (const f of this.flows.values()) {
      clearTimeout(f.expiry);
      await f.listener.close();
    }
    this.flows.clear();
  }

  /**
   * Ends started consents nobody is finishing (the page that started them went away): their
   * listeners close. A flow whose finishConnect is waiting is left to that call's time-out.
   */
  async abandonUnfinished(flowIds: Iterable<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const id of flowIds) {
      if (this.flows.get(id)?.finishing === false) closing.push(this.abandon(id));
    }
    await Promise.all(closing);
  }

  private async abandon(flowId: string): Promise<void> {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    this.flows.delete(flowId);
    clearTimeout(flow.expiry);
    await flow.listener.close();
  }

  /** Keeps a started flow, making room first: every flow holds a listening socket. */
  private keep(flowId: string, flow: Omit<Flow, 'expiry' | 'finishing'>): void {
    while (this.flows.size >= MAX_OPEN_FLOWS) {
      const [oldest] = [...this.flows].find(([, f]) => !f.finishing) ?? [...this.flows][0]!;
      void this.abandon(oldest);
    }
    const expiry = setTimeout(() => void this.abandon(flowId), this.flowTtlMs);
    expiry.unref(); // an abandoned consent must not keep the CLI alive
    this.flows.set(flowId, { ...flow, expiry, finishing: false });
  }

  private row(connectionId: number): ConnectionRow {
    const r = this.host.db.prepare('SELECT id, provider, institution_id, institution_name, provider_ref, state FROM connections WHERE id = ?').get(connectionId) as ConnectionRow | undefined;
    if (!r) throw new ApiFailure('not_found', `There is no connection ${connectionId}.`);
    return r;
  }

  context(row: Pick<ConnectionRow, 'id' | 'institution_id' | 'provider_ref'>, interactive: boolean): ConnectionContext {
    return {
      connectionId: row.id,
      institutionId: row.institution_id,
      providerRef: row.provider_ref,
      getSecret: async (n) => readSecret(await this.host.vault(), row.id, n),
      setSecret: async (n, v) => rotateSecret(await this.host.vault(), row.id, n, v),
      interactive,
      now: () => this.host.now(),
    };
  }

  phoneRegistered(): boolean {
    return getSetting(this.host.db, 'phone_registered') === 'yes';
  }

  /** Keeps the user's phone number in the vault; SQLite only learns that one is registered. */
  async registerPhone(input: string): Promise<void> {
    const phone = normalizePhone(input);
    if (!phone) throw new ApiFailure('invalid_phone', `"${input}" is not a phone number in international form, like +32 470 12 34 56. ${PHONE_REASON}`);
    await (await this.host.vault()).set('app', PHONE_SECRET, phone);
    setSetting(this.host.db, 'phone_registered', 'yes');
  }

  async startNew(providerName: string, institutionId: string, phone: string | undefined): Promise<ConnectStart> {
    const provider = this.host.provider(providerName);
    if (!(await provider.listInstitutions()).some((i) => i.id === institutionId)) {
      throw new ApiFailure('not_found', `${provider.displayName} has no institution "${institutionId}".`);
    }
    if (phone !== undefined) await this.registerPhone(phone);
    else if (!this.phoneRegistered() && !provider.sandbox) {
      throw new ApiFailure('phone_required', `A phone number is needed for your first bank connection. ${PHONE_REASON}`);
    }
    return this.start({ provider, institutionId, mode: 'new' });
  }

  /** Reconnect (consent again, keeping journals and history) or Update Credentials. */
  async startRenewal(connectionId: number, mode: 'reconnect' | 'update'): Promise<ConnectStart> {
    const row = this.row(connectionId);
    if (row.state === 'blocked') {
      throw new ApiFailure('blocked', 'This connection is blocked after suspicious activity. Re-activate it with your registered phone number first.');
    }
    return this.start({ provider: this.host.provider(row.provider), institutionId: row.institution_id, mode, connectionId, row });
  }

  /** Re-activation of a blocked connection: the registered phone number, then a new consent. */
  async startReactivation(connectionId: number, phoneInput: string): Promise<ConnectStart> {
    const row = this.row(connectionId);
    if (row.state !== 'blocked') throw new ApiFailure('not_blocked', 'This connection is not blocked: nothing to re-activate.');
    const registered = this.phoneRegistered() ? await (await this.host.vault()).get('app', PHONE_SECRET) : undefined;
    const given = normalizePhone(phoneInput);
    if (!registered) throw new ApiFailure('phone_required', `No phone number is registered. ${PHONE_REASON}`);
    if (given !== registered) {
      throw new ApiFailure('phone_mismatch', 'This is not the phone number registered for your account. Use the number you gave at your first connection.');
    }
    return this.start({ provider: this.host.provider(row.provider), institutionId: row.institution_id, mode: 'reactivate', connectionId, row });
  }

  private async start(f: { provider: Provider; institutionId: string; mode: Mode; connectionId?: number; row?: ConnectionRow }): Promise<ConnectStart> {
    const listener = new RedirectListener();
    await listener.start();
    try {
      const { url } = await f.provider.startConsent({
        institutionId: f.institutionId,
        redirectUri: listener.redirectUri,
        state: listener.state,
        mode: f.mode === 'new' ? 'new' : f.mode === 'update' ? 'update' : 'reconnect',
        ...(f.row ? { connection: this.context(f.row, true) } : {}),
      });
      const flowId = randomBytes(12).toString('hex');
      this.keep(flowId, { provider: f.provider, institutionId: f.institutionId, listener, mode: f.mode, ...(f.connectionId ? { connectionId: f.connectionId } : {}) });
      return { flow_id: flowId, consent_url: url, mode: f.mode };
    } catch (e) {
      await listener.close();
      throw e;
    }
  }

  /** Waits for the consent redirect and completes whichever flow it was. */
  async finish(flowId: string, timeoutMs: number): Promise<{ connection: ConnectionView; accounts: OnlineAccountView[] }> {
    const flow = this.flows.get(flowId);
    if (!flow) throw new ApiFailure('not_found', 'This connection attempt is unknown or finished. Start it again.');
    const { db } = this.host;
    // From here the wait's own time-out ends the flow.
    clearTimeout(flow.expiry);
    flow.finishing = true;
    try {
      const params = await flow.listener.wait(timeoutMs);
      const consent = await flow.provider.completeConsent({ institutionId: flow.institutionId, params, now: this.host.now() });
      const hasSecrets = Object.keys(consent.secrets).length > 0;
      const vault = hasSecrets ? await this.host.vault() : undefined;
      let connectionId: number;
      if (flow.mode === 'new') {
        connectionId = await this.createConnection(flow.provider, flow.institutionId, consent.providerRef, consent.consentExpiresAt);
      } else {
        connectionId = flow.connectionId!;
        // A fresh consent clears every trace of the trouble that asked for it.
        db.prepare(
          `UPDATE connections SET provider_ref = ?, consent_expires_at = ?, state = 'connected', state_action = NULL,
             blocked_reason = NULL, failed_logins = 0, retry_at = NULL, backoff_attempts = 0, disconnected_at = NULL,
             consent_reminded_days = NULL
           WHERE id = ?`,
        ).run(consent.providerRef, consent.consentExpiresAt ?? null, connectionId);
        this.chatter(connectionId, 'info', {
          reconnect: 'Reconnected: your consent was renewed. Journals and history are kept.',
          update: 'Bank credentials updated.',
          reactivate: 'Re-activated with your registered phone number: synchronization resumes.',
          new: '',
        }[flow.mode], { key: `connection.${flow.mode}` });
      }
      if (vault) {
        for (const [k, v] of Object.entries(consent.secrets)) await rotateSecret(vault, connectionId, k, v);
      }
      this.host.notifyState(connectionId);
      await this.fetchAccounts(connectionId);
      if (flow.mode === 'update') await this.host.syncNow(connectionId);
      return { connection: this.host.connection(connectionId), accounts: this.host.accounts(connectionId) };
    } finally {
      this.flows.delete(flowId);
      await flow.listener.close();
    }
  }

  private async createConnection(provider: Provider, institutionId: string, providerRef: string, consentExpiresAt: string | undefined): Promise<number> {
    const { db } = this.host;
    const institution = (await provider.listInstitutions()).find((i) => i.id === institutionId);
    const connectionId = Number(db.prepare(
      `INSERT INTO connections (provider, institution_id, institution_name, provider_ref, consent_expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(provider.name, institutionId, institution?.name ?? institutionId, providerRef, consentExpiresAt ?? null, this.host.now().toISOString()).lastInsertRowid);
    if (institution && !institution.automaticSync) {
      db.prepare('UPDATE connections SET auto_sync = 0 WHERE id = ?').run(connectionId);
      this.chatter(connectionId, 'info', `${institution.name} does not allow automatic synchronization: use Fetch Transactions to synchronize.`,
        { key: 'connection.manual_only', params: { institution: institution.name } });
    }
    return connectionId;
  }

  /**
   * A provider's sandbox shortcut: connects a test institution with no consent page at all.
   * Sandboxes hold no real money, so no phone number is asked.
   */
  async connectSandbox(providerName: string, institutionId: string): Promise<{ connection: ConnectionView; accounts: OnlineAccountView[] }> {
    const provider = this.host.provider(providerName);
    if (!provider.sandboxConnect) {
      throw new ApiFailure('unsupported', `${provider.displayName} has no sandbox shortcut: use connect without --sandbox.`);
    }
    let consent;
    try {
      consent = await provider.sandboxConnect(institutionId);
    } catch (e) {
      const pe = toProviderError(e);
      throw new ApiFailure(pe.code, pe.description, pe.requestId ? `${provider.name}:${pe.requestId}` : undefined);
    }
    const hasSecrets = Object.keys(consent.secrets).length > 0;
    const vault = hasSecrets ? await this.host.vault() : undefined;
    const connectionId = await this.createConnection(provider, institutionId, consent.providerRef, consent.consentExpiresAt);
    if (vault) for (const [k, v] of Object.entries(consent.secrets)) await rotateSecret(vault, connectionId, k, v);
    await this.fetchAccounts(connectionId);
    return { connection: this.host.connection(connectionId), accounts: this.host.accounts(connectionId) };
  }

  /** Fetch Accounts: lists the bank's accounts again and records the ones not known yet. */
  async fetchAccounts(connectionId: number): Promise<OnlineAccountView[]> {
    const row = this.row(connectionId);
    if (row.state === 'disconnected') throw new ApiFailure('disconnected', 'Please reconnect your online account.');
    if (row.state === 'blocked') throw new ApiFailure('blocked', 'This connection is blocked after suspicious activity. Re-activate it with your registered phone number.');
    let accounts;
    try {
      accounts = await this.host.provider(row.provider).listAccounts(this.context(row, true));
    } catch (e) {
      const pe = toProviderError(e);
      throw new ApiFailure(pe.code, pe.description, pe.requestId ? `${row.provider}:${pe.requestId}` : undefined);
    }
    const parsed = accounts.map((a) => {
      try {
        return { a, balance: parseAmount(a.balance, a.currency) };
      } catch (e) {
        throw new ApiFailure('invalid_response', `The bank's balance for ${a.name} could not be read (${(e as Error).message}).`);
      }
    });
    const upsert = this.host.db.prepare(
      `INSERT INTO online_accounts (connection_id, provider_account_id, name, account_number, currency, balance, balance_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connection_id, provider_account_id) DO UPDATE SET name = excluded.name, account_number = excluded.account_number`,
    );
    this.host.db.transaction(() => {
      for (const { a, balance } of parsed) upsert.run(connectionId, a.id, a.name, a.accountNumber ?? null, a.currency, balance, a.balanceAt ?? this.host.now().toISOString());
    })();
    return this.host.accounts(connectionId);
  }

  /**
   * Disconnect: revoke at the provider where it allows, delete the connection's secrets, keep
   * the ledger history; its journals are no longer synchronized until a Reconnect.
   */
  async disconnect(connectionId: number): Promise<ConnectionView> {
    const row = this.row(connectionId);
    const provider = this.host.provider(row.provider);
    // 1. The keychain first, whatever the provider: when it cannot be opened (locked, missing)
    //    nothing changes, not even at the bank, and the error says what to unlock; a
    //    connection's tokens are never left behind without a word.
    const vault = await this.host.vault();
    const held = await vault.list(connectionId);
    const already = row.state === 'disconnected';
    // 2. Off in the ledger: from here nothing synchronizes it. A crash after this leaves it
    //    disconnected with its tokens still stored; they go the next time the keychain is
    //    opened (removeLeftoverSecrets) or when Disconnect is run again.
    if (!already) {
      this.host.db.prepare(
        `UPDATE connections SET state = 'disconnected', state_action = 'reconnect', disconnected_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      ).run(this.host.now().toISOString(), connectionId);
    }
    // 3. The bank withdraws the consent while the tokens that prove it are still here (again
    //    on a second Disconnect that finds tokens left: revoking twice is harmless).
    if (provider.revoke && (!already || held.length > 0)) {
      try {
        await provider.revoke(this.context(row, true));
      } catch (e) {
        const description = toProviderError(e).description;
        this.chatter(connectionId, 'warning', `The bank could not be told to withdraw the consent (${description}). You can also withdraw it from your bank's website.`,
          { key: 'connection.revoke_failed', params: { description } });
      }
    }
    // 4. Every secret of the connection, a rotation's pending `.next` before its value.
    try {
      await deleteAllSecrets(vault, connectionId, held);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.chatter(connectionId, 'warning',
        `Disconnected, but its tokens could not be removed from the OS keychain (${reason}). They are removed the next time Ledgerlink opens the keychain, or use Disconnect again.`,
        { key: 'connection.secrets_left', params: { reason } });
      this.host.notifyState(connectionId);
      throw new ApiFailure('no_vault', `The connection is disconnected, but its tokens could not be removed from the OS keychain (${reason}). They are removed the next time Ledgerlink opens the keychain; you can also run Disconnect again.`);
    }
    if (!already) {
      this.chatter(connectionId, 'info', 'Disconnected. The history is kept and its journals are no longer synchronized. Use Reconnect to resume.', { key: 'connection.disconnected' });
    }
    this.host.notifyState(connectionId);
    return this.host.connection(connectionId);
  }

  private chatter(connectionId: number, level: 'info' | 'warning', text: string, message: ChatterMessage): void {
    postChatter(this.host.db, { connectionId, level, text, message, at: this.host.now() });
  }
}
