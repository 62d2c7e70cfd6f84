// Every provider client reads time on the app's clock, never the host's: the registry (what
// Core builds its clients from) hands each one Core's `now`. Under a simulated clock months
// away from today, Plaid's "retry at" after a rate limit is that clock plus Plaid's delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticConfig } from '../../../main/providers/config';
import { ProviderError } from '../../../main/providers/errors';
import { DEFAULT_RETRY_MS } from '../../../main/providers/plaid/errors';
import { PROVIDERS } from '../../../main/providers/registry';
import { FakeClock } from '../../helpers/ledger';
import { PLAID_CLIENT_ID, PLAID_SECRET, startPlaidSimulator } from '../../simulators/plaid';

// Far from the host's clock on purpose: a client reading the wall clock would be years off.
const SIMULATED = '2031-03-04T05:06:07Z';

const RATE_LIMITED = {
  error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'INSTITUTIONS_GET_LIMIT', error_message: 'rate limit exceeded for attempts to access this endpoint',
  display_message: null, request_id: 'req-rl-1',
};

async function plaidFromRegistry(t: { after(fn: () => unknown): void }, clock: FakeClock) {
  const sim = await startPlaidSimulator({ now: clock.now });
  t.after(() => sim.close());
  const entry = PROVIDERS.find((e) => e.name === 'plaid')!;
  const provider = entry.create(staticConfig('Plaid', { client_id: PLAID_CLIENT_ID, secret: PLAID_SECRET, base_url: sim.baseUrl, env: 'sandbox' }), clock.now);
  return { sim, provider };
}

async function retryAtOf(p: Promise<unknown>): Promise<string | undefined> {
  let retryAt: string | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.code, 'rate_limited');
    retryAt = e.retryAt;
    return true;
  });
  return retryAt;
}

test("Plaid rate limited with Retry-After: retry at = the app's clock + those seconds", async (t) => {
  const clock = FakeClock.at(SIMULATED);
  const { sim, provider } = await plaidFromRegistry(t, clock);
  sim.sim.inject({ kind: 'status', status: 429, body: RATE_LIMITED, headers: { 'retry-after': '90' } }, { match: (r) => r.path === '/institutions/get' });
  assert.equal(await retryAtOf(provider.listInstitutions()), new Date(clock.ms + 90_000).toISOString());
});

test("Plaid rate limited without Retry-After: retry at = the app's clock + Plaid's one-minute window", async (t) => {
  const clock = FakeClock.at(SIMULATED);
  const { sim, provider } = await plaidFromRegistry(t, clock);
  clock.advanceDays(40); // the clock moves after the client was built: it is read, not copied
  sim.sim.inject({ kind: 'status', status: 429, body: RATE_LIMITED }, { match: (r) => r.path === '/institutions/get' });
  assert.equal(await retryAtOf(provider.listInstitutions()), new Date(clock.ms + DEFAULT_RETRY_MS).toISOString());
});
