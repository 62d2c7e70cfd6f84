import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isProviderError } from '../../../../main/providers/errors';
import { bankLedger } from '../../../../main/providers/demo/generator';
import type { ConnectionContext, ProviderTransaction } from '../../../../main/providers/types';
import { DAY_MS, FakeClock, SEED, connect, contextFor, fetchAll, isoDay, newBank, sumMinor, tempStateDir, toMinor, providerError } from './helpers';

const T0 = Date.parse('2026-02-11T08:30:00Z');


function inWindow(list: ProviderTransaction[], since: string, until: string): ProviderTransaction[] {
  return list.filter((t) => (t.date ?? '') >= since && (t.date ?? '') <= until);
}

test('paging with cursors returns exactly the bank ledger in the window, once each, in order', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock, { pageSize: 37 });
  try {
    const ctx = await connect(bank, clock, 'demo-plain');
    const since = isoDay(T0 - 400 * DAY_MS);
    const until = isoDay(T0);
    const { posted, pages } = await fetchAll(bank, ctx, { accountId: 'plain-current-eur', since, until });
    const truth = bankLedger({ seed: SEED, institutionId: 'demo-plain', accountId: 'plain-current-eur', now: clock.now() });

    assert.deepEqual(posted, inWindow(truth.posted, since, until));
    assert.equal(new Set(posted.map((t) => t.id)).size, posted.length, 'no duplicate ids');
    assert.ok(pages.length > 10);
    assert.ok(pages.slice(0, -1).every((p) => p.posted.length === 37 && p.hasMore && p.nextCursor !== null));
    const last = pages.at(-1);
    assert.equal(last?.hasMore, false);
    assert.equal(last?.nextCursor, null);
    // Pending goes with the first page only, as a complete snapshot.
    assert.deepEqual(pages[0]?.pending, truth.pending);
    assert.ok(pages.slice(1).every((p) => p.pending.length === 0));
    assert.ok(pages.every((p) => p.pendingIsSnapshot === true));
  } finally {
    await bank.close();
  }
});

test('property: any page size and window pages to exactly the window of the bank ledger', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir });
  const contexts = new Map<string, ConnectionContext>();
  try {
    for (const institutionId of ['demo-plain', 'demo-busy']) contexts.set(institutionId, await connect(bank, clock, institutionId));
  } finally {
    await bank.close();
  }
  const accounts = [['demo-plain', 'plain-current-eur'], ['demo-plain', 'plain-savings-eur'], ['demo-busy', 'busy-business-eur']] as const;
  const truths = new Map(accounts.map(([institutionId, accountId]) => [accountId, bankLedger({ seed: SEED, institutionId, accountId, now: clock.now() }).posted]));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...accounts), fc.integer({ min: 1, max: 60 }), fc.integer({ min: -5, max: 740 }), fc.integer({ min: 0, max: 12 }),
      async ([institutionId, accountId], pageSize, startAgo, length) => {
        const since = isoDay(T0 - startAgo * DAY_MS);
        const until = isoDay(T0 - (startAgo - length) * DAY_MS);
        const paged = newBank(clock, { stateDir, pageSize });
        const ctx = contexts.get(institutionId) as ConnectionContext;
        const { posted, pages } = await fetchAll(paged, ctx, { accountId, since, until });
        const truth = truths.get(accountId) ?? [];
        const oldest = isoDay(T0 - 730 * DAY_MS);
        assert.deepEqual(posted, inWindow(truth, since < oldest ? oldest : since, until));
        assert.ok(pages.every((p) => p.posted.length <= pageSize));
        assert.equal(new Set(posted.map((t) => t.id)).size, posted.length);
      },
    ),
    { numRuns: 40 },
  );
});

test('a cursor resumes in another process, ignoring the since/until of the request', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir, pageSize: 100 });
  try {
    const ctx = await connect(bank, clock, 'demo-mfa', undefined, { interactive: true });
    const req = { accountId: 'secure-current-gbp', since: isoDay(T0 - 200 * DAY_MS), until: isoDay(T0) };
    const whole = await fetchAll(bank, ctx, req);
    const first = await bank.fetchTransactions(ctx, { ...req, cursor: null });
    const second = await bank.fetchTransactions(ctx, { ...req, cursor: first.nextCursor });

    // A second bank instance on the same state dir stands for the next CLI process after a crash.
    const resumed = newBank(clock, { stateDir, pageSize: 100 });
    const again = await resumed.fetchTransactions(ctx, { ...req, since: '2000-01-01', until: '2000-01-02', cursor: first.nextCursor });
    assert.deepEqual(again, second);
    assert.deepEqual([...first.posted, ...second.posted], whole.posted.slice(0, 200));

    await assert.rejects(bank.fetchTransactions(ctx, { ...req, cursor: 'garbage' }), providerError('other'));
    await assert.rejects(bank.fetchTransactions(ctx, { ...req, accountId: 'secure-current-eur', cursor: first.nextCursor }), providerError('other'));
    await assert.rejects(bank.fetchTransactions(ctx, { ...req, since: '2026-02-30', cursor: null }), providerError('other', /YYYY-MM-DD/));
  } finally {
    await bank.close();
  }
});

test('a pending card payment posts later with a new id and booking date, same amount, no link', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-plain');
    const req = { accountId: 'plain-current-eur', since: isoDay(T0 - 10 * DAY_MS), until: isoDay(T0 + 10 * DAY_MS) };
    const before = await bank.fetchTransactions(ctx, { ...req, cursor: null });
    assert.ok(before.pending.length > 0, 'the seed gives pending payments today');
    for (const p of before.pending) {
      assert.match(p.id, /^P-/);
      assert.ok((p.date ?? '') <= isoDay(T0));
      assert.ok(!before.posted.some((b) => b.id === p.id || b.paymentRef === p.paymentRef));
    }

    clock.advanceDays(5);
    const after = await bank.fetchTransactions(ctx, { ...req, cursor: null });
    const afterIds = new Set([...after.posted, ...after.pending].map((t) => t.id));
    for (const p of before.pending) {
      assert.ok(!afterIds.has(p.id), `${p.id} is gone under its pending id`);
      const booked = after.posted.filter((b) => b.paymentRef === p.paymentRef);
      assert.equal(booked.length, 1, `${p.paymentRef} is booked once`);
      const b = booked[0] as ProviderTransaction;
      assert.match(b.id, /^B-/);
      assert.notEqual(b.id, p.id);
      assert.equal(b.amount, p.amount);
      assert.equal(b.currency, p.currency);
      assert.equal(b.pendingId, undefined);
      assert.ok((b.date ?? '') > (p.date ?? ''), 'booked after it was made');
      assert.ok((b.date ?? '') <= isoDay(Date.parse(`${p.date}T00:00:00Z`) + 4 * DAY_MS));
      assert.deepEqual(b.otherIds?.map((o) => o.kind), ['entry_reference']);
      assert.match(b.otherIds?.[0]?.id ?? '', /^E-/);
    }
  } finally {
    await bank.close();
  }
});

test('the short-history institution never returns anything older than 90 days', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-90days');
    const accountId = 'short-current-eur';
    const { posted } = await fetchAll(bank, ctx, { accountId, since: isoDay(T0 - 730 * DAY_MS), until: isoDay(T0) });
    const oldest = isoDay(T0 - 90 * DAY_MS);
    assert.ok(posted.length > 100);
    assert.ok(posted.every((t) => (t.date ?? '') >= oldest), 'nothing before the history limit');
    const truth = bankLedger({ seed: SEED, institutionId: 'demo-90days', accountId, now: clock.now() });
    assert.deepEqual(posted, inWindow(truth.posted, oldest, isoDay(T0)));

    // The balance still counts the older history: a first sync needs an opening line.
    assert.ok(truth.posted.some((t) => (t.date ?? '') < oldest));
    const [account] = await bank.listAccounts(ctx);
    assert.equal(account?.balance, truth.balance);
    assert.notEqual(sumMinor(posted.map((t) => t.amount), 2), toMinor(truth.balance, 2) - toMinor(truth.openingBalance, 2));
  } finally {
    await bank.close();
  }
});

test('the manual-only institution refuses unattended fetches and refreshes, allows interactive ones', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-manual');
    const req = { accountId: 'manual-current-eur', since: isoDay(T0 - 30 * DAY_MS), until: isoDay(T0), cursor: null };
    await assert.rejects(bank.fetchTransactions(ctx, req), providerError('automatic_sync_refused', /does not allow automatic synchronization.*manually/));
    await assert.rejects(bank.requestRefresh(ctx), providerError('automatic_sync_refused'));

    const present = contextFor(clock, 'demo-manual', ctx.providerRef, true);
    await bank.requestRefresh(present);
    const page = await bank.fetchTransactions(present, req);
    assert.ok(page.posted.length > 0);
  } finally {
    await bank.close();
  }
});

test('the daily-refresh institution allows one refresh per 24 h and shows data as of the last refresh', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-daily');
    const accountId = 'daily-current-eur';
    const truthAt = (ms: number) => bankLedger({ seed: SEED, institutionId: 'demo-daily', accountId, now: new Date(ms) });

    // The consent itself counted as today's refresh.
    await assert.rejects(bank.requestRefresh(ctx), (e: unknown) => {
      providerError('rate_limited', /one refresh a day/)(e);
      assert.equal(isProviderError(e) && e.retryAt, new Date(T0 + DAY_MS).toISOString());
      return true;
    });

    clock.advanceDays(3);
    const req = { accountId, since: isoDay(T0 - 30 * DAY_MS), until: isoDay(clock.ms), cursor: null };
    const stale = await bank.fetchTransactions(ctx, req);
    assert.deepEqual(stale.posted, inWindow(truthAt(T0).posted, req.since, req.until));
    assert.deepEqual(stale.pending, truthAt(T0).pending);
    assert.equal((await bank.listAccounts(ctx))[0]?.balance, truthAt(T0).balance);

    await bank.requestRefresh(ctx);
    const fresh = await bank.fetchTransactions(ctx, req);
    assert.deepEqual(fresh.posted, inWindow(truthAt(clock.ms).posted, req.since, req.until));
    assert.ok(fresh.posted.length > stale.posted.length);

    const refreshedAt = clock.ms;
    clock.ms += 60 * 60_000;
    await assert.rejects(bank.requestRefresh(ctx), (e: unknown) => isProviderError(e) && e.code === 'rate_limited' && e.retryAt === new Date(refreshedAt + DAY_MS).toISOString());
  } finally {
    await bank.close();
  }
});

test('the consent expires 90 days after it was given', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-beta');
    const req = () => ({ accountId: 'beta-current-eur', since: isoDay(clock.ms - 5 * DAY_MS), until: isoDay(clock.ms), cursor: null });
    clock.ms = T0 + 90 * DAY_MS - 1;
    await bank.fetchTransactions(ctx, req());
    clock.ms = T0 + 90 * DAY_MS;
    await assert.rejects(bank.fetchTransactions(ctx, req()), providerError('consent_expired', /expired on .*Reconnect/));
    await assert.rejects(bank.listAccounts(ctx), providerError('consent_expired'));
  } finally {
    await bank.close();
  }
});

test('unknown consents and mismatched institutions are refused', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const req = { accountId: 'plain-current-eur', since: isoDay(T0 - DAY_MS), until: isoDay(T0), cursor: null };
    await assert.rejects(bank.fetchTransactions(contextFor(clock, 'demo-plain', 'demo-consent-nope'), req), providerError('login_required'));
    const ctx = await connect(bank, clock, 'demo-plain');
    await assert.rejects(bank.fetchTransactions({ ...ctx, institutionId: 'demo-beta' }, req), providerError('other'));
  } finally {
    await bank.close();
  }
});
