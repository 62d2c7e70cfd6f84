// The Demo Bank's limits on unattended work: Demo Bank PSD2's 4 unattended synchronizations
// per account per rolling 24 h, and Demo Bank Secure's security code on every unattended call.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProviderError } from '../../../../main/providers/errors';
import type { QuotaReport } from '../../../../main/providers/types';
import type { TestContext } from './helpers';
import { DAY_MS, FakeClock, asRun, connect, consent, fetchAll, isoDay, newBank, providerError, tempStateDir } from './helpers';

const T0 = Date.parse('2026-06-01T06:00:00Z');
const HOUR = 3_600_000;
const PSD2 = 'demo-psd2';
const ACCOUNT = 'psd2-current-eur';

const iso = (ms: number): string => new Date(ms).toISOString();
const report = (remaining: number, resetAt?: number): QuotaReport => ({ accountId: ACCOUNT, limit: 4, remaining, ...(resetAt === undefined ? {} : { resetAt: iso(resetAt) }) });
const window = (clock: FakeClock) => ({ accountId: ACCOUNT, since: isoDay(clock.ms - 60 * DAY_MS), until: isoDay(clock.ms) });

/** A matcher: rate_limited with this retryAt. */
function rateLimited(retryAt: number) {
  return (e: unknown): boolean => {
    providerError('rate_limited', /allows 4 automatic synchronizations per account in 24 hours.*not limited/)(e);
    assert.equal(isProviderError(e) && e.retryAt, iso(retryAt));
    return true;
  };
}

/** One synchronization (every page); returns the quota reports it made. */
async function sync(bank: ReturnType<typeof newBank>, ctx: TestContext, clock: FakeClock): Promise<QuotaReport[]> {
  const before = ctx.quotas.length;
  const { pages } = await fetchAll(bank, ctx, window(clock));
  assert.ok(pages.length > 1, 'a synchronization of several pages');
  return ctx.quotas.slice(before);
}

test('PSD2: 4 unattended synchronizations per 24 h with the budget reported; the 5th is refused until the first leaves the window', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir, pageSize: 40 });
  try {
    const ctx = await connect(bank, clock, PSD2);
    const times = [T0, T0 + 3 * HOUR, T0 + 6 * HOUR, T0 + 9 * HOUR];
    for (const [i, at] of times.entries()) {
      clock.ms = at;
      // Accounts and refreshes are not synchronizations: they cost nothing.
      await bank.listAccounts(ctx);
      await bank.requestRefresh(ctx);
      assert.deepEqual(await sync(bank, ctx, clock), [report(3 - i, at + DAY_MS)], `sync ${i + 1}: one report, for the first page only`);
    }

    clock.ms = T0 + 12 * HOUR;
    const req = { ...window(clock), cursor: null };
    const reports = ctx.quotas.length;
    await assert.rejects(bank.fetchTransactions(ctx, req), rateLimited(T0 + DAY_MS));
    assert.deepEqual(ctx.quotas.slice(reports), [report(0, times[3] as number + DAY_MS)], 'the refusal reports the empty budget too');
    // The budget lives in the bank's file: another process sees it.
    await assert.rejects(newBank(clock, { stateDir }).fetchTransactions(ctx, req), rateLimited(T0 + DAY_MS));

    // The user is present: PSD2 does not limit that, and it costs nothing.
    const present = asRun(clock, ctx, true);
    assert.deepEqual(await sync(bank, present, clock), [report(0, times[3] as number + DAY_MS)]);
    clock.ms = T0 + DAY_MS - 1;
    await assert.rejects(bank.fetchTransactions(ctx, req), rateLimited(T0 + DAY_MS));

    // Rolling: at 24 h after the first, one synchronization is possible again, and only one.
    clock.ms = T0 + DAY_MS;
    assert.deepEqual(await sync(bank, ctx, clock), [report(0, T0 + DAY_MS + DAY_MS)]);
    await assert.rejects(bank.fetchTransactions(ctx, { ...window(clock), cursor: null }), rateLimited((times[1] as number) + DAY_MS));

    // A day after the last one the whole budget is back.
    clock.ms = T0 + 2 * DAY_MS;
    assert.deepEqual(await sync(bank, ctx, clock), [report(3, clock.ms + DAY_MS)]);
  } finally {
    await bank.close();
  }
});

test('PSD2: interactive synchronizations are never refused or counted; reconnecting does not reset the budget', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock, { pageSize: 40 });
  try {
    const ctx = await connect(bank, clock, PSD2);
    const present = asRun(clock, ctx, true);
    assert.deepEqual(await sync(bank, present, clock), [report(4)], 'a whole budget has no reset time');
    for (let i = 0; i < 6; i++) {
      clock.ms += 10 * 60_000;
      assert.deepEqual(await sync(bank, present, clock), [report(4)]);
    }
    for (let i = 0; i < 4; i++) await sync(bank, ctx, clock);
    await assert.rejects(bank.fetchTransactions(ctx, { ...window(clock), cursor: null }), providerError('rate_limited'));

    await consent(bank, clock, PSD2, { mode: 'reconnect', connection: ctx });
    await assert.rejects(bank.fetchTransactions(ctx, { ...window(clock), cursor: null }), providerError('rate_limited'));
    await sync(bank, present, clock);

    // Other institutions have no such budget and report none.
    const plain = await connect(bank, clock, 'demo-plain');
    for (let i = 0; i < 6; i++) await bank.fetchTransactions(plain, { accountId: 'plain-current-eur', since: isoDay(clock.ms - DAY_MS), until: isoDay(clock.ms), cursor: null });
    assert.deepEqual(plain.quotas, []);
  } finally {
    await bank.close();
  }
});

test('Demo Bank Secure: unattended calls ask for the user (user_action_required); interactive ones work', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-mfa');
    const req = { accountId: 'secure-current-eur', since: isoDay(T0 - 20 * DAY_MS), until: isoDay(T0), cursor: null };
    const asks = providerError('user_action_required', /^Demo Bank Secure asks for a security code: synchronize while you are at your computer/);
    await assert.rejects(bank.listAccounts(ctx), asks);
    await assert.rejects(bank.fetchTransactions(ctx, req), asks);
    await assert.rejects(bank.requestRefresh(ctx), asks);

    const present = asRun(clock, ctx, true);
    assert.deepEqual((await bank.listAccounts(present)).map((a) => a.id), ['secure-current-eur', 'secure-current-gbp']);
    await bank.requestRefresh(present);
    const page = await bank.fetchTransactions(present, req);
    assert.ok(page.posted.length > 0);
    // Even the next page of a synchronization the user started needs the user.
    await assert.rejects(bank.fetchTransactions(ctx, { ...req, cursor: page.nextCursor ?? 'none' }), asks);

    // Institutions without a security code synchronize unattended.
    const plain = await connect(bank, clock, 'demo-plain');
    assert.equal((await bank.listAccounts(plain)).length, 3);
    assert.equal((await bank.listAccounts(await connect(bank, clock, 'demo-beta'))).length, 1);
  } finally {
    await bank.close();
  }
});
