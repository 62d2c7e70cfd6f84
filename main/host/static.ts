// Serves the built renderer (dist/renderer) read-only: GET and HEAD, regular files only, no
// directory listing, no dotfiles, nothing outside the folder (encoded dots, slashes and
// backslashes are refused before decoding; the resolved path and its real path must stay
// under the folder, so a symlink cannot lead out either), no source maps (a development build's
// leftovers would publish our source). Electron's app:// protocol finds its files through the
// same locateFile.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticOutcome = 'ok' | 'bad_request' | 'forbidden' | 'not_found' | 'method_not_allowed';

/**
 * Maps a request target to a file under `root`, or says why not. Pure apart from nothing:
 * the file system is only checked by serveStatic.
 */
export function resolveRequestPath(root: string, target: string): { file: string } | { refuse: 'bad_request' | 'forbidden' | 'not_found' } {
  if (!target.startsWith('/')) return { refuse: 'bad_request' };
  const q = target.search(/[?#]/);
  const rawPath = q === -1 ? target : target.slice(0, q);
  // Encoded dot, slash, backslash or NUL, a raw backslash or NUL: nobody's asset needs them.
  if (/%2e|%2f|%5c|%00/i.test(rawPath) || /[\\\0]/.test(rawPath)) return { refuse: 'forbidden' };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { refuse: 'bad_request' };
  }
  if (/[\\\0]/.test(path)) return { refuse: 'forbidden' };
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return { refuse: 'forbidden' };
  // Dotfiles (.env, .git) and empty inner segments (//) are never assets.
  if (segments.some((s, i) => s.startsWith('.') || (s === '' && i < segments.length - 1))) return { refuse: 'not_found' };
  if (path.toLowerCase().endsWith('.map')) return { refuse: 'not_found' };
  const rel = path === '/' ? 'index.html' : path.slice(1);
  if (rel.endsWith('/')) return { refuse: 'not_found' };
  const base = resolve(root);
  const file = resolve(base, rel);
  if (!file.startsWith(base + sep)) return { refuse: 'forbidden' };
  return { file };
}

const STATUS: Record<Exclude<StaticOutcome, 'ok'>, [number, string]> = {
  bad_request: [400, 'Bad request'],
  forbidden: [403, 'Forbidden'],
  not_found: [404, 'Not found'],
  method_not_allowed: [405, 'Method not allowed'],
};

export function sendStatus(res: ServerResponse, outcome: Exclude<StaticOutcome, 'ok'>): void {
  const [code, text] = STATUS[outcome];
  const body = `${text}\n`;
  res.statusCode = code;
  if (outcome === 'method_not_allowed') res.setHeader('Allow', 'GET, HEAD');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** A file found for a request target (its real path and size), or why there is none. */
export type LocatedFile = { file: string; size: number } | { refuse: 'bad_request' | 'forbidden' | 'not_found' };

/**
 * Finds the regular file a request target names under `root`: resolveRequestPath's checks,
 * then the real paths (a symlink must not lead out of the folder). Shared by the browser host
 * and Electron's app:// protocol, so both refuse exactly the same requests.
 */
export async function locateFile(root: string, target: string): Promise<LocatedFile> {
  const resolved = resolveRequestPath(root, target);
  if ('refuse' in resolved) return resolved;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(resolved.file)]);
    if (!realFile.startsWith(realRoot + sep)) return { refuse: 'not_found' };
    const st = await stat(realFile);
    if (!st.isFile()) return { refuse: 'not_found' };
    return { file: realFile, size: st.size };
  } catch {
    return { refuse: 'not_found' };
  }
}

/** The page carries no secret but must never be stale after a rebuild; assets follow it. */
export function cacheControlOf(file: string): string {
  return file.endsWith(`${sep}index.html`) ? 'no-store' : 'no-cache';
}

/** Answers one request from `root`; the caller has already set the security headers. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendStatus(res, 'method_not_allowed');
    return 'method_not_allowed';
  }
  const found = await locateFile(root, req.url ?? '');
  if ('refuse' in found) {
    sendStatus(res, found.refuse);
    return found.refuse;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', contentTypeOf(found.file));
  res.setHeader('Content-Length', found.size);
  res.setHeader('Cache-Control', cacheControlOf(found.file));
  if (req.method === 'HEAD') {
    res.end();
    return 'ok';
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(found.file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
  return 'ok';
}
