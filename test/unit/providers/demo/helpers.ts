// Shared set-up for the Demo Bank tests: a temp state dir, a clock the test moves by hand,
// a connection context with an in-memory vault and quota log, and a connection made through
// the real consent pages.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeConsentHeadlessly } from '../../../../main/providers/demo/autopilot';
import { DemoBank } from '../../../../main/providers/demo/index';
import { isProviderError } from '../../../../main/providers/errors';
import type { FakeClock } from '../../../helpers/ledger';
import type { ConnectionContext, ConsentResult, ProviderTransaction, QuotaReport, TransactionPage } from '../../../../main/providers/types';

export const DAY_MS = 86_400_000;
export const SEED = 7;
export const REDIRECT = 'http://127.0.0.1:53682/callback';

export { FakeClock } from '../../../helpers/ledger';

/** A matcher for assert.rejects/throws: a ProviderError of `code` with a Demo Bank request id. */
export function providerError(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(isProviderError(e), `expected a ProviderError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.requestId ?? '', /^demo-req-[0-9a-f]+$/);
    if (pattern) assert.match(e.description, pattern);
    return true;
  };
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerlink-demo-bank-'));
  made.push(dir);
  return dir;
}

export function newBank(clock: FakeClock, opts: { stateDir?: string; pageSize?: number } = {}): DemoBank {
  return new DemoBank({ stateDir: opts.stateDir ?? tempStateDir(), seed: SEED, now: clock.now, ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
}

/** A connection context whose vault is a Map and whose quota reports are kept, for the tests to look at. */
export interface TestContext extends ConnectionContext {
  /** The connection's secrets, as the vault would hold them. */
  secrets: Map<string, string>;
  /** Every setSecret call, in order (name and value). */
  stored: [string, string][];
  /** Every quota report, in order. */
  quotas: QuotaReport[];
}

export function contextFor(clock: FakeClock, institutionId: string, providerRef: string, interactive = false, secrets = new Map<string, string>()): TestContext {
  const stored: [string, string][] = [];
  const quotas: QuotaReport[] = [];
  return {
    connectionId: 1,
    institutionId,
    providerRef,
    secrets,
    stored,
    quotas,
    getSecret: async (name) => secrets.get(name),
    setSecret: async (name, value) => {
      stored.push([name, value]);
      secrets.set(name, value);
    },
    interactive,
    reportQuota: (q) => {
      quotas.push(q);
    },
    now: clock.now,
  };
}

/** The same connection seen by the other kind of run: present (interactive) or scheduled; same vault. */
export function asRun(clock: FakeClock, ctx: TestContext, interactive: boolean): TestContext {
  return contextFor(clock, ctx.institutionId, ctx.providerRef, interactive, ctx.secrets);
}

/** Goes through the consent pages over HTTP and completes the consent, as the CLI's demo command does. */
export async function consent(
  bank: DemoBank, clock: FakeClock, institutionId: string,
  o: { accounts?: string[]; mode?: 'new' | 'reconnect' | 'update'; connection?: ConnectionContext } = {},
): Promise<ConsentResult> {
  const mode = o.mode ?? 'new';
  const { url } = await bank.startConsent({ institutionId, redirectUri: REDIRECT, state: 'st-1', mode, ...(o.connection ? { connection: o.connection } : {}) });
  const redirect = await completeConsentHeadlessly(url, o.accounts ? { accounts: o.accounts } : {});
  const params = Object.fromEntries(new URL(redirect).searchParams);
  return bank.completeConsent({ institutionId, params, now: clock.now() });
}

/**
 * Connects through the consent pages; the context's vault holds the secrets the consent gave.
 * Unattended (scheduled) unless `interactive`.
 */
export async function connect(
  bank: DemoBank, clock: FakeClock, institutionId: string, accounts?: string[], o: { interactive?: boolean } = {},
): Promise<TestContext> {
  const result = await consent(bank, clock, institutionId, accounts ? { accounts } : {});
  return contextFor(clock, institutionId, result.providerRef, o.interactive ?? false, new Map(Object.entries(result.secrets)));
}

/** Every page of one fetch, following the cursors to the end. */
export async function fetchAll(
  bank: DemoBank, ctx: ConnectionContext, req: { accountId: string; since: string; until: string },
): Promise<{ posted: ProviderTransaction[]; pages: TransactionPage[] }> {
  const pages: TransactionPage[] = [];
  let cursor: string | null = null;
  do {
    const page: TransactionPage = await bank.fetchTransactions(ctx, { ...req, cursor });
    pages.push(page);
    cursor = page.nextCursor;
    if (pages.length > 10_000) throw new Error('fetch did not end');
  } while (cursor !== null);
  return { posted: pages.flatMap((p) => p.posted), pages };
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Sum of decimal amounts as exact integer minor units (test-side, independent of the bank). */
export function sumMinor(amounts: readonly string[], decimals: number): bigint {
  let total = 0n;
  for (const a of amounts) total += toMinor(a, decimals);
  return total;
}

export function toMinor(amount: string, decimals: number): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new Error(`not a decimal amount: ${amount}`);
  const frac = (m[3] ?? '').padEnd(decimals, '0');
  if (frac.length !== decimals) throw new Error(`${amount} has more than ${decimals} decimals`);
  const v = BigInt((m[2] ?? '0') + frac);
  return m[1] ? -v : v;
}
