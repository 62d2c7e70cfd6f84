// The app window's preload: exposes `window.ledgerlink`, the contract and nothing else, to the
// page through contextBridge. Each method is one `ledgerlink:call` invoke (main checks the
// sender, the method and the arguments); events arrive on `ledgerlink:event`. The page never
// sees ipcRenderer, an IPC event object or any Node API.
//
// Built into dist/electron/preload.cjs: a sandboxed preload is one CommonJS file that may
// require 'electron' and nothing else, so this imports only ./methods (bundled in) and types.
import type { ContextBridge, IpcRenderer, IpcRendererEvent } from 'electron';
import type { ApiEventName, ApiEvents, ApiMethod, LedgerlinkApi } from './api';
import { API_METHODS, IPC_CALL, IPC_EVENT, type Bridge, type IpcEvent, type Listener } from './methods';

export type PreloadIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** The object exposed as window.ledgerlink, over the given ipcRenderer (a fake in the tests). */
export function createPreloadApi(ipc: PreloadIpc): Bridge {
  const invoker = <M extends ApiMethod>(method: M): LedgerlinkApi[M] =>
    ((args: Parameters<LedgerlinkApi[M]>[0]) => ipc.invoke(IPC_CALL, { method, args: args ?? {} })) as LedgerlinkApi[M];
  const methods = Object.fromEntries(API_METHODS.map((m) => [m, invoker(m)])) as { [M in ApiMethod]: LedgerlinkApi[M] };

  const on = <E extends ApiEventName>(event: E, listener: Listener<E>): (() => void) => {
    // The IPC event (sender, ports) stays here: the page gets the payload only.
    const relay = (_e: IpcRendererEvent, message: unknown) => {
      const m = message as Partial<IpcEvent> | null;
      if (typeof m !== 'object' || m === null || m.event !== event) return;
      try {
        listener(m.payload as ApiEvents[E]);
      } catch (e) {
        console.error(e); // one failing listener must not stop the others
      }
    };
    ipc.on(IPC_EVENT, relay);
    return () => {
      ipc.removeListener(IPC_EVENT, relay);
    };
  };

  return { ...methods, on } satisfies Bridge;
}

// Only inside Electron's preload (process.type is 'renderer' there, and `require` is the
// sandbox's, which knows 'electron'); imported under plain Node, this module exposes nothing.
if (typeof process !== 'undefined' && process.type === 'renderer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the sandbox offers require('electron') only
  const { contextBridge, ipcRenderer } = require('electron') as { contextBridge: ContextBridge; ipcRenderer: IpcRenderer };
  contextBridge.exposeInMainWorld('ledgerlink', createPreloadApi(ipcRenderer));
}
