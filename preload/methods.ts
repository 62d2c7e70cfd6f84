// The contract's names as values, written once for everyone who forwards it: the preload
// (IPC), the renderer's WebSocket client, the browser host and Electron's IPC handler. Only
// types come from ./api, so this module stays loadable in a sandboxed preload, a page and Node.
import type { ApiEventName, ApiEvents, ApiMethod, LedgerlinkApi } from './api';

/** Every method of the contract, by name. */
export const API_METHODS = [
  'listInstitutions', 'searchInstitutions', 'refreshCatalog', 'startConnect', 'finishConnect', 'connectSandbox',
  'reconnect', 'updateCredentials', 'reactivate', 'fetchAccounts', 'disconnect', 'linkAccounts', 'listConnections',
  'listAccounts', 'listJournals', 'listStatements', 'balanceHistory', 'listLines', 'countLines', 'listPendingLines', 'synchronize', 'cancelSync', 'listChatter',
  'dismissLine', 'undoMatch', 'listDismissed', 'importAgain', 'getSettings', 'listProviderKeys', 'setSetting', 'checkIntegrity',
] as const satisfies readonly ApiMethod[];
// A compile-time check that the list is complete: a new method is an error until it is here.
type MissingMethod = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
const _methodsComplete: MissingMethod extends never ? true : MissingMethod = true;
void _methodsComplete;

/** Every event of the contract; `satisfies` makes a new event a compile error until it is here. */
export const EVENT_NAMES = Object.keys({
  syncProgress: true, chatter: true, connectionState: true, notification: true,
} satisfies Record<ApiEventName, true>) as ApiEventName[];

export type Listener<E extends ApiEventName> = (payload: ApiEvents[E]) => void;

/** What the renderer holds as `window.ledgerlink`: the contract plus event subscription. */
export type Bridge = LedgerlinkApi & {
  on<E extends ApiEventName>(event: E, listener: Listener<E>): () => void;
};

/**
 * Electron's IPC channels, all under one prefix so main can tell ours from anything else.
 * `call` carries `{ method, args }` (ipcRenderer.invoke → a Result); `event` carries
 * `{ event, payload }` from main to the app's windows.
 */
export const IPC_CALL = 'ledgerlink:call';
export const IPC_EVENT = 'ledgerlink:event';

export interface IpcCall<M extends ApiMethod = ApiMethod> {
  method: M;
  args: Parameters<LedgerlinkApi[M]>[0];
}

export interface IpcEvent<E extends ApiEventName = ApiEventName> {
  event: E;
  payload: ApiEvents[E];
}
