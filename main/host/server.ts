// The browser host: the built renderer and the API contract over one WebSocket, on 127.0.0.1
// only. A page may use the API when it proves both that it was opened by us (the session
// token, which only travels in the page's hash and the WebSocket's query) and that it is our
// own page (the Origin header). What we print and open is a one-time launch code, traded for
// the token at /launch (see launch-codes.ts), so no lasting secret shows in `ps`. The Host
// header is checked on every request against DNS rebinding. Nothing here logs a token or a
// payload.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ApiError, ApiEvents, ApiMethod, Result } from '../../preload/api';
import { BRIDGE_PATH, type EventMessage, type ReplyMessage } from '../../preload/bridge-protocol';
import { EVENT_NAMES } from '../../preload/methods';
import { LOOPBACK, loopbackHosts, loopbackOrigins } from '../common/loopback-guard';
import type { Core } from '../core/index';
import { LaunchCodes } from './launch-codes';
import { serveStatic, sendStatus } from './static';

export { LOOPBACK };
/** Where the page trades a launch code for the session token. */
export const LAUNCH_PATH = '/launch';
/** The largest message a page may send (a call's arguments are small). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls one socket may have running at once (finishConnect waits for minutes). */
export const MAX_CALLS_IN_FLIGHT = 64;
/** A page that stops reading gets cut off rather than growing the host's memory. */
const MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
/** The calls that start a consent (each holds a loopback listener until it is finished). */
const CONSENT_STARTS: ReadonlySet<string> = new Set<ApiMethod>(['startConnect', 'reconnect', 'updateCredentials', 'reactivate']);

/** The flow a consent-starting call opened, if it did. */
function startedFlowId(method: string, result: unknown): string | undefined {
  if (!CONSENT_STARTS.has(method)) return undefined;
  const r = result as Result<{ flow_id?: unknown }> | undefined;
  return r?.ok && typeof r.value.flow_id === 'string' ? r.value.flow_id : undefined;
}

export interface HostOptions {
  core: Core;
  /** The built renderer: index.html, main.js, main.css and assets. */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The session token; a random 32-byte hex string when not given. */
  token?: string;
  /** For tests: how long a launch code lives, and the clock it is measured with. */
  launchCodeTtlMs?: number;
  now?: () => number;
}

export interface Host {
  /**
   * http://127.0.0.1:PORT/#token=... — the page with the session token itself. For this
   * process only (tests drive a browser with it): never print it nor pass it to a command.
   */
  url: string;
  /**
   * http://127.0.0.1:PORT/launch?code=... — what to print and open: a new one-time code per
   * call, traded once for the session token, dead after a short time.
   */
  launchUrl(): string;
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  port: number;
  /** Closes every socket and the server; the core is the caller's to close. */
  close(): Promise<void>;
}

/** The headers of every answer, page, asset or refusal. */
export function securityHeaders(port: number): Record<string, string> {
  return pageSecurityHeaders([`ws://${LOOPBACK}:${port}`, `ws://localhost:${port}`]);
}

/**
 * The same policy for any origin serving the built renderer: here, and Electron's app://
 * protocol (which has no WebSocket, so `connectSrc` is empty there). `'self'` is whatever
 * origin the page came from.
 */
export function pageSecurityHeaders(connectSrc: readonly string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      ["connect-src 'self'", ...connectSrc].join(' '),
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    // Not `same-origin`: that would sever the consent popup (window.open to the bank) from the
    // page, which then sees it as closed at once and cannot tell a blocked popup from an open one.
    'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}

/** Constant-time comparison of the offered token with the session token. */
export function tokenMatches(offered: string | null, token: string): boolean {
  if (offered === null) return false;
  const a = Buffer.from(offered, 'utf8');
  const b = Buffer.from(token, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Answers an upgrade request that is refused, then drops the connection. */
function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, headers: Record<string, string>): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Length: 0', 'Cache-Control: no-store'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n`);
  socket.destroy();
}

function errorResult(code: string, message: string): Result<never> {
  const error: ApiError = { code, message };
  return { ok: false, error };
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const { core, rendererDir } = opts;
  const token = opts.token ?? randomBytes(32).toString('hex');
  if (token.length === 0) throw new Error('The browser host needs a non-empty token.');
  const api = core.api as unknown as Record<string, (args: unknown) => Promise<unknown>>;
  const methods = new Set(Object.keys(core.api).filter((k) => typeof api[k] === 'function'));
  const launchCodes = new LaunchCodes(opts.launchCodeTtlMs, opts.now);

  let port = 0;
  let closing: Promise<void> | undefined;
  let headers: Record<string, string> = {};
  let hosts = new Set<string>();
  let origins = new Set<string>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
      sendStatus(res, 'forbidden');
      return;
    }
    if ((req.url ?? '').split(/[?#]/, 1)[0] === LAUNCH_PATH) {
      answerLaunch(req, res);
      return;
    }
    serveStatic(rendererDir, req, res).catch(() => {
      if (!res.headersSent) sendStatus(res, 'not_found');
      else res.destroy();
    });
  });

  /** A live code: a redirect to the page with the token in its hash (never sent back to us). */
  const answerLaunch = (req: IncomingMessage, res: ServerResponse): void => {
    // Only GET spends a code: a HEAD (a link preview) must not use up the user's launch.
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Cache-Control': 'no-store', 'Content-Length': 0 }).end();
      return;
    }
    const code = new URL(req.url ?? '', `http://${LOOPBACK}:${port}`).searchParams.get('code');
    res.setHeader('Cache-Control', 'no-store');
    if (launchCodes.redeem(code)) {
      res.writeHead(303, { Location: `/#token=${encodeURIComponent(token)}`, 'Content-Length': 0 }).end();
      return;
    }
    const body = 'This launch address was already used or has expired. Use the Ledgerlink tab that it opened, or start Ledgerlink again for a new address.\n';
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
  };

  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const clients = new Set<WebSocket>();

  const send = (ws: WebSocket, message: ReplyMessage | EventMessage): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      if (message.type !== 'reply') return;
      text = JSON.stringify({ type: 'reply', id: message.id, result: errorResult('internal', 'Ledgerlink could not send this answer. Try again; if it keeps happening, restart the app.') });
    }
    ws.send(text);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const hdrs = { 'X-Content-Type-Options': 'nosniff' };
    if (closing) return refuseUpgrade(socket, 403, hdrs);
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) return refuseUpgrade(socket, 403, hdrs);
    let url: URL;
    try {
      url = new URL(req.url ?? '', `http://${LOOPBACK}:${port}`);
    } catch {
      return refuseUpgrade(socket, 400, hdrs);
    }
    if (url.pathname !== BRIDGE_PATH) return refuseUpgrade(socket, 404, hdrs);
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuseUpgrade(socket, 401, hdrs);
    if (!origins.has(req.headers.origin ?? '')) return refuseUpgrade(socket, 403, hdrs);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    let inFlight = 0;
    // Consents this page started: when it goes (tab closed, reloaded), the ones it never
    // finished are abandoned rather than keeping their listeners open for 15 minutes.
    const startedFlows = new Set<string>();
    let gone = false;
    const abandonStarted = () => void core.lifecycle.abandonUnfinished(startedFlows).catch(() => undefined);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clients.delete(ws);
      gone = true;
      abandonStarted();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'Text JSON messages only');
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        ws.close(1003, 'Malformed JSON');
        return;
      }
      const m = (typeof msg === 'object' && msg !== null ? msg : {}) as Record<string, unknown>;
      const id = m.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
        ws.close(1003, 'A call needs a numeric id');
        return;
      }
      const reply = (result: unknown) => send(ws, { type: 'reply', id, result } as ReplyMessage);
      if (m.type !== 'call') {
        reply(errorResult('bad_request', 'Ledgerlink only understands "call" messages.'));
        return;
      }
      const method = m.method;
      if (typeof method !== 'string' || !methods.has(method)) {
        reply(errorResult('unknown_method', `Ledgerlink has no method named "${typeof method === 'string' ? method.slice(0, 100) : String(method)}".`));
        return;
      }
      if (inFlight >= MAX_CALLS_IN_FLIGHT) {
        reply(errorResult('too_many_calls', 'Too many requests are running at once. Wait for them to finish, then try again.'));
        return;
      }
      inFlight++;
      let running: Promise<unknown>;
      try {
        running = Promise.resolve(api[method]!(m.args));
      } catch (e) {
        running = Promise.reject(e);
      }
      running
        .then((result) => {
          const flowId = startedFlowId(method, result);
          if (flowId !== undefined) {
            startedFlows.add(flowId);
            if (gone) abandonStarted();
          }
          reply(result);
        }, () => reply(errorResult('internal', 'Something went wrong inside Ledgerlink. Try again; if it keeps happening, restart the app.')))
        .finally(() => inFlight--);
    });
  });

  const unsubscribe: (() => void)[] = [];
  for (const name of EVENT_NAMES) {
    unsubscribe.push(core.on(name, (payload: ApiEvents[typeof name]) => {
      if (clients.size === 0) return;
      const message = { type: 'event', event: name, payload } as EventMessage;
      for (const ws of clients) send(ws, message);
    }));
  }

  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      const onError = (e: Error) => rejectListen(e);
      server.once('error', onError);
      server.listen({ host: LOOPBACK, port: opts.port ?? 0, exclusive: true }, () => {
        server.off('error', onError);
        resolveListen();
      });
    });
  } catch (e) {
    for (const off of unsubscribe) off();
    wss.close();
    throw e;
  }

  port = (server.address() as AddressInfo).port;
  headers = securityHeaders(port);
  hosts = loopbackHosts(port);
  origins = loopbackOrigins(port);
  const origin = `http://${LOOPBACK}:${port}`;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const off of unsubscribe) off();
      const serverClosed = new Promise<void>((done) => server.close(() => done()));
      // Polite close first; a page that does not answer within a second is cut off.
      await Promise.all([...clients].map((ws) => new Promise<void>((done) => {
        if (ws.readyState === WebSocket.CLOSED) return done();
        const timer = setTimeout(() => ws.terminate(), 1000);
        ws.once('close', () => {
          clearTimeout(timer);
          done();
        });
        ws.close(1001, 'Ledgerlink is closing');
      })));
      await new Promise<void>((done) => wss.close(() => done()));
      server.closeAllConnections();
      await serverClosed;
    })();
    return closing;
  };

  return {
    url: `${origin}/#token=${encodeURIComponent(token)}`,
    launchUrl: () => `${origin}${LAUNCH_PATH}?code=${launchCodes.issue()}`,
    origin, token, port, close,
  };
}
