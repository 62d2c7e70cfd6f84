// The preload's window.ledgerlink over a fake ipcRenderer: every method of the contract is one
// `ledgerlink:call` invoke carrying its name and arguments; `on` delivers only its event's
// payload (never the IPC event) and unsubscribes for good. Imported under Node, it exposes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createPreloadApi, type PreloadIpc } from '../../../preload/index';
import { API_METHODS, EVENT_NAMES, IPC_CALL, IPC_EVENT } from '../../../preload/methods';
import { Core } from '../../../main/core/index';
import { tempDir } from '../../helpers/ledger';

class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; payload: unknown }[] = [];
  async invoke(channel: string, payload: unknown): Promise<unknown> {
    this.invoked.push({ channel, payload });
    return { ok: true, value: `answer #${this.invoked.length}` };
  }
}

function setup() {
  const ipc = new FakeIpcRenderer();
  return { ipc, api: createPreloadApi(ipc as unknown as PreloadIpc) };
}

test('every method of the contract is there and invokes ledgerlink:call with its name and arguments', async () => {
  const { ipc, api } = setup();
  assert.deepEqual(Object.keys(api).sort(), [...API_METHODS, 'on'].sort(), 'the contract and on(), nothing else');
  const table = api as unknown as Record<string, (args?: unknown) => Promise<unknown>>;
  for (const [i, m] of API_METHODS.entries()) {
    assert.equal(typeof table[m], 'function', m);
    const args = { probe: m };
    assert.deepEqual(await table[m]!(args), { ok: true, value: `answer #${i + 1}` }, 'the Result comes back as is');
    assert.deepEqual(ipc.invoked.at(-1), { channel: IPC_CALL, payload: { method: m, args } }, m);
  }
  await table.listJournals!();
  assert.deepEqual(ipc.invoked.at(-1), { channel: IPC_CALL, payload: { method: 'listJournals', args: {} } }, 'no arguments is {}');
  assert.ok(ipc.invoked.every((c) => c.channel === 'ledgerlink:call'));
});

test('the method list is exactly what the core implements', async (t) => {
  const tmp = tempDir('ledgerlink-preload-');
  const core = new Core({ dataDir: tmp.dir, vault: async () => { throw new Error('no vault in this test'); } });
  t.after(async () => {
    await core.close();
    tmp.cleanup();
  });
  assert.deepEqual([...API_METHODS].sort(), Object.keys(core.api).sort());
});

test('on() delivers its own event only, the payload only, and unsubscribes', () => {
  const { ipc, api } = setup();
  const chatter: unknown[] = [];
  const progress: unknown[] = [];
  const offChatter = api.on('chatter', (p) => chatter.push(p));
  api.on('syncProgress', (p) => progress.push(p));
  const sender = { id: 1, secretStuff: 'the IPC event must not reach the page' };
  ipc.emit(IPC_EVENT, { sender }, { event: 'chatter', payload: { id: 1, text: 'hello' } });
  ipc.emit(IPC_EVENT, { sender }, { event: 'syncProgress', payload: { connection_id: 3 } });
  ipc.emit(IPC_EVENT, { sender }, { event: 'notification', payload: { type: 'offline' } });
  ipc.emit(IPC_EVENT, { sender }, null);
  ipc.emit(IPC_EVENT, { sender }, 'chatter');
  ipc.emit('ledgerlink:other', { sender }, { event: 'chatter', payload: { id: 2 } });
  assert.deepEqual(chatter, [{ id: 1, text: 'hello' }]);
  assert.deepEqual(progress, [{ connection_id: 3 }]);

  offChatter();
  ipc.emit(IPC_EVENT, { sender }, { event: 'chatter', payload: { id: 3 } });
  assert.equal(chatter.length, 1, 'nothing after unsubscribing');
  assert.equal(ipc.listenerCount(IPC_EVENT), 1, "the unsubscribed listener is gone from ipcRenderer (the other one stays)");
});

test('a listener that throws does not keep the others from their event', () => {
  const { ipc, api } = setup();
  const got: string[] = [];
  const original = console.error;
  console.error = () => undefined;
  try {
    api.on('notification', () => {
      throw new Error('a broken listener');
    });
    api.on('notification', () => got.push('second'));
    ipc.emit(IPC_EVENT, {}, { event: 'notification', payload: { type: 'online' } });
  } finally {
    console.error = original;
  }
  assert.deepEqual(got, ['second']);
});

test('the event list covers the contract', () => {
  assert.deepEqual([...EVENT_NAMES].sort(), ['chatter', 'connectionState', 'notification', 'syncProgress']);
});
