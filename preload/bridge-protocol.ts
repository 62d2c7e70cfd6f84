// How the renderer reaches the core outside Electron: one WebSocket to the browser host on
// 127.0.0.1, carrying the same calls and events as the contract (type-only, shared).
//
//   URL:     ws://127.0.0.1:<port>/api?token=<token>   (the page reads the token from its
//            own URL's hash, #token=..., where the host's /launch?code=... redirect puts it;
//            never sent as a cookie, never logged, never printed)
//   Origin:  must be the host's own http://127.0.0.1:<port>; anything else is refused.
import type { ApiEventName, ApiEvents, ApiMethod, LedgerlinkApi } from './api';

/** Page → host: call one method of the contract. */
export interface CallMessage<M extends ApiMethod = ApiMethod> {
  type: 'call';
  /** Chosen by the page; the reply carries it back. */
  id: number;
  method: M;
  args: Parameters<LedgerlinkApi[M]>[0];
}

/** Host → page: the Result of a call. */
export interface ReplyMessage<M extends ApiMethod = ApiMethod> {
  type: 'reply';
  id: number;
  result: Awaited<ReturnType<LedgerlinkApi[M]>>;
}

/** Host → page: an event of the contract, pushed as it happens. */
export interface EventMessage<E extends ApiEventName = ApiEventName> {
  type: 'event';
  event: E;
  payload: ApiEvents[E];
}

export type ClientMessage = CallMessage;
export type ServerMessage = ReplyMessage | EventMessage;

export const BRIDGE_PATH = '/api';
