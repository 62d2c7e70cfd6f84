// Who may talk to a server of ours on 127.0.0.1: the browser host, the consent redirect
// listener and the providers' own loopback pages all apply these same rules.
// - Host must name this server (127.0.0.1:PORT or localhost:PORT): a web page could otherwise
//   reach it through DNS rebinding (evil.example resolving to 127.0.0.1).
// - A request that changes something (a form POST) must not come from another site. Browsers
//   say where a request comes from with Origin and Sec-Fetch-Site; a page cannot forge either.
//   A client that sends neither is not a browser (the CLI's autopilot, curl), and no web page
//   can make a browser send a POST without them.
import type { IncomingHttpHeaders } from 'node:http';

export const LOOPBACK = '127.0.0.1';

/** The Host headers a server of ours on `port` answers. */
export function loopbackHosts(port: number): Set<string> {
  return new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
}

/** The origins of pages a server of ours on `port` serves. */
export function loopbackOrigins(port: number): Set<string> {
  return new Set([`http://${LOOPBACK}:${port}`, `http://localhost:${port}`]);
}

export function isOurHost(host: string | undefined, port: number): boolean {
  return loopbackHosts(port).has((host ?? '').toLowerCase());
}

/**
 * True when a browser says this request comes from a page that is not this server's own:
 * another site, another port, or an opaque origin (`Origin: null`, a sandboxed frame).
 */
export function isForeignRequest(headers: IncomingHttpHeaders, port: number): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  return origin !== undefined && !loopbackOrigins(port).has(origin);
}

export type LoopbackRefusal = 'wrong_host' | 'foreign_origin';

/**
 * Why a request to a server of ours on `port` must be refused, or undefined when it may go on.
 * Reading pages (GET, HEAD) only needs the right Host; anything else also our own origin.
 */
export function loopbackRefusal(req: { method?: string | undefined; headers: IncomingHttpHeaders }, port: number): LoopbackRefusal | undefined {
  if (!isOurHost(req.headers.host, port)) return 'wrong_host';
  if (req.method !== 'GET' && req.method !== 'HEAD' && isForeignRequest(req.headers, port)) return 'foreign_origin';
  return undefined;
}
