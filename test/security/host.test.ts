// Hardening of everything Ledgerlink serves on 127.0.0.1 (issue 9), tested as another local
// user or a web page would try it: real HTTP on loopback, a real `ws` client, real Chromium.
// - The address handed to the browser opener (readable by anyone with `ps`) opens no session:
//   it carries a one-time, short-lived launch code, traded once for the session token.
// - Consents started and never finished do not keep loopback listeners open.
// - The consent redirect listener and the providers' consent pages refuse another Host and a
//   form posted from another site, and the real flow still works.
// - The shipped UI has no source maps and one Content Security Policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { WebSocket } from 'ws';
import type { ConnectStart, Result } from '../../preload/api';
import { BRIDGE_PATH, type ServerMessage } from '../../preload/bridge-protocol';
import { Core } from '../../main/core/index';
import { MAX_OPEN_FLOWS } from '../../main/core/lifecycle';
import { createAppRequestHandler } from '../../main/electron/app-protocol';
import { serve, startHost, type Host } from '../../main/host/index';
import { completeConsentHeadlessly } from '../../main/providers/demo/autopilot';
import { SetupTokenServer } from '../../main/providers/simplefin/consent-server';
import { tempDir } from '../helpers/ledger';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.LEDGERLINK_CHROMIUM ?? '/usr/bin/chromium';

type After = { after(fn: () => unknown): void };

// ---------------------------------------------------------------------------------------------
// Helpers

/** A fresh, shipped-style build of the UI (the script the app's build runs) in a temp folder. */
let builtUi = '';
let buildDir: { cleanup(): void } | undefined;
before(() => {
  const tmp = (buildDir = tempDir('ledgerlink-ui-build-'));
  builtUi = join(tmp.dir, 'renderer');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build-renderer.ts'), '--out', builtUi], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `the renderer build failed:\n${r.stdout}\n${r.stderr}`);
});

let browser: Browser | undefined;
async function chromiumBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed and was not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set LEDGERLINK_CHROMIUM).`);
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  return browser;
}
after(async () => {
  await browser?.close();
  buildDir?.cleanup();
});

async function app(t: After, opts: { consentFlowTtlMs?: number; launchCodeTtlMs?: number; now?: () => number } = {}): Promise<{ core: Core; host: Host }> {
  const tmp = tempDir('ledgerlink-security-');
  const core = new Core({ dataDir: tmp.dir, ...(opts.consentFlowTtlMs ? { consentFlowTtlMs: opts.consentFlowTtlMs } : {}) });
  const host = await startHost({
    core, rendererDir: builtUi,
    ...(opts.launchCodeTtlMs ? { launchCodeTtlMs: opts.launchCodeTtlMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  t.after(async () => {
    await host.close();
    await core.close();
    tmp.cleanup();
  });
  return { core, host };
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request exactly as written: any Host, Origin or Sec-Fetch-Site, no redirect followed. */
function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  const u = new URL(url);
  return new Promise((done, fail) => {
    const req = request({
      host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: o.method ?? 'GET',
      headers: { Host: u.host, ...(o.body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(o.body) } : {}), ...o.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(o.body);
  });
}

/** Opens the API socket with `token` and our own Origin: the socket, or the refusal's status. */
function openSocket(host: Host, token: string): Promise<{ ws: WebSocket } | { status: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`, { origin: host.origin });
  return new Promise((done, fail) => {
    ws.once('open', () => done({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      done({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', fail);
  });
}

/** A page's side of the bridge: numbered calls and their results. */
function bridgeClient(ws: WebSocket) {
  let nextId = 1;
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as ServerMessage;
    if (msg.type === 'reply') waiting.get(msg.id)?.(msg.result as Result<unknown>);
  });
  return {
    call<T>(method: string, args: unknown): Promise<Result<T>> {
      const id = nextId++;
      const reply = new Promise<Result<T>>((done) => waiting.set(id, done as (r: Result<unknown>) => void));
      ws.send(JSON.stringify({ type: 'call', id, method, args }));
      return reply;
    },
  };
}

function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`API error ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

async function countListening(ports: Iterable<number>): Promise<number> {
  let n = 0;
  for (const p of ports) if (await listening(p)) n++;
  return n;
}

/** Waits until `check` holds (checked as things change, up to `ms`), else fails with `what`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The port of the loopback listener a Demo Bank consent sends the user back to: the page's
 * own policy names it (its forms may only lead there), as any visitor of the page can read.
 */
async function listenerPort(consentUrl: string): Promise<number> {
  const page = await raw(consentUrl);
  const csp = String(page.headers['content-security-policy'] ?? '');
  const m = /form-action 'self' http:\/\/127\.0\.0\.1:(\d+)/.exec(csp);
  assert.ok(m, `no redirect origin in the consent page's policy: ${csp}`);
  return Number(m[1]);
}

const startDemo = async (core: Core): Promise<ConnectStart> => ok(await core.api.startConnect({ provider: 'demo', institution_id: 'demo-plain' }));

// ---------------------------------------------------------------------------------------------
// 4. The launch address carries no lasting secret

test('serve --open gives the browser opener no string that opens a session, only a one-time code', async (t) => {
  const tmp = tempDir('ledgerlink-security-');
  const core = new Core({ dataDir: tmp.dir });
  const printed: string[] = [];
  const argv: string[] = [];
  const host = await serve({
    core, rendererDir: builtUi, open: true, log: (s) => printed.push(s),
    spawnImpl: ((command: string, args: readonly string[]) => {
      argv.push(command, ...args);
      return spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    }) as typeof spawn,
  });
  t.after(async () => {
    await host.close();
    await core.close();
    tmp.cleanup();
  });
  assert.ok(argv.length > 1, 'the opener was started');
  const opened = argv.at(-1)!;
  assert.match(opened, /^http:\/\/127\.0\.0\.1:\d+\/launch\?code=[A-Za-z0-9_-]+$/);
  assert.ok(printed[0]!.includes(opened), 'the printed address is the one opened');
  for (const text of [...argv, printed.join('\n')]) assert.ok(!text.includes(host.token), 'the session token is neither printed nor passed to the opener');
  // Whatever `ps` shows, none of it opens the API socket (the code included).
  const code = new URL(opened).searchParams.get('code')!;
  for (const offered of [...argv, code, opened]) {
    const r = await openSocket(host, offered);
    assert.deepEqual('status' in r ? r.status : 'opened', 401, `"${offered}" must not open a session`);
  }
  // The code itself works, once.
  const first = await raw(opened);
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, `/#token=${host.token}`);
  const again = await raw(opened);
  assert.equal(again.status, 403);
  assert.equal(again.headers.location, undefined);
  assert.ok(!again.body.includes(host.token));
});

test('a launch code works once, a HEAD does not spend it, and an expired one is refused', async (t) => {
  let clock = 1_000_000;
  const { host } = await app(t, { launchCodeTtlMs: 60_000, now: () => clock });
  const launch = host.launchUrl();
  assert.equal((await raw(launch, { method: 'HEAD' })).status, 405);
  const used = await raw(launch);
  assert.equal(used.status, 303);
  assert.equal(used.headers['cache-control'], 'no-store');
  assert.equal(used.headers.location, `/#token=${host.token}`);
  const reused = await raw(launch);
  assert.equal(reused.status, 403);
  assert.match(reused.body, /already used or has expired/);
  assert.equal((await raw(`${host.origin}/launch?code=`)).status, 403);
  assert.equal((await raw(`${host.origin}/launch`)).status, 403);

  const late = host.launchUrl();
  clock += 60_001;
  const expired = await raw(late);
  assert.equal(expired.status, 403);
  assert.equal(expired.headers.location, undefined);
  // Each launch address has its own code: an old one tells nothing about the next.
  assert.notEqual(new URL(host.launchUrl()).searchParams.get('code'), new URL(late).searchParams.get('code'));
});

test('in Chromium the launch address opens the app with its session, and a second visit is refused', async (t) => {
  const { host } = await app(t);
  const context = await (await chromiumBrowser()).newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const launch = host.launchUrl();
  await page.goto(launch);
  // The bridge is connected: the dashboard shows what only the API can tell it.
  await page.getByRole('button', { name: 'Add the Demo Bank' }).waitFor();
  assert.equal(page.url(), `${host.origin}/#/`, 'the token is no longer in the address bar');
  const other = await context.newPage();
  const response = await other.goto(launch);
  assert.equal(response?.status(), 403);
  assert.match(await other.textContent('body') ?? '', /already used or has expired/);
});

// ---------------------------------------------------------------------------------------------
// 8. Abandoned consents do not keep listeners

test('300 abandoned consents against the Demo Bank leave a bounded number of listeners', async (t) => {
  const { core, host } = await app(t);
  const ports = new Set<number>();
  for (let i = 0; i < 300; i++) ports.add(await listenerPort((await startDemo(core)).consent_url));
  ports.delete(host.port);
  assert.ok(ports.size > MAX_OPEN_FLOWS, 'each consent had its own listener');
  const open = await countListening(ports);
  assert.ok(open <= MAX_OPEN_FLOWS, `${open} listeners still open after 300 abandoned consents (at most ${MAX_OPEN_FLOWS})`);
  assert.ok(open > 0, 'the latest consents are still waiting for the user');
});

test('an abandoned consent closes its listener when it times out, and cannot be finished after', async (t) => {
  const { core } = await app(t, { consentFlowTtlMs: 300 });
  const started = [await startDemo(core), await startDemo(core), await startDemo(core)];
  const ports = await Promise.all(started.map((s) => listenerPort(s.consent_url)));
  await eventually(async () => (await countListening(ports)) === 0, 'every abandoned listener is closed');
  const late = await core.api.finishConnect({ flow_id: started[0]!.flow_id, timeout_ms: 1000 });
  assert.equal(late.ok ? 'finished' : late.error.code, 'not_found');
});

test('when the page goes, the consents it started and is not finishing are abandoned', async (t) => {
  const { core, host } = await app(t);
  const opened = await openSocket(host, host.token);
  if (!('ws' in opened)) assert.fail(`socket refused with HTTP ${opened.status}`);
  const page = bridgeClient(opened.ws);
  const idle: ConnectStart[] = [];
  for (let i = 0; i < 3; i++) idle.push(ok(await page.call<ConnectStart>('startConnect', { provider: 'demo', institution_id: 'demo-plain' })));
  const idlePorts = await Promise.all(idle.map((s) => listenerPort(s.consent_url)));
  // One consent the page is waiting on (a reload in the middle of it must not lose it).
  const waited = ok(await page.call<ConnectStart>('startConnect', { provider: 'demo', institution_id: 'demo-plain' }));
  const waitedPort = await listenerPort(waited.consent_url);
  void page.call('finishConnect', { flow_id: waited.flow_id, timeout_ms: 30_000 });
  assert.equal(await countListening([...idlePorts, waitedPort]), 4);
  const connectionMade = new Promise<void>((done) => {
    const off = core.on('connectionState', () => {
      off();
      done();
    });
  });

  opened.ws.close();
  await eventually(async () => (await countListening(idlePorts)) === 0, "the page's idle consents are closed");
  assert.ok(await listening(waitedPort), 'the consent being finished still waits for the bank');
  const redirect = await completeConsentHeadlessly(waited.consent_url);
  assert.equal((await fetch(redirect)).status, 200);
  await connectionMade;
  assert.equal(ok(await core.api.listConnections({})).length, 1);
});

// ---------------------------------------------------------------------------------------------
// 9. Host and cross-site checks on the consent listener and pages

test('the consent redirect listener refuses another Host, even with the right state and code', async (t) => {
  const { core } = await app(t);
  const started = await startDemo(core);
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  const redirect = new URL(await completeConsentHeadlessly(started.consent_url));
  for (const host of ['evil.example', `evil.example:${redirect.port}`, `127.0.0.1.evil.example:${redirect.port}`]) {
    const r = await raw(redirect.href, { headers: { Host: host } });
    assert.equal(r.status, 421, `Host ${host}`);
  }
  const posted = await raw(redirect.href, { method: 'POST', headers: { Origin: 'http://evil.example' }, body: '' });
  assert.equal(posted.status, 403);
  // Nothing was taken: the real redirect still completes the consent.
  assert.equal((await raw(redirect.href)).status, 200);
  const { connection } = ok(await finishing);
  assert.equal(connection.institution_id, 'demo-plain');
});

test("the Demo Bank's consent pages refuse another Host and a form from another site, and change nothing", async (t) => {
  const { core } = await app(t);
  const started = await startDemo(core);
  const url = started.consent_url;
  const port = new URL(url).port;
  assert.equal((await raw(url, { headers: { Host: `evil.example:${port}` } })).status, 421);
  const login = 'step=login&username=demo&password=demo&action=continue';
  const foreign: Record<string, string>[] = [
    { Origin: 'http://evil.example' },
    { Origin: 'null' },
    { Origin: `http://127.0.0.1:${Number(port) + 1}` },
    { 'Sec-Fetch-Site': 'cross-site' },
    { 'Sec-Fetch-Site': 'same-site', Origin: `http://localhost:${Number(port) + 1}` },
  ];
  for (const headers of foreign) {
    const r = await raw(url, { method: 'POST', headers, body: login });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(r.headers.location, undefined);
  }
  const cancel = await raw(url, { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' }, body: 'action=cancel' });
  assert.equal(cancel.status, 403, 'a page elsewhere cannot cancel the consent either');
  // Still on the login page: none of it went through.
  const page = await raw(url);
  assert.equal(page.status, 200);
  assert.match(page.body, /name="password"/);
  // The headless autopilot (no Origin, like any non-browser client) still completes it.
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  assert.equal((await fetch(await completeConsentHeadlessly(url))).status, 200);
  ok(await finishing);
});

test("SimpleFIN's setup-token page refuses another Host and a form from another site", async (t) => {
  const pages = new SetupTokenServer(() => new Date());
  t.after(() => pages.close());
  const url = await pages.createSession({ redirectUri: 'http://127.0.0.1:9/callback', state: 'st' });
  const port = new URL(url).port;
  const token = Buffer.from('https://bridge.example/simplefin/claim/abc').toString('base64');
  const body = new URLSearchParams({ setup_token: token, action: 'connect' }).toString();
  assert.equal((await raw(url, { headers: { Host: `evil.example:${port}` } })).status, 421);
  const foreign: Record<string, string>[] = [{ Origin: 'http://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }];
  for (const headers of foreign) {
    const r = await raw(url, { method: 'POST', headers, body });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(r.headers.location, undefined, 'no setup token sent anywhere');
  }
  const own = await raw(url, { method: 'POST', headers: { Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' }, body });
  assert.equal(own.status, 302);
  assert.equal(new URL(String(own.headers.location)).searchParams.get('setup_token'), token);
});

test('in Chromium the Demo Bank consent, with its own forms, still completes', async (t) => {
  const { core } = await app(t);
  const started = await startDemo(core);
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  const context = await (await chromiumBrowser()).newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(started.consent_url);
  await page.getByLabel('Username').fill('demo');
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Allow access' }).click();
  await page.getByText('Done: you can close this window').waitFor();
  const { connection, accounts } = ok(await finishing);
  assert.equal(connection.institution_id, 'demo-plain');
  assert.ok(accounts.length > 0);
});

// ---------------------------------------------------------------------------------------------
// 16. No source maps, one Content Security Policy

test('the shipped UI holds no source maps and the host serves none', async (t) => {
  const files = readdirSync(builtUi);
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  for (const f of files) assert.ok(!readFileSync(join(builtUi, f), 'utf8').includes('sourceMappingURL'), `${f} points to a source map`);
  const { host } = await app(t);
  // A map left over from a development build is still not served, by the host nor by app://.
  mkdirSync(join(builtUi, 'assets'), { recursive: true });
  writeFileSync(join(builtUi, 'main.js.map'), '{"version":3,"sources":["../../renderer/main.tsx"]}');
  writeFileSync(join(builtUi, 'assets', 'chunk.js.map'), '{"version":3}');
  t.after(() => rmSync(join(builtUi, 'main.js.map')));
  for (const path of ['/main.js.map', '/assets/chunk.js.map', '/MAIN.JS.MAP']) {
    assert.equal((await raw(`${host.origin}${path}`)).status, 404, path);
    const viaApp = await createAppRequestHandler(builtUi)(new Request(`app://ledgerlink${path}`));
    assert.equal(viaApp.status, 404, `app://ledgerlink${path}`);
  }
  assert.equal((await raw(`${host.origin}/main.js`)).status, 200);
});

test("the page's Content Security Policy is the header's alone", async (t) => {
  const { host } = await app(t);
  const page = await raw(`${host.origin}/`);
  assert.equal(page.status, 200);
  const header = String(page.headers['content-security-policy']);
  assert.match(header, /script-src 'self'/);
  const metas = [...page.body.matchAll(/<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>/gi)];
  for (const [meta] of metas) {
    const content = /content\s*=\s*"([^"]*)"/i.exec(meta)?.[1];
    assert.equal(content, header, 'a meta policy, if any, must be the header itself');
  }
  const viaApp = await createAppRequestHandler(builtUi)(new Request('app://ledgerlink/'));
  assert.equal(viaApp.headers.get('content-security-policy'), header.replace(` ws://127.0.0.1:${host.port} ws://localhost:${host.port}`, ''));
});
