// The renderer's one way to the core: window.ledgerlink in Electron (the preload exposes it),
// otherwise a WebSocket to the browser host carrying the same calls and events.
import type { ApiError, ApiEventName, ApiMethod, Result } from '../preload/api';
import type { ClientMessage, ServerMessage } from '../preload/bridge-protocol';
import { API_METHODS, type Bridge } from '../preload/methods';

export type { Bridge, Listener } from '../preload/methods';
export type BridgeStatus = 'connecting' | 'open' | 'closed' | 'no_token';

const TOKEN_KEY = 'ledgerlink.token';
const BRIDGE_PATH = '/api';

type StatusListener = (s: BridgeStatus) => void;
let status: BridgeStatus = 'connecting';
const statusListeners = new Set<StatusListener>();
function setStatus(s: BridgeStatus) {
  if (s === status) return;
  status = s;
  for (const l of statusListeners) l(s);
}
export function getBridgeStatus(): BridgeStatus {
  return status;
}
export function onBridgeStatus(l: StatusListener): () => void {
  statusListeners.add(l);
  return () => statusListeners.delete(l);
}

/** Messages the bridge itself produces (the UI translates them by code). */
export const OFFLINE: ApiError = { code: 'bridge_offline', message: 'Ledgerlink is not reachable. It reconnects by itself; try again in a moment.' };
export const LOST: ApiError = { code: 'bridge_lost', message: 'The connection to Ledgerlink was lost before it answered. Try again in a moment.' };

/** Reads #token=… once, keeps it in sessionStorage (a reload works) and removes it from the URL. */
function readToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]!);
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* storage refused: the token still works for this page */
    }
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
    return token;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function createSocketBridge(): Bridge {
  const token = readToken();
  const listeners = new Map<ApiEventName, Set<(p: unknown) => void>>();
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const waitingForOpen: (() => void)[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;

  const connect = () => {
    if (!token || !location.host) {
      setStatus(token ? 'closed' : 'no_token');
      flushWaiting();
      return;
    }
    setStatus('connecting');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setStatus('open');
      flushWaiting();
    };
    ws.onmessage = (ev) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'reply') {
        const done = pending.get(msg.id);
        if (done) {
          pending.delete(msg.id);
          done(msg.result as Result<unknown>);
        }
      } else if (msg.type === 'event') {
        for (const l of listeners.get(msg.event) ?? []) {
          try {
            l(msg.payload);
          } catch (e) {
            console.error(e);
          }
        }
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      setStatus('closed');
      for (const [id, done] of pending) {
        pending.delete(id);
        done({ ok: false, error: LOST });
      }
      flushWaiting();
      // Back-off: 0.5 s, 1 s, 2 s … up to 10 s.
      const delay = Math.min(10_000, 500 * 2 ** attempt++);
      setTimeout(connect, delay);
    };
  };

  function flushWaiting() {
    for (const w of waitingForOpen.splice(0)) w();
  }

  const call = (method: ApiMethod, args: unknown): Promise<Result<unknown>> =>
    new Promise((resolve) => {
      const send = () => {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          resolve({ ok: false, error: OFFLINE });
          return;
        }
        const id = nextId++;
        pending.set(id, resolve);
        const msg = { type: 'call', id, method, args } as ClientMessage;
        socket.send(JSON.stringify(msg));
      };
      // While the very first connection (or a reconnection) is under way, wait for it.
      if (status === 'connecting') {
        waitingForOpen.push(send);
      } else send();
    });

  const bridge = {
    on(event: ApiEventName, listener: (p: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  } as Record<string, unknown>;
  for (const m of API_METHODS) bridge[m] = (args: unknown) => call(m, args ?? {});
  connect();
  return bridge as unknown as Bridge;
}

declare global {
  interface Window {
    ledgerlink?: Bridge;
  }
}

/** True inside the desktop app (the preload exposed the contract), false in a browser tab. */
export function inDesktopApp(): boolean {
  return typeof window !== 'undefined' && window.ledgerlink !== undefined;
}

let instance: Bridge | null = null;
export function getApi(): Bridge {
  if (instance) return instance;
  if (window.ledgerlink) {
    instance = window.ledgerlink;
    setStatus('open');
  } else instance = createSocketBridge();
  return instance;
}

/** Unwraps a Result for the stores: the value, or throws the ApiError (caught by the UI). */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new ApiFailure(r.error);
  return r.value;
}
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) return e.error;
  return { code: 'unexpected', message: e instanceof Error ? e.message : String(e) };
}
