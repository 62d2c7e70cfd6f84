// Issue 9, point 17: the Electron checklist.
//  a. Windows show https only, plus plain http to this computer (127.0.0.1, [::1], localhost:
//     the Demo Bank, the redirect listener, the tests); http to any other host and every other
//     scheme are refused, in the app window's window.open and in the consent popup.
//  b. shell.openExternal only for https links the app itself shows (a fixed list of hosts),
//     never for whatever a page asks for.
//  c. The packaged app's Electron fuses, in electron-builder.yml, valid for electron-builder.
//  d. Electron stays on a version that installs with the project's Node, its download denied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { webUrl, LOOPBACK_HOSTS } from '../../main/electron/app-url';
import { ConsentFlows } from '../../main/electron/consent-flows';
import { EXTERNAL_LINK_HOSTS, externalLinkUrl } from '../../main/electron/external-links';
import { decideWindowOpen } from '../../main/electron/navigation-policy';
import { SIMPLEFIN_CREATE_TOKEN_URL, tokenPage } from '../../main/providers/simplefin/consent-server';
import { appWindow, startShell, type Started } from '../unit/electron/desktop-fixture';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const settle = () => new Promise((r) => setImmediate(r));

/** Plain http to another computer, in the shapes a page could write it. */
const HTTP_ELSEWHERE = [
  'http://bank.example/consent',
  'http://ob.provider.example:8080/start?x=1',
  'http://10.0.0.1/',
  'http://192.168.1.1/',
  'http://127.0.0.2/', // loopback, but not one of the hosts the app uses
  'http://localhost.evil.example/',
  'http://127.0.0.1.nip.io/',
  'http://localhost./',
];
const OTHER_SCHEMES = [
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'blob:https://bank.example/1',
  'ftp://bank.example/',
  'ws://127.0.0.1:1/',
  'app://ledgerlink/index.html',
  'bankapp://open',
  'ms-msdt:/id',
  'smb://server/share',
  'about:blank',
  'not a url',
];

/** The shell on a fake Electron, with one consent flow on `consentUrl` issued as the core would. */
async function shellWithConsent(t: Parameters<typeof startShell>[0], consentUrl: string): Promise<Started> {
  const s = await startShell(t);
  s.desktop.consent.issued({ flow_id: 'flow-1', consent_url: consentUrl });
  return s;
}

// ---- a. https, plus http on loopback only ----

test('17a webUrl: https anywhere and http only on 127.0.0.1, [::1] and localhost; nothing else', () => {
  assert.deepEqual([...LOOPBACK_HOSTS].sort(), ['127.0.0.1', '[::1]', 'localhost']);
  for (const url of [
    'https://bank.example/consent?x=1', 'https://ob.provider.example:8443/start',
    'http://127.0.0.1:5555/callback?code=x', 'http://[::1]:5555/callback', 'http://localhost:5555/callback',
    'http://LOCALHOST/', 'http://127.1/', 'http://[0:0:0:0:0:0:0:1]/',
  ]) {
    assert.ok(webUrl(url), url);
  }
  for (const url of [...HTTP_ELSEWHERE, ...OTHER_SCHEMES, 'https://user:pw@bank.example/', 'http://user@127.0.0.1/']) {
    assert.equal(webUrl(url), undefined, url);
  }
});

test('17a a consent URL on plain http to another host is never recorded nor openable', () => {
  const flows = new ConsentFlows();
  for (const [i, url] of HTTP_ELSEWHERE.entries()) flows.issued({ flow_id: `f${i}`, consent_url: url });
  assert.equal(flows.size, 0, 'no flow was recorded');
  for (const url of HTTP_ELSEWHERE) {
    assert.equal(flows.allows(url), false, url);
    assert.equal(decideWindowOpen(url, flows).kind, 'deny', url);
  }
  flows.issued({ flow_id: 'demo', consent_url: 'http://127.0.0.1:4000/consent?flow=1' });
  flows.issued({ flow_id: 'bank', consent_url: 'https://bank.example/consent' });
  assert.equal(flows.size, 2, 'the Demo Bank on loopback and an https bank are');
  assert.equal(decideWindowOpen('http://127.0.0.1:4000/other', flows).kind, 'consent');
  assert.equal(decideWindowOpen('https://bank.example/login', flows).kind, 'consent');
  assert.equal(decideWindowOpen('http://bank.example/login', flows).kind, 'deny', 'the same host over http is refused');
});

test('17a the app window opens no window, and nothing outside, for http to another host or another scheme', async (t) => {
  const s = await shellWithConsent(t, 'https://bank.example/consent');
  const wc = appWindow(s).webContents;
  for (const url of [...HTTP_ELSEWHERE, ...OTHER_SCHEMES]) {
    assert.equal(wc.windowOpen(url, 'ledgerlink-consent', 'popup').response.action, 'deny', url);
    if (!url.startsWith('app://ledgerlink/')) assert.equal(wc.navigate(url), false, `will-navigate ${url}`);
  }
  await settle();
  assert.deepEqual(s.fake.shell.opened, [], 'nothing went to the system browser');
  assert.equal(s.fake.windows.length, 1, 'no popup was created');
});

test('17a the consent popup moves over https and to loopback http, never to http elsewhere nor another scheme', async (t) => {
  const s = await shellWithConsent(t, 'https://bank.example/consent');
  const { response, popup } = appWindow(s).webContents.windowOpen('https://bank.example/consent', 'ledgerlink-consent', 'popup');
  assert.equal(response.action, 'allow');
  assert.ok(popup);
  const p = popup.webContents;
  for (const url of ['https://login.bank.example/sca', 'https://ob.provider.example/return?code=x', 'http://127.0.0.1:5555/callback?code=x', 'http://[::1]:5555/callback', 'http://localhost:5555/callback']) {
    assert.equal(p.navigate(url), true, `will-navigate ${url}`);
    assert.equal(p.navigate(url, 'will-redirect'), true, `will-redirect ${url}`);
  }
  for (const url of [...HTTP_ELSEWHERE, ...OTHER_SCHEMES]) {
    assert.equal(p.navigate(url), false, `will-navigate ${url}`);
    assert.equal(p.navigate(url, 'will-redirect'), false, `will-redirect ${url}`);
  }
});

// ---- b. shell.openExternal only for links the app shows ----

test('17b externalLinkUrl: https, on the default port, no credentials, on a listed host exactly', () => {
  assert.deepEqual([...EXTERNAL_LINK_HOSTS], ['beta-bridge.simplefin.org']);
  assert.equal(externalLinkUrl(SIMPLEFIN_CREATE_TOKEN_URL)?.href, SIMPLEFIN_CREATE_TOKEN_URL);
  assert.ok(externalLinkUrl('https://beta-bridge.simplefin.org:443/simplefin/create'), 'the default port written out');
  assert.ok(externalLinkUrl('https://BETA-BRIDGE.simplefin.org/'), 'host names are case-insensitive');
  for (const url of [
    'http://beta-bridge.simplefin.org/simplefin/create', // not https
    'https://beta-bridge.simplefin.org:8443/', // another port
    'https://user:pw@beta-bridge.simplefin.org/', 'https://beta-bridge.simplefin.org@evil.example/', // credentials, disguise
    'https://evil.beta-bridge.simplefin.org/', 'https://beta-bridge.simplefin.org.evil.example/', 'https://simplefin.org/', // other hosts
    'https://example.com/docs', 'https://bank.example/help', 'http://127.0.0.1:1/consent',
    ...OTHER_SCHEMES,
  ]) {
    assert.equal(externalLinkUrl(url), undefined, url);
  }
});

test('17b every link to another site the app shows is on the list (SimpleFIN token page, UI sources)', () => {
  const links = [...tokenPage('/simplefin/x').matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? '');
  assert.deepEqual(links, [SIMPLEFIN_CREATE_TOKEN_URL]);
  for (const link of links) assert.ok(externalLinkUrl(link), link);
  // The UI renders no literal link to another site; one added later must be put on the list.
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(tsx?|html)$/.test(name)) files.push(path);
    }
  };
  walk(join(root, 'renderer'));
  assert.ok(files.length > 5, 'the renderer sources were found');
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/https?:\/\/[^\s'"`<>)\\]+/g)) {
      const url = m[0];
      if (url.startsWith('http://www.w3.org/')) continue; // XML namespaces, not links
      assert.ok(externalLinkUrl(url), `${relative(root, file)} links to ${url}, which is not on EXTERNAL_LINK_HOSTS`);
    }
  }
});

test('17b the app window sends only links the app shows to the system browser, not any web link a page asks for', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  for (const url of ['https://example.com/docs?a=1', 'https://evil.example/phish', 'https://bank.example/help', `${SIMPLEFIN_CREATE_TOKEN_URL.replace('https:', 'http:')}`]) {
    assert.equal(wc.windowOpen(url).response.action, 'deny', url);
  }
  await settle();
  assert.deepEqual(s.fake.shell.opened, [], 'none of them was opened');
  assert.equal(wc.windowOpen(SIMPLEFIN_CREATE_TOKEN_URL).response.action, 'deny', 'no window in the app for it either');
  await settle();
  assert.deepEqual(s.fake.shell.opened, [SIMPLEFIN_CREATE_TOKEN_URL]);
});

test("17b a bank's page in the consent popup cannot open links outside, except the link SimpleFIN's token form shows", async (t) => {
  const s = await shellWithConsent(t, 'https://bank.example/consent');
  const { popup } = appWindow(s).webContents.windowOpen('https://bank.example/consent', 'ledgerlink-consent', 'popup');
  assert.ok(popup);
  const p = popup.webContents;
  for (const url of ['https://bank.example/help', 'https://evil.example/', 'http://127.0.0.1:1/', ...OTHER_SCHEMES]) {
    assert.equal(p.windowOpen(url).response.action, 'deny', url);
  }
  await settle();
  assert.deepEqual(s.fake.shell.opened, [], 'nothing a page asks for goes out');
  assert.equal(p.windowOpen(SIMPLEFIN_CREATE_TOKEN_URL).response.action, 'deny');
  await settle();
  assert.deepEqual(s.fake.shell.opened, [SIMPLEFIN_CREATE_TOKEN_URL]);
});

test('17b shell.openExternal is called in one place only, behind the link check', () => {
  const callers: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && /\.openExternal\(/.test(readFileSync(path, 'utf8'))) callers.push(relative(root, path));
    }
  };
  for (const dir of ['main', 'preload', 'renderer']) walk(join(root, dir));
  assert.deepEqual(callers, [join('main', 'electron', 'navigation-policy.ts')]);
  const source = readFileSync(join(root, 'main', 'electron', 'navigation-policy.ts'), 'utf8');
  assert.match(source, /const link = externalLinkUrl\(url\);\s*if \(!link\) return;\s*[^]*?shell\.openExternal\(link\.href\)/);
});

// ---- c. Electron fuses in the packaging ----

interface BuilderConfig {
  asar?: unknown;
  electronFuses?: Record<string, unknown>;
  afterPack?: unknown;
  [key: string]: unknown;
}

function builderConfig(): BuilderConfig {
  return parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

test('17c electron-builder.yml sets every security fuse', () => {
  const config = builderConfig();
  assert.equal(config.asar, true, 'the app is packed into app.asar (the asar fuses need it)');
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
});

test("17c electron-builder.yml is valid for electron-builder's own schema (app-builder-lib scheme.json)", () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.ok(pkg.devDependencies['electron-builder'], 'electron-builder is a devDependency');
  const schemaPath = require.resolve('app-builder-lib/scheme.json', { paths: [dirname(require.resolve('electron-builder/package.json'))] });
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
  const fuseOptions = (schema as { definitions: Record<string, { properties?: Record<string, unknown> }> }).definitions.FuseOptionsV1;
  for (const key of Object.keys(builderConfig().electronFuses ?? {})) {
    assert.ok(fuseOptions?.properties?.[key], `electronFuses.${key} is a fuse electron-builder knows`);
  }
  // As electron-builder validates (allErrors, non-strict schema keywords), without type coercion.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.equal(validate(builderConfig()), true, JSON.stringify(validate.errors, null, 1));
  // The schema is strict about unknown keys: a misspelt fuse would not pass.
  assert.equal(validate({ ...builderConfig(), electronFuses: { runAsNod: false } }), false);
});

// ---- d. Electron's version ----

test('17d Electron is a current major that installs with the Node the project supports, its download denied', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
    allowScripts: Record<string, boolean>;
  };
  const electron = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string; engines?: { node?: string } };
  const major = Number(electron.version.split('.')[0]);
  assert.ok(major >= 41, `Electron ${electron.version}`);
  assert.match(pkg.devDependencies.electron ?? '', new RegExp(`^[~^]?${major}\\.`), 'package.json asks for the installed major');
  // Electron's engines are ">= X.Y.Z"; the project's are ">=20.6": the first Node it supports must satisfy them.
  const min = (range: string) => (/>=\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(range) ?? []).slice(1, 4).map((n) => Number(n ?? 0));
  const needs = min(electron.engines?.node ?? '>=0.0.0');
  const has = min(pkg.engines.node);
  assert.ok(needs.length === 3 && has.length === 3);
  const cmp = needs.findIndex((n, i) => n !== has[i]);
  assert.ok(cmp === -1 || (needs[cmp] ?? 0) < (has[cmp] ?? 0), `Electron ${electron.version} needs Node ${electron.engines?.node}, the project supports ${pkg.engines.node}`);
  assert.equal(pkg.allowScripts.electron, false, "npm does not run electron's binary download");
});
