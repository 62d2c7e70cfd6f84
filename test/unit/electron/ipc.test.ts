// The contract over Electron IPC, on a fake Electron with a real Core: calls from the app's
// window reach the core and come back as Results; calls from anything else (another
// webContents, a frame not on app://ledgerlink, a subframe, a gone frame) or naming no method
// of the contract are refused without touching the core; the core's events reach the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError, ConnectStart, Result, SyncProgressEvent } from '../../../preload/api';
import { API_METHODS, EVENT_NAMES, IPC_CALL, IPC_EVENT, type IpcEvent } from '../../../preload/methods';
import { answerCall, CONSENT_METHODS } from '../../../main/electron/ipc-bridge';
import { AppWindows } from '../../../main/electron/app-windows';
import { ConsentFlows } from '../../../main/electron/consent-flows';
import { completeConsentHeadlessly } from '../../../main/providers/demo/autopilot';
import { appWindow, startShell, type Started } from './desktop-fixture';
import { FakeWebContents, type FakeFrame } from './fake-electron';

/** ipcRenderer.invoke('ledgerlink:call', { method, args }) from the app window's top frame. */
function call<T = unknown>(s: Started, method: string, args: unknown = {}, from?: { sender?: unknown; frame?: FakeFrame | null }): Promise<Result<T>> {
  const wc = appWindow(s).webContents;
  const frame = from && 'frame' in from ? from.frame! : wc.mainFrame;
  return s.fake.ipcMain.invoke(IPC_CALL, from?.sender ?? wc, frame, { method, args }) as Promise<Result<T>>;
}

function errorOf(r: Result<unknown>): ApiError {
  assert.equal(r.ok, false, `expected a refusal, got ${JSON.stringify(r)}`);
  return (r as { ok: false; error: ApiError }).error;
}

test("a call from the app's window reaches the real core", async (t) => {
  const s = await startShell(t);
  assert.deepEqual(await call(s, 'listJournals'), { ok: true, value: [] });
  const settings = await call<Record<string, string>>(s, 'getSettings');
  assert.ok(settings.ok);
  assert.equal(settings.value.default_periodicity, 'month');
  const set = await call<Record<string, string>>(s, 'setSetting', { key: 'lock_date', value: '2026-03-31' });
  assert.ok(set.ok && set.value.lock_date === '2026-03-31');
  const direct = await s.desktop.core!.api.getSettings({});
  assert.ok(direct.ok && direct.value.lock_date === '2026-03-31', 'the call changed the real ledger');
});

test('bad arguments come back as a Result error from the core', async (t) => {
  const s = await startShell(t);
  assert.equal(errorOf(await call(s, 'listStatements', { journal_id: 'one' })).code, 'invalid_argument');
  assert.equal(errorOf(await call(s, 'listJournals', { extra: true })).code, 'invalid_argument');
  assert.equal(errorOf(await call(s, 'listStatements', { journal_id: 999 })).code, 'not_found');
  assert.equal(errorOf(await call(s, 'setSetting', { key: 'timezone', value: 'Mars/Olympus' })).code, 'invalid_argument');
});

test('a call from another webContents, a foreign frame, a subframe or a gone frame is refused and never reaches the core', async (t) => {
  const s = await startShell(t);
  const attempt = { key: 'lock_date', value: '2020-01-01' };
  const wc = appWindow(s).webContents;
  const foreign = new FakeWebContents();
  foreign.url = 'app://ledgerlink/index.html';
  const refusals = [
    await call(s, 'setSetting', attempt, { sender: foreign, frame: foreign.mainFrame }),
    await call(s, 'setSetting', attempt, { frame: { url: 'https://evil.example/', parent: null } }),
    await call(s, 'setSetting', attempt, { frame: { url: 'file:///etc/passwd', parent: null } }),
    await call(s, 'setSetting', attempt, { frame: { url: 'app://ledgerlink.evil.example/index.html', parent: null } }),
    await call(s, 'setSetting', attempt, { frame: { url: 'app://ledgerlink/index.html', parent: wc.mainFrame } }),
    await call(s, 'setSetting', attempt, { frame: null }),
  ];
  for (const r of refusals) {
    const e = errorOf(r);
    assert.equal(e.code, 'forbidden');
    assert.doesNotMatch(JSON.stringify(e), /at .*\.ts|Error:|stack/i, 'no stack or internals in the answer');
  }
  const settings = await s.desktop.core!.api.getSettings({});
  assert.ok(settings.ok);
  assert.equal(settings.value.lock_date, '', 'nothing was written');
  assert.equal(s.logs.filter((l) => /refused an API call/.test(l)).length, refusals.length, 'each refusal is logged (without its arguments)');
  assert.ok(s.logs.every((l) => !l.includes('2020-01-01')));

  // A window that closed is no longer one of the app's.
  appWindow(s).close();
  assert.equal(errorOf(await s.fake.ipcMain.invoke(IPC_CALL, wc, wc.mainFrame, { method: 'listJournals', args: {} }) as Result<unknown>).code, 'forbidden');
});

test('only the methods of the contract can be called: no prototype names, no strangers', async (t) => {
  const s = await startShell(t);
  for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'nope', '', 'api', 'close', 'refreshCatalog ']) {
    const e = errorOf(await call(s, method));
    assert.equal(e.code, 'unknown_method', method);
  }
  for (const message of [null, 'listJournals', 42, [], { method: 7 }, { args: {} }]) {
    const wc = appWindow(s).webContents;
    const r = await s.fake.ipcMain.invoke(IPC_CALL, wc, wc.mainFrame, message) as Result<unknown>;
    assert.equal(errorOf(r).code, 'unknown_method', JSON.stringify(message));
  }
  // And every method of the contract is callable (an empty argument object is answered, ok or not).
  for (const m of API_METHODS) {
    if (m === 'finishConnect') continue; // would wait for a consent
    const r = await call(s, m);
    assert.ok(r.ok || r.error.code !== 'unknown_method', m);
  }
});

test('the methods starting a consent are exactly those returning a ConnectStart', () => {
  assert.deepEqual([...CONSENT_METHODS].sort(), ['reactivate', 'reconnect', 'startConnect', 'updateCredentials']);
});

test('a core that throws gives a generic internal error, never its message or stack', async () => {
  const windows = new AppWindows();
  const wc = new FakeWebContents();
  wc.url = 'app://ledgerlink/index.html';
  const win = { webContents: wc, isDestroyed: () => false, isMinimized: () => false, restore() {}, show() {}, focus() {}, once() { return win; } };
  windows.add(win as never);
  const core = {
    api: { listJournals: async () => { throw new Error('SQLITE_CORRUPT at /home/me/.config/Ledgerlink/ledger.sqlite'); } },
    on: () => () => undefined,
  };
  const r = await answerCall({ sender: wc as never, senderFrame: wc.mainFrame as never }, { method: 'listJournals', args: {} }, {
    ipcMain: { handle() {}, removeHandler() {} }, core: core as never, windows, consent: new ConsentFlows(), log: () => undefined,
  });
  const e = errorOf(r);
  assert.equal(e.code, 'internal');
  assert.doesNotMatch(JSON.stringify(r), /SQLITE|ledger\.sqlite|home/);
});

test("the core's events reach the app's window on ledgerlink:event (a Demo Bank connection through IPC)", async (t) => {
  const s = await startShell(t);
  const wc = appWindow(s).webContents;
  const started = await call<ConnectStart>(s, 'startConnect', { provider: 'demo', institution_id: 'demo-plain' });
  if (!started.ok) assert.fail(started.error.message);
  const finishing = call<{ connection: { id: number }; accounts: { provider_account_id: string; name: string }[] }>(s, 'finishConnect', { flow_id: started.value.flow_id, timeout_ms: 30_000 });
  await fetch(await completeConsentHeadlessly(started.value.consent_url));
  const finished = await finishing;
  if (!finished.ok) assert.fail(finished.error.message);
  const { connection, accounts } = finished.value;
  const linked = await call(s, 'linkAccounts', {
    connection_id: connection.id,
    links: accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  });
  assert.ok(linked.ok);
  const synced = await call<{ ok: boolean; stored: number }[]>(s, 'synchronize', { connection_ids: [connection.id] });
  assert.ok(synced.ok && synced.value[0]!.ok && synced.value[0]!.stored > 0);

  const events = wc.sent.filter((m) => m.channel === IPC_EVENT).map((m) => m.message as IpcEvent);
  assert.equal(wc.sent.length, events.length, 'nothing is sent on another channel');
  const progress = events.filter((e) => e.event === 'syncProgress').map((e) => e.payload as SyncProgressEvent);
  assert.ok(progress.length > 0, 'syncProgress arrived');
  assert.ok(progress.every((p) => p.connection_id === connection.id));
  assert.ok(events.some((e) => e.event === 'chatter'), 'chatter arrived');
  assert.ok(events.some((e) => e.event === 'connectionState'), 'connectionState arrived');
  for (const e of events) assert.deepEqual(Object.keys(e).sort(), ['event', 'payload']);

  // A window whose page is not the app's any more gets nothing (navigation is denied anyway).
  const before = wc.sent.length;
  wc.url = 'https://evil.example/';
  await s.desktop.core!.api.synchronize({ connection_ids: [connection.id] });
  assert.equal(wc.sent.length, before);
  // Every event of the contract was subscribed to once, and each is unsubscribed on quit.
  const subscribed = s.coreCalls.filter((c) => c.startsWith('on:')).sort();
  assert.deepEqual(subscribed, EVENT_NAMES.map((e) => `on:${e}`).sort());
  await s.quit();
  assert.deepEqual(s.coreCalls.filter((c) => c.startsWith('off:')).sort(), EVENT_NAMES.map((e) => `off:${e}`).sort());
});
