// Demo Bank Connect (demo-oauth): OAuth tokens like Ponto's. A 30-minute access token read on
// every call, renewed by the provider itself with the refresh token, which the bank rotates on
// every use; the bank keeps only hashes.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DemoBank } from '../../../../main/providers/demo/index';
import { ACCESS_TOKEN_SECRET, ACCESS_TOKEN_TTL_MS, REFRESH_TOKEN_SECRET } from '../../../../main/providers/demo/index';
import type { TestContext } from './helpers';
import { DAY_MS, FakeClock, consent, connect, contextFor, fetchAll, isoDay, newBank, providerError, tempStateDir } from './helpers';

const T0 = Date.parse('2026-04-14T08:00:00Z');
const MIN = 60_000;
const OAUTH = 'demo-oauth';
const ACCOUNT = 'connect-current-eur';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function tokens(ctx: TestContext): { at: string; rt: string } {
  const at = ctx.secrets.get(ACCESS_TOKEN_SECRET);
  const rt = ctx.secrets.get(REFRESH_TOKEN_SECRET);
  assert.ok(at !== undefined && rt !== undefined, 'both tokens are in the vault');
  return { at, rt };
}

/** One call of each kind the bank guards with the access token. */
const calls: Record<string, (bank: DemoBank, ctx: TestContext, clock: FakeClock) => Promise<unknown>> = {
  listAccounts: (bank, ctx) => bank.listAccounts(ctx),
  fetchTransactions: (bank, ctx, clock) => bank.fetchTransactions(ctx, { accountId: ACCOUNT, since: isoDay(clock.ms - 10 * DAY_MS), until: isoDay(clock.ms), cursor: null }),
  requestRefresh: (bank, ctx) => bank.requestRefresh(ctx),
};

test('the consent gives both tokens; after 30 minutes a call rotates both and the old refresh token is dead', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, OAUTH);
    assert.deepEqual([...ctx.secrets.keys()].sort(), ['access_token', 'refresh_token']);
    const first = tokens(ctx);
    assert.match(first.at, /^demo-at-[A-Za-z0-9_-]{32}$/);
    assert.match(first.rt, /^demo-rt-[A-Za-z0-9_-]{43}$/);

    assert.deepEqual((await bank.listAccounts(ctx)).map((a) => [a.id, a.currency]), [[ACCOUNT, 'EUR']]);
    clock.ms = T0 + ACCESS_TOKEN_TTL_MS - 1;
    for (const call of Object.values(calls)) await call(bank, ctx, clock);
    assert.deepEqual(ctx.stored, [], 'a valid access token is used as it is');

    clock.ms = T0 + 30 * MIN;
    await bank.listAccounts(ctx);
    const second = tokens(ctx);
    assert.deepEqual(ctx.stored, [[REFRESH_TOKEN_SECRET, second.rt], [ACCESS_TOKEN_SECRET, second.at]], 'refresh token stored first, then the access token');
    assert.notEqual(second.at, first.at);
    assert.notEqual(second.rt, first.rt);
    assert.match(second.at, /^demo-at-/);
    assert.match(second.rt, /^demo-rt-/);

    await bank.listAccounts(ctx);
    assert.equal(ctx.stored.length, 2, 'the new access token is used until it expires in turn');

    // The old refresh token was invalidated the moment it was used.
    const replay = contextFor(clock, OAUTH, ctx.providerRef, true, new Map([[REFRESH_TOKEN_SECRET, first.rt]]));
    await assert.rejects(bank.listAccounts(replay), providerError('login_required', /refresh token.*already used.*Update Credentials/));
    const replayWithOldAccess = contextFor(clock, OAUTH, ctx.providerRef, true, new Map([[ACCESS_TOKEN_SECRET, first.at], [REFRESH_TOKEN_SECRET, first.rt]]));
    await assert.rejects(bank.listAccounts(replayWithOldAccess), providerError('login_required'));
    assert.deepEqual(replay.stored, []);

    // The refused replay did not harm the connection's current tokens.
    clock.ms += ACCESS_TOKEN_TTL_MS;
    await bank.listAccounts(ctx);
    assert.equal(ctx.stored.length, 4);
    assert.notEqual(tokens(ctx).rt, second.rt);
    const replaySecond = contextFor(clock, OAUTH, ctx.providerRef, true, new Map([[REFRESH_TOKEN_SECRET, second.rt]]));
    await assert.rejects(bank.listAccounts(replaySecond), providerError('login_required'));
  } finally {
    await bank.close();
  }
});

test('every kind of call renews the token itself; a missing or foreign access token is renewed too', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, OAUTH);
    for (const [name, call] of Object.entries(calls)) {
      const before = tokens(ctx);
      const stored = ctx.stored.length;
      clock.ms += 31 * MIN;
      await call(bank, ctx, clock);
      assert.equal(ctx.stored.length, stored + 2, `${name} renewed the expired token`);
      assert.notEqual(tokens(ctx).at, before.at, name);
      assert.notEqual(tokens(ctx).rt, before.rt, name);
    }

    const { rt } = tokens(ctx);
    ctx.secrets.delete(ACCESS_TOKEN_SECRET);
    await bank.listAccounts(ctx);
    assert.notEqual(tokens(ctx).rt, rt, 'no access token: renewed');

    // Another connection's tokens are worth nothing here, and its refresh token is not spent.
    const other = await connect(bank, clock, OAUTH);
    const before = tokens(ctx);
    ctx.secrets.set(ACCESS_TOKEN_SECRET, tokens(other).at);
    await bank.listAccounts(ctx);
    assert.notEqual(tokens(ctx).at, tokens(other).at, 'a foreign access token is not accepted');
    assert.notEqual(tokens(ctx).rt, before.rt);
    const borrowed = contextFor(clock, OAUTH, ctx.providerRef, true, new Map([[REFRESH_TOKEN_SECRET, tokens(other).rt]]));
    await assert.rejects(bank.listAccounts(borrowed), providerError('login_required'));
    await bank.listAccounts(other);
    assert.deepEqual(other.stored, [], "the other connection's tokens still work as they were");

    const empty = contextFor(clock, OAUTH, ctx.providerRef, true);
    await assert.rejects(bank.listAccounts(empty), providerError('login_required', /No Demo Bank Connect refresh token is stored.*Update Credentials/));
  } finally {
    await bank.close();
  }
});

test('the state file holds hashes of the valid tokens only, never a token', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir });
  const file = (): string => readFileSync(join(stateDir, 'demo-bank.json'), 'utf8');
  try {
    const ctx = await connect(bank, clock, OAUTH);
    const seen = [tokens(ctx)];
    for (let i = 0; i < 3; i++) {
      clock.ms += 45 * MIN;
      await fetchAll(bank, ctx, { accountId: ACCOUNT, since: isoDay(clock.ms - 30 * DAY_MS), until: isoDay(clock.ms) });
      seen.push(tokens(ctx));
    }
    assert.equal(new Set(seen.flatMap((t) => [t.at, t.rt])).size, 8, 'four distinct pairs');

    const text = file();
    for (const { at, rt } of seen) {
      for (const token of [at, rt]) {
        assert.ok(!text.includes(token), 'no token in clear');
        assert.ok(!text.includes(token.slice('demo-xx-'.length)), 'not even its random part');
      }
    }
    const current = seen.at(-1) as { at: string; rt: string };
    assert.ok(text.includes(sha256(current.at)) && text.includes(sha256(current.rt)), 'the bank knows the valid tokens by their hash');
    for (const old of seen.slice(0, -1)) {
      assert.ok(!text.includes(sha256(old.at)) && !text.includes(sha256(old.rt)), 'replaced tokens are forgotten');
    }

    await bank.revoke(ctx);
    assert.ok(!file().includes(sha256(current.rt)), 'revoke forgets them');
    await assert.rejects(bank.listAccounts(ctx), providerError('login_required'));
  } finally {
    await bank.close();
  }
});

test('a stop between storing the two rotated tokens does not lock the user out: the refresh token is stored first', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, OAUTH);
    const first = tokens(ctx);
    const crashing: TestContext = {
      ...ctx,
      setSecret: async (name, value) => {
        if (name === ACCESS_TOKEN_SECRET) throw new Error('the app stopped');
        ctx.secrets.set(name, value);
      },
    };
    clock.ms += 31 * MIN;
    await assert.rejects(bank.listAccounts(crashing), /the app stopped/);
    assert.equal(ctx.secrets.get(ACCESS_TOKEN_SECRET), first.at, 'the new access token was lost');
    assert.notEqual(ctx.secrets.get(REFRESH_TOKEN_SECRET), first.rt, 'the new refresh token was kept');

    // Long after, with the stale access token and the kept refresh token, the next run signs in.
    clock.ms += 2 * ACCESS_TOKEN_TTL_MS;
    assert.equal((await bank.listAccounts(ctx)).length, 1);
  } finally {
    await bank.close();
  }
});

test('reconnect and update issue new tokens and kill the old ones; revoke kills them all', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, OAUTH);
    for (const mode of ['reconnect', 'update'] as const) {
      const old = tokens(ctx);
      clock.ms += 5 * MIN;
      const renewed = await consent(bank, clock, OAUTH, { mode, connection: ctx });
      assert.equal(renewed.providerRef, ctx.providerRef, mode);
      assert.deepEqual(Object.keys(renewed.secrets).sort(), ['access_token', 'refresh_token'], mode);
      assert.notEqual(renewed.secrets['access_token'], old.at, mode);
      assert.notEqual(renewed.secrets['refresh_token'], old.rt, mode);

      // The old access token is still within its 30 minutes, yet refused; its refresh token too.
      const stale = contextFor(clock, OAUTH, ctx.providerRef, true, new Map([[ACCESS_TOKEN_SECRET, old.at], [REFRESH_TOKEN_SECRET, old.rt]]));
      await assert.rejects(bank.listAccounts(stale), providerError('login_required'), mode);

      for (const [k, v] of Object.entries(renewed.secrets)) ctx.secrets.set(k, v);
      const stored = ctx.stored.length;
      assert.equal((await bank.listAccounts(ctx)).length, 1, mode);
      assert.equal(ctx.stored.length, stored, `${mode}: the new access token works as given`);
    }

    await bank.revoke(ctx);
    await assert.rejects(bank.listAccounts(ctx), providerError('login_required', /Reconnect/));
    clock.ms += 31 * MIN;
    await assert.rejects(bank.fetchTransactions(ctx, { accountId: ACCOUNT, since: isoDay(T0), until: isoDay(clock.ms), cursor: null }), providerError('login_required'));
    assert.deepEqual(ctx.stored, [], 'nothing was issued after the revoke');
  } finally {
    await bank.close();
  }
});
