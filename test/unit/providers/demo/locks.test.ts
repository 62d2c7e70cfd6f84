// The Demo Bank's locks for suspicious activity: Demo Bank Fraud Watch locks a consent that
// synchronizes more than 3 times within an hour, until the consent is given again; every
// institution blocks a consent session after 3 wrong passwords in a row.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completeConsentHeadlessly } from '../../../../main/providers/demo/autopilot';
import { DEMO_INSTITUTIONS } from '../../../../main/providers/demo/index';
import type { TestContext } from './helpers';
import { DAY_MS, FakeClock, REDIRECT, asRun, connect, consent, fetchAll, isoDay, newBank, providerError, tempStateDir } from './helpers';

const T0 = Date.parse('2026-07-07T10:00:00Z');
const MIN = 60_000;
const FRAUD = 'demo-fraud';
const ACCOUNT = 'fraud-current-eur';

const locked = providerError('locked', /^Demo Bank Fraud Watch locked this connection at .* after more than 3 synchronizations within an hour \(suspicious activity\).*Reactivate/);
const window = (clock: FakeClock) => ({ accountId: ACCOUNT, since: isoDay(clock.ms - 45 * DAY_MS), until: isoDay(clock.ms) });

async function sync(bank: ReturnType<typeof newBank>, ctx: TestContext, clock: FakeClock): Promise<string | null> {
  const { pages } = await fetchAll(bank, ctx, window(clock));
  assert.ok(pages.length > 1, 'a synchronization of several pages: only its first counts');
  return pages[0]?.nextCursor ?? null;
}

async function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

test('Fraud Watch: the 4th synchronization within an hour locks the consent, for every call, until it is given again', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir, pageSize: 25 });
  try {
    const ctx = await connect(bank, clock, FRAUD);
    const present = asRun(clock, ctx, true);
    // Interactive or not, each counts; the pages after the first do not.
    const cursor = await sync(bank, ctx, clock);
    clock.ms += 10 * MIN;
    await sync(bank, present, clock);
    clock.ms += 10 * MIN;
    await sync(bank, ctx, clock);
    clock.ms += 39 * MIN; // 59 minutes after the first
    await assert.rejects(bank.fetchTransactions(ctx, { ...window(clock), cursor: null }), locked);

    const lockedCalls = (c: TestContext) => [
      () => bank.listAccounts(c),
      () => bank.requestRefresh(c),
      () => bank.fetchTransactions(c, { ...window(clock), cursor: null }),
      () => bank.fetchTransactions(c, { ...window(clock), cursor }),
    ];
    for (const call of [...lockedCalls(ctx), ...lockedCalls(present)]) await assert.rejects(call(), locked);
    clock.advanceDays(3);
    for (const call of lockedCalls(present)) await assert.rejects(call(), locked, 'it stays locked');
    await assert.rejects(newBank(clock, { stateDir }).listAccounts(ctx), locked, 'the lock is in the bank file');

    // Giving the consent again (reconnect) lifts the lock and starts counting afresh.
    await consent(bank, clock, FRAUD, { mode: 'reconnect', connection: ctx });
    assert.equal((await bank.listAccounts(ctx)).length, 1);
    for (let i = 0; i < 3; i++) await sync(bank, ctx, clock);
    await assert.rejects(bank.fetchTransactions(ctx, { ...window(clock), cursor: null }), locked);

    // So does Update Credentials.
    await consent(bank, clock, FRAUD, { mode: 'update', connection: ctx });
    await sync(bank, ctx, clock);
  } finally {
    await bank.close();
  }
});

test('Fraud Watch: synchronizations spread over time never lock; other institutions have no fraud watch', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock, { pageSize: 25 });
  try {
    const ctx = await connect(bank, clock, FRAUD);
    for (let i = 0; i < 12; i++) {
      await sync(bank, ctx, clock);
      clock.ms += 21 * MIN; // at most 3 in any hour
    }
    assert.equal((await bank.listAccounts(ctx)).length, 1);

    const plain = await connect(bank, clock, 'demo-plain');
    for (let i = 0; i < 8; i++) {
      await bank.fetchTransactions(plain, { accountId: 'plain-current-eur', since: isoDay(clock.ms - DAY_MS), until: isoDay(clock.ms), cursor: null });
      clock.ms += MIN;
    }
    assert.equal((await bank.listAccounts(plain)).length, 3);
  } finally {
    await bank.close();
  }
});

test('3 wrong passwords in a row block the consent session: the page says so, completeConsent fails with locked', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'st-7', mode: 'new' });
    const wrong = { step: 'login', username: 'demo', password: 'guess', action: 'continue' };
    const first = await postForm(url, wrong);
    assert.equal(first.status, 422);
    assert.match(await first.text(), /role="alert"[^>]*>The username or password is not correct\. Please try again \(2 attempts left/);
    const second = await postForm(url, { ...wrong, username: 'someone' });
    assert.equal(second.status, 422);
    assert.match(await second.text(), /one attempt left/);

    const third = await postForm(url, wrong);
    assert.equal(third.status, 403);
    const blockedHtml = await third.text();
    assert.match(blockedHtml, /role="alert"[^>]*>Demo Bank blocked this sign-in after 3 wrong passwords in a row: this looks like suspicious activity/);
    assert.doesNotMatch(blockedHtml, /name="password"/, 'no more attempts offered');
    assert.equal((await fetch(url)).status, 403, 'reloading shows the block');

    // Even the right password now only leads back to the app, with the block.
    const back = await postForm(url, { step: 'login', username: 'demo', password: 'demo', action: 'continue' });
    assert.equal(back.status, 302);
    const location = new URL(back.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('error'), 'login_blocked');
    assert.equal(location.searchParams.get('state'), 'st-7');
    assert.equal(location.searchParams.get('code'), null);
    await assert.rejects(
      bank.completeConsent({ institutionId: 'demo-plain', params: Object.fromEntries(location.searchParams), now: clock.now() }),
      providerError('locked', /^Demo Bank blocked the sign-in after 3 wrong passwords in a row \(suspicious activity\)/),
    );
    assert.equal((await fetch(url)).status, 404, 'the session is over');
  } finally {
    await bank.close();
  }
});

test('every institution blocks the session on the 3rd wrong password, and only then; the autopilot reports the block', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    for (const institution of DEMO_INSTITUTIONS) {
      const { url } = await bank.startConsent({ institutionId: institution.id, redirectUri: REDIRECT, state: 's', mode: 'new' });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await postForm(url, { step: 'login', username: 'demo', password: `wrong-${i}`, action: 'continue' })).status);
      assert.deepEqual(statuses, [422, 422, 403], institution.id);
      await assert.rejects(completeConsentHeadlessly(url), new RegExp(`HTTP 403.*${institution.name} blocked this sign-in`), institution.id);
    }

    // Two wrong passwords then the right one: the session goes on and the consent is given.
    const { url } = await bank.startConsent({ institutionId: 'demo-oauth', redirectUri: REDIRECT, state: 's', mode: 'new' });
    for (let i = 0; i < 2; i++) await postForm(url, { step: 'login', username: 'demo', password: 'nope', action: 'continue' });
    const redirect = new URL(await completeConsentHeadlessly(url));
    const result = await bank.completeConsent({ institutionId: 'demo-oauth', params: Object.fromEntries(redirect.searchParams), now: clock.now() });
    assert.ok(result.secrets['refresh_token']);

    // A blocked session leaves an existing connection alone.
    const ctx = await connect(bank, clock, 'demo-plain');
    const renew = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'r', mode: 'reconnect', connection: ctx });
    for (let i = 0; i < 3; i++) await postForm(renew.url, { step: 'login', username: 'demo', password: 'nope', action: 'continue' });
    const back = new URL((await postForm(renew.url, { step: 'blocked', action: 'continue' })).headers.get('location') ?? '');
    await assert.rejects(bank.completeConsent({ institutionId: 'demo-plain', params: Object.fromEntries(back.searchParams), now: clock.now() }), providerError('locked'));
    assert.equal((await bank.listAccounts(ctx)).length, 3);
  } finally {
    await bank.close();
  }
});
