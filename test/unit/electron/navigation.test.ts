// Where the app window may go: nowhere off app://ledgerlink; a popup only for a consent page
// the core issued (own session, no preload, no Node), closed by main when its flow ends; only
// links the app itself shows to the system browser (test/security/electron-policy.test.ts has
// the rest of that policy); every other scheme denied; permissions denied by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectStart, Result } from '../../../preload/api';
import { IPC_CALL } from '../../../preload/methods';
import { ConsentFlows } from '../../../main/electron/consent-flows';
import { CONSENT_PARTITION, decideWindowOpen } from '../../../main/electron/navigation-policy';
import { SIMPLEFIN_CREATE_TOKEN_URL } from '../../../main/providers/simplefin/consent-server';
import { completeConsentHeadlessly } from '../../../main/providers/demo/autopilot';
import { appWindow, startShell, type Started } from './desktop-fixture';
import { cancellable } from './fake-electron';

async function startConsent(s: Started): Promise<ConnectStart> {
  const wc = appWindow(s).webContents;
  const r = await s.fake.ipcMain.invoke(IPC_CALL, wc, wc.mainFrame, { method: 'startConnect', args: { provider: 'demo', institution_id: 'demo-plain' } }) as Result<ConnectStart>;
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

test('the app window cannot navigate or be redirected away from app://ledgerlink', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  for (const url of ['https://evil.example/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<h1>x</h1>', 'app://ledgerlink.evil/', 'app://evil/index.html', 'about:blank']) {
    assert.equal(wc.navigate(url), false, `will-navigate ${url}`);
    assert.equal(wc.navigate(url, 'will-redirect'), false, `will-redirect ${url}`);
  }
  assert.equal(wc.url, 'app://ledgerlink/index.html', 'still on the app');
  assert.equal(wc.navigate('app://ledgerlink/index.html#/journals'), true, 'moving inside the app is fine');
  const e = cancellable({});
  wc.emit('will-attach-webview', e, {}, {});
  assert.equal(e.defaultPrevented, true, 'no webview');
  assert.deepEqual(s.fake.shell.opened, [], 'a denied navigation opens nothing');
});

test('window.open of a consent page issued by the core opens a popup in its own session, without preload or Node', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  const started = await startConsent(s);
  const { response, popup } = wc.windowOpen(started.consent_url, 'ledgerlink-consent', 'popup,width=520,height=720');
  assert.equal(response.action, 'allow');
  assert.ok(popup);
  const prefs = popup.options.webPreferences ?? {};
  assert.equal(prefs.partition, CONSENT_PARTITION);
  assert.ok(!CONSENT_PARTITION.startsWith('persist:'), 'the bank session lives in memory only');
  assert.equal('preload' in prefs, false, 'no preload: the bank page never gets window.ledgerlink');
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.webSecurity, true);
  assert.deepEqual(s.fake.shell.opened, [], 'not sent to the system browser');
  assert.equal(s.desktop.windows.owns(popup.webContents), false, 'the popup is not an app window: its IPC is refused');
  const r = await s.fake.ipcMain.invoke(IPC_CALL, popup.webContents, popup.webContents.mainFrame, { method: 'listJournals', args: {} }) as Result<unknown>;
  assert.equal(r.ok, false);

  // Inside the popup the bank's pages move between web origins, but never to another scheme.
  const p = popup.webContents;
  assert.equal(p.navigate('https://bank.example/login'), true);
  assert.equal(p.navigate('http://127.0.0.1:5555/callback?code=x', 'will-redirect'), true);
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'app://ledgerlink/index.html', 'bankapp://open']) {
    assert.equal(p.navigate(url), false, url);
  }
  // A window the page opens never comes into the app; only a link the app shows (SimpleFIN's
  // token form links to the Bridge) goes to the system browser, not the bank's own links.
  assert.equal(p.windowOpen('https://bank.example/help').response.action, 'deny');
  assert.equal(p.windowOpen(SIMPLEFIN_CREATE_TOKEN_URL).response.action, 'deny');
  assert.equal(p.windowOpen('file:///etc/passwd').response.action, 'deny');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.fake.shell.opened, [SIMPLEFIN_CREATE_TOKEN_URL]);
});

test('finishing the consent closes its popup from main and the origin is no longer openable; its cookies are cleared', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  const started = await startConsent(s);
  const { popup } = wc.windowOpen(started.consent_url, 'ledgerlink-consent', 'popup,width=520,height=720');
  assert.ok(popup);
  const finishing = s.fake.ipcMain.invoke(IPC_CALL, wc, wc.mainFrame, { method: 'finishConnect', args: { flow_id: started.flow_id, timeout_ms: 30_000 } }) as Promise<Result<unknown>>;
  await fetch(await completeConsentHeadlessly(started.consent_url));
  assert.equal((await finishing).ok, true);
  assert.equal(popup.destroyed, true, 'closed by main, whatever the page does');
  assert.equal(s.fake.session.fromPartition(CONSENT_PARTITION).cleared, 1, "the bank's cookies and storage are gone");
  assert.equal(s.desktop.consent.size, 0);
  // The same origin is now refused like any other link the app does not show.
  assert.equal(wc.windowOpen(started.consent_url).response.action, 'deny');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.fake.shell.opened, []);
});

test('a consent-looking URL the core never issued, and any other web link, are refused: only links the app shows go to the system browser', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  // The Demo Bank's consent server is on 127.0.0.1: a page cannot open it unasked.
  const r1 = wc.windowOpen('http://127.0.0.1:1/consent?flow=forged', 'ledgerlink-consent', 'popup');
  assert.equal(r1.response.action, 'deny');
  const r2 = wc.windowOpen('https://example.com/docs?a=1');
  assert.equal(r2.response.action, 'deny');
  const r3 = wc.windowOpen(SIMPLEFIN_CREATE_TOKEN_URL);
  assert.equal(r3.response.action, 'deny');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.fake.shell.opened, [SIMPLEFIN_CREATE_TOKEN_URL]);
  assert.equal(s.fake.windows.length, 1, 'no popup was created');
});

test('javascript:, file:, data:, custom schemes and credentials in a link are denied outright', async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  const started = await startConsent(s);
  const origin = new URL(started.consent_url);
  for (const url of [
    'javascript:alert(document.domain)', 'file:///etc/passwd', 'data:text/html,<script>alert(1)</script>', 'app://ledgerlink/index.html',
    'ms-settings:privacy', 'smb://server/share', `http://user:pw@${origin.host}/`, 'https://bank.example@evil.example/', 'not a url',
  ]) {
    assert.equal(wc.windowOpen(url).response.action, 'deny', url);
  }
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.fake.shell.opened, []);
  assert.equal(s.fake.windows.length, 1);
});

test('decideWindowOpen: consent only for issued origins, external only for links the app shows, deny for the rest', () => {
  const flows = new ConsentFlows();
  assert.deepEqual(decideWindowOpen('https://ob.provider.example/start?x=1', flows), { kind: 'deny' });
  assert.deepEqual(decideWindowOpen(SIMPLEFIN_CREATE_TOKEN_URL, flows), { kind: 'external', url: SIMPLEFIN_CREATE_TOKEN_URL });
  flows.issued({ flow_id: 'f1', consent_url: 'https://ob.provider.example/start?x=1' });
  assert.deepEqual(decideWindowOpen('https://ob.provider.example/other', flows), { kind: 'consent' });
  assert.deepEqual(decideWindowOpen('https://ob.provider.example:8443/start', flows).kind, 'deny', 'another port is another origin');
  assert.deepEqual(decideWindowOpen('http://ob.provider.example/start', flows).kind, 'deny', 'another scheme is another origin');
  assert.deepEqual(decideWindowOpen('javascript:void(0)', flows), { kind: 'deny' });
  flows.issued({ flow_id: 'f2', consent_url: 'javascript:alert(1)' });
  assert.equal(flows.size, 1, 'a consent URL that is not http(s) is never recorded');
  flows.finished('f1');
  assert.deepEqual(decideWindowOpen('https://ob.provider.example/other', flows).kind, 'deny');
});

test('permission requests are denied by default; only the app page may write to the clipboard', async (t) => {
  const s = await startShell(t);
  const app = s.fake.session.defaultSession;
  const consent = s.fake.session.fromPartition(CONSENT_PARTITION);
  for (const p of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'fullscreen', 'clipboard-read', 'display-capture']) {
    assert.equal(await app.request(p, 'app://ledgerlink/index.html'), false, p);
    assert.equal(app.check(p, 'app://ledgerlink'), false, p);
    assert.equal(await consent.request(p, 'https://bank.example/'), false, p);
    assert.equal(consent.check(p, 'https://bank.example'), false, p);
  }
  assert.equal(await app.request('clipboard-sanitized-write', 'app://ledgerlink/index.html'), true, 'the Copy buttons work');
  assert.equal(app.check('clipboard-sanitized-write', 'app://ledgerlink'), true);
  assert.equal(await app.request('clipboard-sanitized-write', 'https://evil.example/'), false);
  assert.equal(app.check('clipboard-sanitized-write', 'https://evil.example'), false);
  assert.equal(await consent.request('clipboard-sanitized-write', 'https://bank.example/'), false);
});
