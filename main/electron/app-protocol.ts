// app://ledgerlink/ serves the built renderer (dist/renderer) to the app's window with the same
// Content Security Policy and headers as the browser host, and refuses exactly what the host
// refuses (same locateFile: no traversal, no dotfiles, no symlink out of the folder). There is
// no WebSocket here, so the CSP's connect-src is the app's own origin only.
import type { CustomScheme, Protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { pageSecurityHeaders } from '../host/server';
import { cacheControlOf, contentTypeOf, locateFile } from '../host/static';
import { APP_ORIGIN, APP_SCHEME, isAppUrl } from './app-url';

/**
 * standard: real origin, relative URLs and `'self'` work as on the web; secure: treated like
 * https (no mixed-content downgrade, secure-context APIs such as the clipboard work).
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = { scheme: APP_SCHEME, privileges: { standard: true, secure: true } };

/** Must run before the app's `ready` event (Electron refuses it afterwards). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

/** The headers of every app:// answer, page or refusal. */
export function appSecurityHeaders(): Record<string, string> {
  return pageSecurityHeaders([]);
}

/**
 * The request target (path, query, fragment) as it was written, before any URL normalization,
 * so that `..` and encoded dots reach locateFile's checks instead of being folded away.
 */
function rawTarget(url: string): string | undefined {
  if (!isAppUrl(url) || url.slice(0, APP_ORIGIN.length).toLowerCase() !== APP_ORIGIN) return undefined;
  const rest = url.slice(APP_ORIGIN.length);
  if (rest === '') return '/';
  return rest.startsWith('/') ? rest : undefined;
}

function refusal(status: 404 | 405, headers: Record<string, string>): Response {
  const text = status === 404 ? 'Not found\n' : 'Method not allowed\n';
  return new Response(text, {
    status,
    headers: {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      ...(status === 405 ? { Allow: 'GET, HEAD' } : {}),
    },
  });
}

/**
 * The app:// handler. Every refusal is a plain 404 (405 for a method other than GET/HEAD): the
 * page has no use for knowing whether a path was malformed, outside the folder or missing.
 */
export function createAppRequestHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const headers = appSecurityHeaders();
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, headers);
    const target = rawTarget(request.url);
    if (target === undefined) return refusal(404, headers);
    const found = await locateFile(rendererDir, target);
    if ('refuse' in found) return refusal(404, headers);
    let body: Buffer;
    try {
      body = await readFile(found.file);
    } catch {
      return refusal(404, headers);
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: {
        ...headers,
        'Content-Type': contentTypeOf(found.file),
        'Content-Length': String(body.length),
        'Cache-Control': cacheControlOf(found.file),
      },
    });
  };
}

/** Serves app:// on the default session (the consent popups' session has no app:// at all). */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(rendererDir));
}
