// A connection cut in the middle of an answer is the network failing: the sync says so
// (`network`), keeps nothing of that answer and tries again after its back-off, instead of
// calling it "Plaid answered HTTP 200" or an unreadable answer. A loopback proxy in front of
// the Plaid simulator forwards the real answer, but for the chosen request sends the headers
// and only half of the body, then drops the socket (or announces more bytes than it sends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listLines } from '../../../main/ledger/lines';
import { staticConfig } from '../../../main/providers/config';
import { ProviderError } from '../../../main/providers/errors';
import { httpJson } from '../../../main/providers/http';
import { PlaidProvider } from '../../../main/providers/plaid/index';
import { BACKOFF_BASE_MS } from '../../../main/sync/backoff';
import { SyncEngine } from '../../../main/sync/engine';
import { FakeClock, seedConnection, tempLedger } from '../../helpers/ledger';
import { CHECKING, PLAID_CLIENT_ID, PLAID_SECRET, startPlaidSimulator } from '../../simulators/plaid';

type T = { after(fn: () => unknown): void };
type Cut = 'half-then-reset' | 'short-content-length';

/** Sends `body` cut as asked: half of it then a reset, or all but announced longer, then closed. */
function sendCut(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, cut: Cut): void {
  if (cut === 'half-then-reset') {
    res.writeHead(status, headers); // chunked: the client cannot know the end until the reset
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
  } else {
    res.writeHead(status, { ...headers, 'content-length': String(body.length + 1000) });
    res.write(body, () => res.socket?.end());
  }
}

/** A loopback proxy to `target`; requests `shouldCut` picks get their answer cut. */
async function cuttingProxy(t: T, target: string, cut: Cut, shouldCut: (path: string, body: string) => boolean) {
  let cuts = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reqBody = Buffer.concat(chunks);
      const up = request(new URL(req.url ?? '/', target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(parts);
          const headers: Record<string, string> = { 'content-type': String(upRes.headers['content-type'] ?? 'application/json') };
          if (shouldCut(req.url ?? '/', reqBody.toString('utf8'))) {
            cuts++;
            sendCut(res, upRes.statusCode ?? 200, headers, body, cut);
          } else {
            res.writeHead(upRes.statusCode ?? 200, headers).end(body);
          }
        });
      });
      up.end(reqBody);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cuts: () => cuts };
}

const NOW = '2026-06-15T15:00:00Z';

for (const cut of ['half-then-reset', 'short-content-length'] as const) {
  test(`Plaid (${cut}): a sync page cut mid-body is a network error, stores nothing, is retried after the back-off, then catches up`, async (t) => {
    const clock = FakeClock.at(NOW);
    const sim = await startPlaidSimulator({ now: clock.now });
    t.after(() => sim.close());
    let armed = true;
    const proxy = await cuttingProxy(t, sim.baseUrl, cut, (path) => {
      if (!armed || path !== '/transactions/sync') return false;
      armed = false; // only the first page: the retry must go through
      return true;
    });
    const item = sim.createItem();
    const l = tempLedger();
    t.after(l.cleanup);
    const ids = seedConnection(l.db, { provider: 'plaid', providerAccountId: CHECKING, currency: 'USD', timezone: 'America/New_York', code: 'PLD' });
    l.db.prepare(`UPDATE connections SET provider_ref = ? WHERE id = ?`).run(item.item_id, ids.connectionId);
    const provider = new PlaidProvider({
      config: staticConfig('Plaid', { client_id: PLAID_CLIENT_ID, secret: PLAID_SECRET, base_url: proxy.url, env: 'sandbox' }),
      timeoutMs: 5_000, pageSize: 100, sandbox: true, now: clock.now,
    });
    const engine = new SyncEngine(l.db, { now: clock.now, random: () => 0.5 });
    const secrets = new Map([['access_token', item.access_token]]);
    const run = () => engine.run(ids.connectionId, provider, { trigger: 'scheduled', getSecret: async (k) => secrets.get(k), setSecret: async (k, v) => { secrets.set(k, v); } });
    const bankLines = () => listLines(l.db, { journalId: ids.journalId, limit: 100_000 }).filter((x) => x.kind === 'bank');
    const conn = () => l.db.prepare('SELECT state, retry_at, backoff_attempts FROM connections WHERE id = ?').get(ids.connectionId) as { state: string; retry_at: string | null; backoff_attempts: number };

    const r = await run();
    assert.equal(proxy.cuts(), 1, 'the answer was really cut');
    assert.equal(r.ok, false);
    assert.equal(r.error!.code, 'network', r.error!.message);
    assert.doesNotMatch(r.error!.message, /answered HTTP 200/);
    assert.equal(bankLines().length, 0, 'nothing of the cut answer is stored');
    const after = conn();
    assert.equal(after.state, 'error');
    assert.equal(after.backoff_attempts, 1, 'counted as a transient failure');
    assert.equal(after.retry_at, new Date(clock.ms + BACKOFF_BASE_MS).toISOString(), 'tried again after the first back-off step');

    clock.ms += BACKOFF_BASE_MS;
    const r2 = await run();
    assert.equal(r2.ok, true, JSON.stringify(r2.error));
    assert.equal(conn().state, 'connected');
    const posted = sim.transactions().filter((x) => !x.pending).length;
    assert.equal(bankLines().length, posted, 'the retry brings every posted transaction, once');
  });

  test(`the shared HTTP helper (${cut}): a body cut short is a network error, not an unreadable answer`, async (t) => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => sendCut(res, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ data: [{ id: 'tx-1', amount: '12.30' }] })), cut));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/accounts`;
    await assert.rejects(httpJson({ method: 'GET', url, timeoutMs: 5_000 }, 'Some Bank'), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, 'network', e.message);
      return true;
    });
  });
}
