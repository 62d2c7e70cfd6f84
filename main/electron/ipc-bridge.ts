// The contract over Electron IPC: one channel for calls, one for events, both under the
// `ledgerlink:` prefix. A call is answered only when it comes from one of the app's own windows,
// from its top frame, on app://ledgerlink; the method must be one of the contract's (a fixed
// list, so `constructor` or `__proto__` name nothing); the core validates the arguments.
// Whatever goes wrong, the page gets a Result error, never a stack trace.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { ApiError, ApiMethod, ConnectStart, LedgerlinkApi, Result } from '../../preload/api';
import { API_METHODS, EVENT_NAMES, IPC_CALL, IPC_EVENT, type IpcEvent } from '../../preload/methods';
import type { Core } from '../core/index';
import { isAppUrl } from './app-url';
import type { AppWindows } from './app-windows';
import type { ConsentFlows } from './consent-flows';

/** The methods whose Result carries a consent URL (a ConnectStart); checked against the contract. */
type StartsConsent = { [M in ApiMethod]: Awaited<ReturnType<LedgerlinkApi[M]>> extends Result<infer V> ? (V extends ConnectStart ? M : never) : never }[ApiMethod];
export const CONSENT_METHODS = ['startConnect', 'reconnect', 'updateCredentials', 'reactivate'] as const satisfies readonly StartsConsent[];
type MissingConsentMethod = Exclude<StartsConsent, (typeof CONSENT_METHODS)[number]>;
const _consentComplete: MissingConsentMethod extends never ? true : MissingConsentMethod = true;
void _consentComplete;

const METHODS: ReadonlySet<string> = new Set(API_METHODS);
const STARTS_CONSENT: ReadonlySet<string> = new Set(CONSENT_METHODS);

export type CoreApi = Pick<Core, 'api' | 'on'>;

export interface IpcBridgeOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  core: CoreApi;
  windows: Pick<AppWindows, 'owns' | 'send'>;
  consent: Pick<ConsentFlows, 'issued' | 'finished'>;
  log?: (s: string) => void;
}

function refused(code: string, message: string): Result<never> {
  const error: ApiError = { code, message };
  return { ok: false, error };
}

const FORBIDDEN = refused('forbidden', "This page may not use Ledgerlink's API.");
const INTERNAL = refused('internal', 'Something went wrong inside Ledgerlink. Try again; if it keeps happening, restart the app.');

/** Why a call's sender is not the app's own page, or undefined when it is. */
function senderProblem(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, windows: Pick<AppWindows, 'owns'>): string | undefined {
  if (!windows.owns(event.sender)) return 'a webContents that is not one of the app windows';
  const frame = event.senderFrame;
  // null once the frame navigated or was destroyed: the page that asked is gone.
  if (!frame) return 'a frame that is gone';
  // The app has no frames of its own: a subframe, even on app://, is never the app.
  if (frame.parent !== null) return 'a subframe';
  if (!isAppUrl(frame.url)) return 'a frame that is not on app://ledgerlink';
  return undefined;
}

/** Answers one `ledgerlink:call`; exported for the tests, which call it as ipcMain would. */
export async function answerCall(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, message: unknown, o: IpcBridgeOptions): Promise<Result<unknown>> {
  const log = o.log ?? ((s: string) => console.warn(s));
  const problem = senderProblem(event, o.windows);
  if (problem) {
    log(`ledgerlink: refused an API call from ${problem}.`);
    return FORBIDDEN;
  }
  const m = (typeof message === 'object' && message !== null ? message : {}) as { method?: unknown; args?: unknown };
  const method = m.method;
  if (typeof method !== 'string' || !METHODS.has(method)) {
    return refused('unknown_method', `Ledgerlink has no method named "${typeof method === 'string' ? method.slice(0, 100) : String(method)}".`);
  }
  const api = o.core.api as unknown as Record<ApiMethod, (args: unknown) => Promise<Result<unknown>>>;
  const flowId = method === 'finishConnect' && typeof m.args === 'object' && m.args !== null ? (m.args as { flow_id?: unknown }).flow_id : undefined;
  let result: Result<unknown>;
  try {
    result = await api[method as ApiMethod](m.args);
  } catch {
    // The core returns Results; a throw is a bug, and its stack stays in main.
    return INTERNAL;
  } finally {
    if (typeof flowId === 'string') o.consent.finished(flowId);
  }
  if (result.ok && STARTS_CONSENT.has(method)) o.consent.issued(result.value as ConnectStart);
  return result;
}

/** Installs the call handler and forwards every event of the contract; returns the undo. */
export function installIpcBridge(o: IpcBridgeOptions): () => void {
  o.ipcMain.handle(IPC_CALL, (event, message: unknown) => answerCall(event, message, o));
  const unsubscribe = EVENT_NAMES.map((name) =>
    o.core.on(name, (payload) => o.windows.send(IPC_EVENT, { event: name, payload } satisfies IpcEvent)),
  );
  return () => {
    o.ipcMain.removeHandler(IPC_CALL);
    for (const off of unsubscribe) off();
  };
}
