// The browser host over real loopback HTTP and a real `ws` client, with a real Core on a temp
// data folder: static serving and its headers, traversal and DNS-rebinding refusals, the
// WebSocket's token and Origin checks, calls and replies per the bridge protocol, live events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { request, type Server } from 'node:http';
import { spawn, type SpawnOptions } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ApiEventName, Result, SyncProgressEvent } from '../../../preload/api';
import { BRIDGE_PATH, type EventMessage, type ReplyMessage, type ServerMessage } from '../../../preload/bridge-protocol';
import { Core } from '../../../main/core/index';
import { browserCommand, openBrowser, serve, startHost, type Host } from '../../../main/host/index';
import { completeConsentHeadlessly } from '../../../main/providers/demo/autopilot';
import { FakeClock, tempDir } from '../../helpers/ledger';

const SECRET = 'top-secret-outside-the-renderer';
const INDEX = '<!doctype html><html><head><script src="main.js" type="module"></script></head><body><div id="root"></div></body></html>';
const MAIN_JS = 'console.log("renderer");';

type After = { after(fn: () => unknown): void };

async function setup(t: After, opts: { token?: string } = {}) {
  const tmp = tempDir('ledgerlink-host-');
  const rendererDir = join(tmp.dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX);
  writeFileSync(join(rendererDir, 'main.js'), MAIN_JS);
  writeFileSync(join(rendererDir, 'main.css'), 'body{margin:0}');
  writeFileSync(join(rendererDir, '.env'), SECRET);
  writeFileSync(join(tmp.dir, 'secret.txt'), SECRET);
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(dataDir);
  const core = new Core({ dataDir, now: FakeClock.at('2026-06-15T10:00:00Z').now });
  const host = await startHost({ core, rendererDir, ...opts });
  t.after(async () => {
    await host.close();
    await core.close();
    tmp.cleanup();
  });
  return { host, core, rendererDir, dir: tmp.dir };
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request sent exactly as written (fetch would normalize `..` away and fix the Host). */
function raw(host: Host, path: string, o: { method?: string; hostHeader?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: host.port, path, method: o.method ?? 'GET',
      headers: { Host: o.hostHeader ?? `127.0.0.1:${host.port}` },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with it, or with the HTTP status of the refusal. */
function openSocket(host: Host, o: { token?: string | null; origin?: string | null; path?: string } = {}): Promise<{ ws: WebSocket } | { status: number }> {
  const token = o.token === undefined ? host.token : o.token;
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const url = `ws://127.0.0.1:${host.port}${o.path ?? BRIDGE_PATH}${query}`;
  const origin = o.origin === undefined ? host.origin : o.origin;
  const ws = new WebSocket(url, origin === null ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A page's side of the bridge: numbered calls, their replies, and every event pushed. */
class Client {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ReplyMessage) => void>();
  readonly events: EventMessage[] = [];
  readonly replies: ReplyMessage[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ServerMessage;
      if (msg.type === 'event') this.events.push(msg);
      else {
        this.replies.push(msg);
        this.waiting.get(msg.id)?.(msg);
        this.waiting.delete(msg.id);
      }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  sendRaw(message: unknown, id?: number): Promise<ReplyMessage> {
    const reply = new Promise<ReplyMessage>((resolve) => {
      if (id !== undefined) this.waiting.set(id, resolve);
    });
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    return reply;
  }

  call<T = unknown>(method: string, args: unknown): Promise<ReplyMessage & { result: Result<T> }> {
    const id = this.nextId++;
    return this.sendRaw({ type: 'call', id, method, args }, id) as Promise<ReplyMessage & { result: Result<T> }>;
  }

  async ok<T>(method: string, args: unknown): Promise<T> {
    const r = await this.call<T>(method, args);
    if (!r.result.ok) assert.fail(`${method}: ${r.result.error.code}: ${r.result.error.message}`);
    return r.result.value;
  }

  of<E extends ApiEventName>(event: E): EventMessage<E>[] {
    return this.events.filter((e): e is EventMessage<E> => e.event === event);
  }
}

async function client(t: After, host: Host): Promise<Client> {
  const opened = await openSocket(host);
  if (!('ws' in opened)) assert.fail(`socket refused with HTTP ${opened.status}`);
  t.after(() => opened.ws.terminate());
  return new Client(opened.ws);
}

test('a random 64-hex token per launch, carried in the URL hash', async (t) => {
  const { host } = await setup(t);
  assert.match(host.token, /^[0-9a-f]{64}$/);
  assert.equal(host.origin, `http://127.0.0.1:${host.port}`);
  assert.equal(host.url, `http://127.0.0.1:${host.port}/#token=${host.token}`);
  assert.ok(host.port > 0);
  const { host: other } = await setup(t);
  assert.notEqual(other.token, host.token);
});

test('the server itself is bound to 127.0.0.1 (server.address())', async (t) => {
  const tmp = tempDir('ledgerlink-host-');
  const core = new Core({ dataDir: tmp.dir });
  // Catch the http.Server the host creates and ask it where it listens.
  const servers: Server[] = [];
  const orig = http.Server.prototype.listen;
  t.mock.method(http.Server.prototype, 'listen', function (this: Server, ...args: unknown[]) {
    servers.push(this);
    return (orig as (...a: unknown[]) => unknown).apply(this, args);
  });
  const host = await startHost({ core, rendererDir: tmp.dir });
  t.after(async () => {
    await host.close();
    await core.close();
    tmp.cleanup();
  });
  assert.equal(servers.length, 1);
  const addr = servers[0]!.address() as AddressInfo;
  assert.equal(addr.address, '127.0.0.1');
  assert.equal(addr.port, host.port);
  // Nothing answers on another interface of this machine for that port.
  const others = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);
  for (const ip of others) {
    await assert.rejects(fetch(`http://${ip}:${host.port}/`, { signal: AbortSignal.timeout(2000) }));
  }
});

test('serves the page with a strict CSP and the security headers', async (t) => {
  const { host } = await setup(t);
  const page = await raw(host, '/');
  assert.equal(page.status, 200);
  assert.equal(page.body, INDEX);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-store');
  const csp = String(page.headers['content-security-policy']);
  for (const d of [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${host.port}`, "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
  ]) assert.ok(csp.includes(d), `CSP lacks ${d}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin-allow-popups');
  assert.equal(page.headers['x-frame-options'], 'DENY');

  const index = await raw(host, '/index.html');
  assert.equal(index.body, INDEX);
  assert.equal(index.headers['cache-control'], 'no-store');
  const js = await raw(host, '/main.js?v=1');
  assert.equal(js.status, 200);
  assert.equal(js.body, MAIN_JS);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await raw(host, '/main.css');
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  const head = await raw(host, '/main.js', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');

  // Refusals carry the same headers.
  const missing = await raw(host, '/nope.js');
  assert.equal(missing.status, 404);
  assert.ok(String(missing.headers['content-security-policy']).includes("default-src 'self'"));
  assert.equal(missing.headers['x-content-type-options'], 'nosniff');
});

test('only GET and HEAD; no directory listing; no dotfiles', async (t) => {
  const { host } = await setup(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await raw(host, '/index.html', { method });
    assert.equal(r.status, 405, method);
    assert.notEqual(r.body, INDEX);
  }
  for (const path of ['/assets', '/assets/', '/.env', '/assets/../.env']) {
    const r = await raw(host, path);
    assert.ok(r.status === 404 || r.status === 403, `${path}: ${r.status}`);
    assert.ok(!r.body.includes(SECRET));
  }
});

test('path traversal is refused, raw or encoded, and symlinks cannot lead out', async (t) => {
  const { host, rendererDir, dir } = await setup(t);
  symlinkSync(join(dir, 'secret.txt'), join(rendererDir, 'link.txt'));
  for (const path of [
    '/../secret.txt', '/../package.json', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt',
    '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/..\\secret.txt', '/%252e%252e/secret.txt',
    `/${encodeURIComponent(join(dir, 'secret.txt'))}`, '//etc/passwd', '/link.txt', '/index.html%00.js', '/%ff',
  ]) {
    const r = await raw(host, path);
    assert.ok([400, 403, 404].includes(r.status), `${path}: ${r.status}`);
    assert.ok(!r.body.includes(SECRET), path);
  }
  assert.equal((await raw(host, '/../secret.txt')).status, 403);
  assert.equal((await raw(host, '/%2e%2e/secret.txt')).status, 403);
});

test('a foreign Host header is refused (DNS rebinding)', async (t) => {
  const { host } = await setup(t);
  assert.equal((await raw(host, '/', { hostHeader: `localhost:${host.port}` })).status, 200);
  assert.equal((await raw(host, '/', { hostHeader: `LOCALHOST:${host.port}` })).status, 200);
  for (const h of [`evil.example:${host.port}`, 'evil.example', '127.0.0.1', `127.0.0.1:${host.port + 1}`, `127.0.0.1.evil.example:${host.port}`, `[::1]:${host.port}`]) {
    const r = await raw(host, '/', { hostHeader: h });
    assert.equal(r.status, 403, `Host ${h}`);
    assert.notEqual(r.body, INDEX);
  }
  // The WebSocket endpoint checks the Host too.
  const refused = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_PATH}?token=${host.token}`, { origin: host.origin, headers: { Host: `evil.example:${host.port}` } });
    ws.once('open', () => reject(new Error('opened')));
    ws.once('unexpected-response', (_q, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
  assert.equal(refused, 403);
});

test('the WebSocket needs the launch token and the host\'s own Origin', async (t) => {
  const { host } = await setup(t, { token: 'a'.repeat(64) });
  assert.equal(host.token, 'a'.repeat(64));
  assert.deepEqual(await openSocket(host, { token: null }), { status: 401 });
  assert.deepEqual(await openSocket(host, { token: 'b'.repeat(64) }), { status: 401 });
  assert.deepEqual(await openSocket(host, { token: 'a'.repeat(63) }), { status: 401 });
  assert.deepEqual(await openSocket(host, { token: '' }), { status: 401 });
  assert.deepEqual(await openSocket(host, { origin: null }), { status: 403 });
  assert.deepEqual(await openSocket(host, { origin: 'http://evil.example' }), { status: 403 });
  assert.deepEqual(await openSocket(host, { origin: `http://127.0.0.1:${host.port + 1}` }), { status: 403 });
  assert.deepEqual(await openSocket(host, { origin: `https://127.0.0.1:${host.port}` }), { status: 403 });
  assert.deepEqual(await openSocket(host, { origin: 'null' }), { status: 403 });
  assert.deepEqual(await openSocket(host, { path: '/other' }), { status: 404 });
  for (const origin of [host.origin, `http://localhost:${host.port}`]) {
    const ok = await openSocket(host, { origin });
    assert.ok('ws' in ok, origin);
    ok.ws.terminate();
  }
});

test('a call gets its reply with the same id: values and the core\'s errors', async (t) => {
  const { host } = await setup(t);
  const c = await client(t, host);
  const list = await c.sendRaw({ type: 'call', id: 41, method: 'listJournals', args: {} }, 41);
  assert.deepEqual(list, { type: 'reply', id: 41, result: { ok: true, value: [] } });

  const bad = await c.call('listStatements', { journal_id: 'x' });
  assert.equal(bad.result.ok, false);
  assert.equal(!bad.result.ok && bad.result.error.code, 'invalid_argument');
  const notFound = await c.call('listStatements', { journal_id: 999 });
  assert.equal(!notFound.result.ok && notFound.result.error.code, 'not_found');

  for (const method of ['deleteEverything', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 42]) {
    const r = await c.call(method as string, {});
    assert.equal(r.result.ok, false, String(method));
    assert.equal(!r.result.ok && r.result.error.code, 'unknown_method', String(method));
  }
  const wrongType = await c.sendRaw({ type: 'reply', id: 7, method: 'listJournals', args: {} }, 7);
  assert.equal(!wrongType.result.ok && wrongType.result.error.code, 'bad_request');

  const settings = await c.ok<Record<string, string>>('setSetting', { key: 'lock_date', value: '2026-01-31' });
  assert.equal(settings.lock_date, '2026-01-31');
  assert.equal((await c.ok<Record<string, string>>('getSettings', {})).lock_date, '2026-01-31');
});

test('malformed JSON closes the socket with 1003; so does a binary frame', async (t) => {
  const { host } = await setup(t);
  const c = await client(t, host);
  c.ws.send('{not json');
  assert.equal((await c.closed).code, 1003);
  const d = await client(t, host);
  d.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await d.closed).code, 1003);
  const e = await client(t, host);
  e.ws.send(JSON.stringify({ type: 'call', method: 'listJournals', args: {} }));
  assert.equal((await e.closed).code, 1003);
});

test('a message over 1 MiB closes the socket (1009)', async (t) => {
  const { host } = await setup(t);
  const c = await client(t, host);
  c.ws.send(JSON.stringify({ type: 'call', id: 1, method: 'setSetting', args: { key: 'x', value: 'y'.repeat(1024 * 1024) } }));
  assert.equal((await c.closed).code, 1009);
});

test('events reach every open socket: connect and synchronize the Demo Bank over the socket', async (t) => {
  const { host, core } = await setup(t);
  const c = await client(t, host);
  const other = await client(t, host);
  const started = await c.ok<{ flow_id: string; consent_url: string }>('startConnect', { provider: 'demo', institution_id: 'demo-plain' });
  // finishConnect waits while other calls on the same socket go on.
  const finishing = c.call<{ connection: { id: number }; accounts: { provider_account_id: string; name: string }[] }>('finishConnect', { flow_id: started.flow_id, timeout_ms: 30_000 });
  assert.deepEqual((await c.call('listJournals', {})).result, { ok: true, value: [] });
  await fetch(await completeConsentHeadlessly(started.consent_url));
  const finished = await finishing;
  if (!finished.result.ok) assert.fail(finished.result.error.message);
  const { connection, accounts } = finished.result.value;
  assert.ok(accounts.length > 0);
  await c.ok('linkAccounts', {
    connection_id: connection.id,
    links: accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  });
  const summaries = await c.ok<{ ok: boolean; stored: number }[]>('synchronize', { connection_ids: [connection.id] });
  assert.equal(summaries[0]?.ok, true);
  assert.ok(summaries[0]!.stored > 0);

  // A call on the other socket is a barrier: its reply comes after every event sent before it.
  await other.ok('listJournals', {});
  for (const client of [c, other]) {
    const progress = client.of('syncProgress').map((e) => e.payload as SyncProgressEvent);
    assert.ok(progress.length > 0, 'syncProgress events arrived');
    assert.ok(progress.every((p) => p.connection_id === connection.id));
    assert.ok(progress.some((p) => p.stored > 0));
  }
  assert.ok(c.of('chatter').length > 0);
  assert.ok(c.of('connectionState').some((e) => e.payload.connection_id === connection.id));

  // A closed socket gets nothing more and the host stops tracking it; others still do.
  c.ws.close();
  await c.closed;
  const before = other.of('syncProgress').length;
  const closedCount = c.events.length;
  await core.api.synchronize({ connection_ids: [connection.id] });
  await other.ok('listJournals', {});
  assert.ok(other.of('syncProgress').length > before);
  assert.equal(c.events.length, closedCount);
});

test('close() ends every socket and stops listening; events no longer flow', async (t) => {
  const { host, core } = await setup(t);
  const c = await client(t, host);
  await host.close();
  assert.equal((await c.closed).code, 1001);
  await assert.rejects(raw(host, '/'));
  await host.close(); // idempotent
  const listeners = (core as unknown as { events: EventEmitter }).events;
  for (const e of ['syncProgress', 'chatter', 'connectionState', 'notification']) assert.equal(listeners.listenerCount(e), 0, e);
});

test('a port in use is reported, not silently changed', async (t) => {
  const { host } = await setup(t);
  const tmp = tempDir('ledgerlink-host-');
  const core = new Core({ dataDir: tmp.dir });
  t.after(async () => {
    await core.close();
    tmp.cleanup();
  });
  await assert.rejects(startHost({ core, rendererDir: tmp.dir, port: host.port }), /EADDRINUSE/);
});

test('serve prints the one-time launch address and reports when no browser opens', async (t) => {
  const tmp = tempDir('ledgerlink-host-');
  const core = new Core({ dataDir: tmp.dir });
  const lines: string[] = [];
  const spawned: { command: string; args: readonly string[] }[] = [];
  const host = await serve({
    core, rendererDir: tmp.dir, open: true, log: (s) => lines.push(s),
    spawnImpl: ((command: string, args: readonly string[]) => {
      spawned.push({ command, args });
      return spawn('ledgerlink-no-such-browser-opener', [], { stdio: 'ignore' });
    }) as typeof spawn,
  });
  t.after(async () => {
    await host.close();
    await core.close();
    tmp.cleanup();
  });
  const launch = /^Ledgerlink is running at (http:\/\/127\.0\.0\.1:\d+\/launch\?code=[A-Za-z0-9_-]+) \(open it within 2 minutes; it works once\)$/.exec(lines[0]!)?.[1];
  assert.ok(launch, lines[0]);
  assert.ok(!lines[0]!.includes(host.token));
  assert.equal(spawned.length, 1);
  assert.deepEqual(spawned[0]!.args.at(-1), launch);
  assert.match(lines[1] ?? '', /Could not open a browser/);
  assert.ok(!lines[1]!.includes(host.token));

  const quiet: string[] = [];
  const h2 = await serve({ core, rendererDir: tmp.dir, log: (s) => quiet.push(s), spawnImpl: (() => assert.fail('no browser asked')) as unknown as typeof spawn });
  await h2.close();
  assert.equal(quiet.length, 1);
});

test('openBrowser starts the platform opener detached', async () => {
  assert.equal(browserCommand('http://127.0.0.1:1/#token=ab', 'linux').command, 'xdg-open');
  assert.equal(browserCommand('http://127.0.0.1:1/#token=ab', 'darwin').command, 'open');
  const win = browserCommand('http://127.0.0.1:1/#token=ab', 'win32');
  assert.equal(win.command, 'cmd');
  assert.equal(win.args.at(-1), 'start "" "http://127.0.0.1:1/#token=ab"');
  assert.equal(browserCommand('u', 'linux').options.detached, true);
  const log: string[] = [];
  const opened = await openBrowser('http://127.0.0.1:1/', (s) => log.push(s), {
    platform: 'linux',
    spawnImpl: ((_c: string, _a: string[], o: SpawnOptions) => spawn(process.execPath, ['-e', ''], o)) as typeof spawn,
  });
  assert.equal(opened, true);
  assert.deepEqual(log, []);
});
