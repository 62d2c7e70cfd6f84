import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { completeConsentHeadlessly } from '../../../../main/providers/demo/autopilot';
import { escapeHtml } from '../../../../main/providers/demo/consent-pages';
import { DemoBank } from '../../../../main/providers/demo/index';
import { DAY_MS, FakeClock, REDIRECT, connect, contextFor, newBank, tempStateDir, providerError } from './helpers';

const T0 = Date.parse('2026-03-10T09:00:00Z');


async function postForm(url: string, fields: Record<string, string | string[]>): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return fetch(url, { method: 'POST', body, redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

test('plain institution: login page over real HTTP, redirect carries code and state, code works once', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'state-abc', mode: 'new' });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/consent\/[A-Za-z0-9_-]+$/);

    const page = await fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<label for="username">/);
    assert.match(html, /<input type="password" id="password" name="password"/);

    await assert.rejects(completeConsentHeadlessly(url, { password: 'wrong' }), /username or password is not correct/);

    // The refused attempt leaves the session usable, as a bank's login page does.
    const redirect = new URL(await completeConsentHeadlessly(url));
    assert.equal(`${redirect.origin}${redirect.pathname}`, REDIRECT);
    assert.equal(redirect.searchParams.get('state'), 'state-abc');
    const code = redirect.searchParams.get('code');
    assert.ok(code && code.length >= 20);

    const params = Object.fromEntries(redirect.searchParams);
    const result = await bank.completeConsent({ institutionId: 'demo-plain', params, now: clock.now() });
    assert.deepEqual(result.secrets, {});
    assert.match(result.providerRef, /^demo-consent-[0-9a-f]+$/);
    assert.equal(result.consentExpiresAt, new Date(T0 + 90 * DAY_MS).toISOString());

    await assert.rejects(bank.completeConsent({ institutionId: 'demo-plain', params, now: clock.now() }), providerError('other', /already used/));

    const accounts = await bank.listAccounts(contextFor(clock, 'demo-plain', result.providerRef));
    assert.deepEqual(accounts.map((a) => [a.id, a.currency]), [['plain-current-eur', 'EUR'], ['plain-dollar-usd', 'USD'], ['plain-savings-eur', 'EUR']]);

    // The session was used up by the redirect.
    assert.equal((await fetch(url)).status, 404);
  } finally {
    await bank.close();
  }
});

test('MFA institution asks a one-time code after the login and refuses a wrong one', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const { url } = await bank.startConsent({ institutionId: 'demo-mfa', redirectUri: REDIRECT, state: 's', mode: 'new' });
    const afterLogin = await postForm(url, { step: 'login', username: 'demo', password: 'demo', action: 'continue' });
    assert.equal(afterLogin.status, 200);
    const mfaHtml = await afterLogin.text();
    assert.match(mfaHtml, /<label for="code">One-time code<\/label>/);
    assert.match(mfaHtml, /autocomplete="one-time-code"/);

    const wrong = await postForm(url, { step: 'mfa', code: '654321', action: 'continue' });
    assert.equal(wrong.status, 422);
    assert.match(await wrong.text(), /role="alert"[^>]*>That code is not correct/);

    await assert.rejects(completeConsentHeadlessly(url, { mfaCode: '000000' }), /code is not correct/);
    const redirect = new URL(await completeConsentHeadlessly(url, { mfaCode: '123456' }));
    const result = await bank.completeConsent({ institutionId: 'demo-mfa', params: Object.fromEntries(redirect.searchParams), now: clock.now() });
    const accounts = await bank.listAccounts(contextFor(clock, 'demo-mfa', result.providerRef, true));
    assert.deepEqual(accounts.map((a) => a.currency), ['EUR', 'GBP']);
  } finally {
    await bank.close();
  }
});

test('a plain institution goes from login straight to the account choice, all accounts checked', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 's', mode: 'new' });
    const res = await postForm(url, { step: 'login', username: 'demo', password: 'demo', action: 'continue' });
    const html = await res.text();
    assert.doesNotMatch(html, /name="code"/);
    const boxes = [...html.matchAll(/<input type="checkbox"[^>]*>/g)].map((m) => m[0]);
    assert.equal(boxes.length, 3);
    assert.ok(boxes.every((b) => b.includes(' checked')));
    assert.match(html, /NL\d\d •••• •••• \d{4}/); // masked IBAN, not the full one
    assert.doesNotMatch(html, /NL\d\dDEMO\d{10}/);

    const none = await postForm(url, { step: 'accounts', action: 'continue' });
    assert.equal(none.status, 422);
    assert.match(await none.text(), /Choose at least one account/);
  } finally {
    await bank.close();
  }
});

test('only the accounts chosen at consent are listed', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-plain', ['plain-dollar-usd']);
    assert.deepEqual((await bank.listAccounts(ctx)).map((a) => a.id), ['plain-dollar-usd']);
    await assert.rejects(
      bank.fetchTransactions(ctx, { accountId: 'plain-current-eur', since: '2026-01-01', until: '2026-03-10', cursor: null }),
      providerError('other', /not part of this/),
    );
  } finally {
    await bank.close();
  }
});

test('cancel redirects with access_denied and the state; completing that says the user cancelled', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'st&9', mode: 'new' });
    const res = await postForm(url, { step: 'login', action: 'cancel' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'st&9');
    assert.equal(location.searchParams.get('code'), null);
    await assert.rejects(
      bank.completeConsent({ institutionId: 'demo-plain', params: Object.fromEntries(location.searchParams), now: clock.now() }),
      providerError('user_action_required', /cancelled/),
    );
  } finally {
    await bank.close();
  }
});

test('redirects that leave the machine are refused; loopback ones accepted', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    for (const redirectUri of ['https://example.com/callback', 'http://192.168.1.5:8080/cb', 'http://127.0.0.1.evil.example/cb', 'ftp://127.0.0.1/cb', 'not a url']) {
      await assert.rejects(bank.startConsent({ institutionId: 'demo-plain', redirectUri, state: 's', mode: 'new' }), providerError('other'), redirectUri);
    }
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: 'http://localhost:4000/cb?x=1', state: 's', mode: 'new' });
    const redirect = new URL(await completeConsentHeadlessly(url));
    assert.equal(redirect.host, 'localhost:4000');
    assert.equal(redirect.searchParams.get('x'), '1');
    await assert.rejects(bank.startConsent({ institutionId: 'no-such-bank', redirectUri: REDIRECT, state: 's', mode: 'new' }), providerError('other'));
  } finally {
    await bank.close();
  }
});

test('a consent session expires after 30 minutes; a code is checked against the institution and state', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const first = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 's', mode: 'new' });
    clock.ms += 31 * 60_000;
    const expired = await fetch(first.url);
    assert.equal(expired.status, 410);
    assert.match(await expired.text(), /expired after 30 minutes/);

    const second = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'good', mode: 'new' });
    const params = Object.fromEntries(new URL(await completeConsentHeadlessly(second.url)).searchParams);
    await assert.rejects(bank.completeConsent({ institutionId: 'demo-plain', params: { ...params, state: 'forged' }, now: clock.now() }), providerError('other', /state/));
    // That refusal spent the code: one-time means one attempt.
    await assert.rejects(bank.completeConsent({ institutionId: 'demo-plain', params, now: clock.now() }), providerError('other'));
    await assert.rejects(bank.completeConsent({ institutionId: 'demo-plain', params: { code: 'made-up', state: 'good' }, now: clock.now() }), providerError('other'));
  } finally {
    await bank.close();
  }
});

test('reconnect renews the same consent with a new expiry; revoke deletes it', async () => {
  const clock = new FakeClock(T0);
  const bank = newBank(clock);
  try {
    const ctx = await connect(bank, clock, 'demo-plain');
    clock.advanceDays(80);
    const { url } = await bank.startConsent({ institutionId: 'demo-plain', redirectUri: REDIRECT, state: 'r', mode: 'reconnect', connection: ctx });
    const params = Object.fromEntries(new URL(await completeConsentHeadlessly(url)).searchParams);
    const renewed = await bank.completeConsent({ institutionId: 'demo-plain', params, now: clock.now() });
    assert.equal(renewed.providerRef, ctx.providerRef);
    assert.equal(renewed.consentExpiresAt, new Date(clock.ms + 90 * DAY_MS).toISOString());
    clock.advanceDays(20); // past the first consent's 90 days, within the renewed one
    assert.equal((await bank.listAccounts(ctx)).length, 3);

    await bank.revoke(ctx);
    await assert.rejects(bank.listAccounts(ctx), providerError('login_required', /Reconnect/));
  } finally {
    await bank.close();
  }
});

test('the bank keeps consents in demo-bank.json, visible to a second instance (another process)', async () => {
  const clock = new FakeClock(T0);
  const stateDir = tempStateDir();
  const bank = newBank(clock, { stateDir });
  let ctx;
  try {
    ctx = await connect(bank, clock, 'demo-vnd');
  } finally {
    await bank.close();
  }
  assert.deepEqual(readdirSync(stateDir), ['demo-bank.json']); // no temp file left behind
  const saved = JSON.parse(readFileSync(`${stateDir}/demo-bank.json`, 'utf8')) as { consents: Record<string, { accountIds: string[] }> };
  assert.deepEqual(saved.consents[ctx.providerRef]?.accountIds, ['vnd-current']);

  const later = new DemoBank({ stateDir, seed: 7, now: clock.now });
  const accounts = await later.listAccounts(ctx); // never started a server: nothing to close
  assert.equal(accounts[0]?.currency, 'VND');
});

test('institutions are listed with their behaviour flags', async () => {
  const bank = newBank(new FakeClock(T0));
  const list = await bank.listInstitutions();
  assert.deepEqual(list.map((i) => i.id), [
    'demo-plain', 'demo-mfa', 'demo-beta', 'demo-manual', 'demo-90days', 'demo-vnd', 'demo-daily', 'demo-busy', 'demo-oauth', 'demo-psd2', 'demo-fraud',
  ]);
  const byId = new Map(list.map((i) => [i.id, i]));
  assert.equal(byId.get('demo-mfa')?.mfa, true);
  assert.equal(byId.get('demo-beta')?.beta, true);
  assert.equal(byId.get('demo-manual')?.automaticSync, false);
  assert.equal(byId.get('demo-90days')?.historyDays, 90);
  assert.equal(byId.get('demo-plain')?.historyDays, 730);
  assert.equal(byId.get('demo-vnd')?.country, 'VN');
  assert.equal(byId.get('demo-daily')?.refreshesPerDay, 1);
  assert.equal(byId.get('demo-psd2')?.unattendedPerDay, 4);
  assert.equal(byId.get('demo-plain')?.unattendedPerDay, undefined);
  assert.equal(byId.get('demo-oauth')?.name, 'Demo Bank Connect');
  assert.equal(byId.get('demo-fraud')?.name, 'Demo Bank Fraud Watch');
  assert.ok(list.every((i) => !('accounts' in i) && !('behaviour' in i)), 'the bank internals stay inside');
  // Only fields of the Institution contract, and no key set to undefined.
  const known = new Set(['id', 'name', 'country', 'bic', 'beta', 'historyDays', 'automaticSync', 'refreshesPerDay', 'unattendedPerDay', 'mfa', 'logo']);
  for (const i of list) for (const [k, v] of Object.entries(i)) assert.ok(known.has(k) && v !== undefined, `${i.id}.${k}`);
});

test('escapeHtml neutralises markup in interpolated text', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
});
