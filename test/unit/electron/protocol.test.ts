// app://ledgerlink/ serves the built renderer with the browser host's CSP and headers (no
// WebSocket in connect-src) and refuses what the host refuses: traversal (raw, encoded, or
// through a symlink), dotfiles, folders, unknown files, other hosts and other methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appSecurityHeaders, createAppRequestHandler, registerAppScheme } from '../../../main/electron/app-protocol';
import { securityHeaders } from '../../../main/host/server';
import { tempDir } from '../../helpers/ledger';
import { INDEX_HTML, SECRET, startShell, writeRenderer } from './desktop-fixture';

function setup(t: { after(fn: () => void): void }) {
  const tmp = tempDir('ledgerlink-app-protocol-');
  t.after(tmp.cleanup);
  const rendererDir = writeRenderer(tmp.dir);
  symlinkSync(join(tmp.dir, 'secret.txt'), join(rendererDir, 'linked.txt'));
  return { handler: createAppRequestHandler(rendererDir), rendererDir };
}

/** A request as Electron hands it over; `url` exactly as written (a real Request would normalize it). */
function raw(url: string, method = 'GET'): Request {
  return { url, method } as Request;
}

/** The same URL through a real Request (normalized by the URL parser), when it builds one. */
function parsed(url: string): Request[] {
  try {
    return [new Request(url)];
  } catch {
    return [];
  }
}

test('index.html is served with the CSP and the security headers', async (t) => {
  const { handler } = setup(t);
  for (const url of ['app://ledgerlink/index.html', 'app://ledgerlink/', 'app://ledgerlink', 'app://ledgerlink/index.html?x=1#/journals']) {
    const res = await handler(new Request(url));
    assert.equal(res.status, 200, url);
    assert.equal(await res.text(), INDEX_HTML);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self'(;|$)/, 'no WebSocket in the app');
    assert.doesNotMatch(csp, /ws:|unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  }
  const js = await handler(new Request('app://ledgerlink/main.js'));
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'no-cache');
  const head = await handler(new Request('app://ledgerlink/assets/logo.svg', { method: 'HEAD' }));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test("the app's headers are the browser host's, minus the WebSocket", () => {
  const app = appSecurityHeaders();
  const host = securityHeaders(4242);
  assert.deepEqual(Object.keys(app).sort(), Object.keys(host).sort());
  for (const k of Object.keys(host)) {
    if (k === 'Content-Security-Policy') continue;
    assert.equal(app[k], host[k], k);
  }
  assert.equal(app['Content-Security-Policy'], host['Content-Security-Policy']!.replace(' ws://127.0.0.1:4242 ws://localhost:4242', ''));
});

test('traversal, encoded or not, symlinks out, dotfiles, folders and unknown files are 404', async (t) => {
  const { handler } = setup(t);
  const refused = [
    'app://ledgerlink/../secret.txt',
    'app://ledgerlink/%2e%2e/secret.txt',
    'app://ledgerlink/%2E%2E%2Fsecret.txt',
    'app://ledgerlink/assets/..%2f..%2fsecret.txt',
    'app://ledgerlink/assets/../../secret.txt',
    'app://ledgerlink/..\\secret.txt',
    'app://ledgerlink/%5c..%5csecret.txt',
    'app://ledgerlink/main.js%00.html',
    'app://ledgerlink/linked.txt',
    'app://ledgerlink/.env',
    'app://ledgerlink/assets/',
    'app://ledgerlink/assets',
    'app://ledgerlink/nope.js',
    'app://ledgerlink//etc/passwd',
    'app://evil/index.html',
    'app://ledgerlink.evil/index.html',
    'app://ledgerlink:8080/index.html',
    'app://user@ledgerlink/index.html',
    'https://ledgerlink/index.html',
  ];
  for (const url of refused) {
    for (const req of [raw(url), ...parsed(url)]) {
      const res = await handler(req);
      const body = await res.text();
      assert.equal(res.status, 404, `${url} (${req instanceof Request ? 'parsed' : 'raw'})`);
      assert.ok(!body.includes(SECRET), url);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'refusals carry the headers too');
    }
  }
});

test('only GET and HEAD', async (t) => {
  const { handler } = setup(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const res = await handler(raw('app://ledgerlink/index.html', method));
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  }
});

test('the shell serves app:// from the renderer folder it was given', async (t) => {
  const s = await startShell(t);
  const handler = s.fake.protocol.handlers.get('app');
  assert.ok(handler);
  const res = await handler(new Request('app://ledgerlink/index.html'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), INDEX_HTML);
  assert.equal((await handler(raw('app://ledgerlink/../secret.txt'))).status, 404);
});

test('registerAppScheme asks for a standard, secure scheme named app', () => {
  const asked: unknown[] = [];
  registerAppScheme({ registerSchemesAsPrivileged: (s) => asked.push(...s) });
  assert.deepEqual(asked, [{ scheme: 'app', privileges: { standard: true, secure: true } }]);
});
