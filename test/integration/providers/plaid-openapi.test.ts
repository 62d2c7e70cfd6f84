// The Plaid client and simulator checked against Plaid's official OpenAPI document
// (2020-09-14): a full flow runs against the simulator, then EVERY request body the client
// sent and EVERY answer the simulator gave is validated against the endpoint's schema (the
// error answers against PlaidError). Skips only when the spec file is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { staticConfig } from '../../../main/providers/config';
import { PlaidProvider } from '../../../main/providers/plaid/index';
import type { ConnectionContext } from '../../../main/providers/types';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { CHECKING, PLAID_CLIENT_ID, PLAID_SECRET, startPlaidSimulator } from '../../simulators/plaid';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPEC = join(REPO_ROOT, '../shared/specs/plaid-openapi-2020-09-14.yml');
const NOW = '2026-06-15T15:00:00Z';

type Schema = { [k: string]: unknown };

/** OpenAPI 3.0 schema → JSON Schema draft-07 for Ajv: refs, nullable, boolean exclusive bounds. */
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (s === null || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', 'plaid#/definitions/');
    else if (k === 'properties' && v && typeof v === 'object') out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, x]) => [p, toJsonSchema(x)]));
    else if (k === 'example' || k === 'examples' || k.startsWith('x-')) continue;
    else out[k] = toJsonSchema(v);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
    if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

type SpecDoc = { paths: Record<string, { post?: Schema }>; components: { schemas: Record<string, unknown> } };

let compiled: ReturnType<typeof compiler> | undefined;
/** The spec, read and compiled once for both tests. */
function loadSpec(): ReturnType<typeof compiler> {
  compiled ??= compiler(parse(readFileSync(SPEC, 'utf8')) as SpecDoc);
  return compiled;
}

function compiler(doc: SpecDoc) {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
  addFormats(ajv);
  for (const f of ['double', 'float', 'int32', 'int64', 'url']) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'plaid', definitions: Object.fromEntries(Object.entries(doc.components.schemas).map(([k, v]) => [k, toJsonSchema(v)])) });
  const cache = new Map<string, ValidateFunction>();
  const ref = (schema: unknown): ValidateFunction => {
    const r = (schema as { $ref?: string }).$ref;
    assert.ok(r, `schema without $ref: ${JSON.stringify(schema).slice(0, 100)}`);
    const key = r.replace('#/components/schemas/', 'plaid#/definitions/');
    let v = cache.get(key);
    if (!v) {
      v = ajv.getSchema(key);
      assert.ok(v, `no schema ${key}`);
      cache.set(key, v);
    }
    return v;
  };
  const op = (path: string) => {
    const post = doc.paths[path]?.post as { requestBody: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> } | undefined;
    assert.ok(post, `the spec has no POST ${path}`);
    return post;
  };
  return {
    request: (path: string) => ref(op(path).requestBody.content['application/json']!.schema),
    response: (path: string, status: number) => {
      const responses = op(path).responses;
      const r = responses[String(status)] ?? responses.default;
      assert.ok(r?.content, `the spec has no ${status} answer for ${path}`);
      return ref(r.content['application/json']!.schema);
    },
  };
}

function check(v: ValidateFunction, data: unknown, what: string): void {
  if (!v(data)) assert.fail(`${what} does not follow Plaid's OpenAPI spec:\n${JSON.stringify(v.errors?.slice(0, 8), null, 2)}\n${JSON.stringify(data).slice(0, 600)}`);
}

test('every request the Plaid client sends and every answer the simulator gives follow Plaid\'s OpenAPI spec', async (t) => {
  if (!existsSync(SPEC)) {
    t.skip(`Plaid's OpenAPI spec is not at ${SPEC}: skipped`);
    return;
  }
  const spec = loadSpec();

  const clock = FakeClock.at(NOW);
  const sim = await startPlaidSimulator({ now: clock.now, refreshesAllowed: 1 });
  t.after(() => sim.close());
  const plaid = new PlaidProvider({
    config: staticConfig('Plaid', { client_id: PLAID_CLIENT_ID, secret: PLAID_SECRET, base_url: sim.baseUrl }),
    pageSize: 100, sandbox: true, now: clock.now,
  });

  // Institutions, Hosted Link, exchange, sandbox connect.
  await plaid.listInstitutions();
  const { url } = await plaid.startConsent({ institutionId: 'ins_109508', redirectUri: 'http://127.0.0.1:53682/callback', state: 'st-1', mode: 'new' });
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const consent = await plaid.completeConsent({ institutionId: 'ins_109508', params: Object.fromEntries(location.searchParams), now: clock.now() });
  await plaid.sandboxConnect('ins_109508');

  // A real synchronization with paging, then pending → posted, refresh over its limit, errors.
  const l = tempLedger();
  t.after(l.cleanup);
  const ids = seedConnection(l.db, { provider: 'plaid', providerAccountId: CHECKING, currency: 'USD', timezone: 'America/New_York' });
  l.db.prepare('UPDATE connections SET provider_ref = ? WHERE id = ?').run(consent.providerRef, ids.connectionId);
  const secrets = new Map(Object.entries(consent.secrets));
  const engine = new SyncEngine(l.db, { now: clock.now });
  const run = () => engine.run(ids.connectionId, plaid, { trigger: 'manual', getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => { secrets.set(k, v); } });
  assert.equal((await run()).ok, true);
  sim.postPending(sim.transactions().find((x) => x.pending)!.transaction_id);
  sim.addTransaction({ minor: -12_345, name: 'REFUND' });
  assert.equal((await run()).ok, true); // the refresh is refused (rate limit) this time
  sim.failNext('/transactions/sync', { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: 'OAUTH_CONSENT_EXPIRED', display_message: 'Please re-authenticate.' });
  assert.equal((await run()).ok, false);
  sim.failNext('/accounts/get', { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'ACCOUNTS_LIMIT', status: 429 });
  await run();

  // Update mode and revoke.
  const ctx: ConnectionContext = { connectionId: ids.connectionId, institutionId: 'ins_109508', providerRef: consent.providerRef, interactive: true, now: clock.now,
    getSecret: async (k) => secrets.get(k), setSecret: async () => {} };
  const upd = await plaid.startConsent({ institutionId: 'ins_109508', redirectUri: 'http://127.0.0.1:53682/callback', state: 'st-2', mode: 'update', connection: ctx });
  const loc2 = new URL((await fetch(upd.url, { redirect: 'manual' })).headers.get('location')!);
  await plaid.completeConsent({ institutionId: 'ins_109508', params: Object.fromEntries(loc2.searchParams), now: clock.now() });
  await plaid.revoke(ctx);
  await assert.rejects(plaid.listAccounts(ctx));

  // Every request body sent to the API.
  const posts = sim.sim.log.filter((r) => r.method === 'POST');
  const seen = new Set(posts.map((r) => r.path));
  for (const p of ['/institutions/get', '/link/token/create', '/link/token/get', '/item/public_token/exchange', '/sandbox/public_token/create',
    '/accounts/get', '/transactions/sync', '/transactions/refresh', '/item/remove']) assert.ok(seen.has(p), `the flow called ${p}`);
  for (const [i, r] of posts.entries()) {
    assert.equal(r.headers['plaid-version'], '2020-09-14');
    check(spec.request(r.path), r.json, `request #${i} ${r.path}`);
  }
  // Every answer given, errors included.
  assert.equal(sim.responses.length, posts.length, 'every request got a logged answer');
  const statuses = new Set(sim.responses.map((r) => r.status));
  assert.ok(statuses.has(400) && statuses.has(429), 'error answers were checked too');
  for (const [i, r] of sim.responses.entries()) check(spec.response(r.path, r.status), r.body, `answer #${i} ${r.path} (HTTP ${r.status})`);
});

test('the OpenAPI check can fail: a response missing a required field is refused', (t) => {
  if (!existsSync(SPEC)) {
    t.skip(`Plaid's OpenAPI spec is not at ${SPEC}: skipped`);
    return;
  }
  const spec = loadSpec();
  const v = spec.response('/transactions/sync', 200);
  assert.equal(v({ added: [], modified: [], removed: [], next_cursor: 'c', has_more: false, request_id: 'r' }), false);
  assert.equal(spec.request('/transactions/sync')({ cursor: 'x' }), false, 'access_token is required');
  assert.equal(spec.response('/accounts/get', 400)({ error_type: 'ITEM_ERROR', error_code: 'X', error_message: 'm', display_message: null }), true);
});
