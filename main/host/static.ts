// Serves the built renderer (dist/renderer) read-only: GET and HEAD, regular files only, no
// directory listing, no dotfiles, nothing outside the folder (encoded dots, slashes and
// backslashes are refused before decoding; the resolved path and its real path must stay
// under the folder, so a symlink cannot lead out either).
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
  '.map': 'application/json; charset=utf-8',
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

/** Answers one request from `root`; the caller has already set the security headers. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendStatus(res, 'method_not_allowed');
    return 'method_not_allowed';
  }
  const resolved = resolveRequestPath(root, req.url ?? '');
  if ('refuse' in resolved) {
    sendStatus(res, resolved.refuse);
    return resolved.refuse;
  }
  let size: number;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(resolved.file)]);
    if (!realFile.startsWith(realRoot + sep)) {
      sendStatus(res, 'not_found');
      return 'not_found';
    }
    const st = await stat(realFile);
    if (!st.isFile()) {
      sendStatus(res, 'not_found');
      return 'not_found';
    }
    size = st.size;
    resolved.file = realFile;
  } catch {
    sendStatus(res, 'not_found');
    return 'not_found';
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', contentTypeOf(resolved.file));
  res.setHeader('Content-Length', size);
  // The page carries no secret but must never be stale after a rebuild; assets follow it.
  res.setHeader('Cache-Control', resolved.file.endsWith(`${sep}index.html`) ? 'no-store' : 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return 'ok';
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(resolved.file);
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
