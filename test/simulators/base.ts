// What every provider simulator shares: a real HTTP server on 127.0.0.1, a tiny router, JSON
// helpers, a request log, and fault injection on demand (500, time-out, malformed JSON,
// truncated body, rate limit) so clients are tested against the failures they will meet.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Accepts the request and never answers (the client's time-out must fire). */
  | { kind: 'timeout' }
  /** Answers 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Starts a valid JSON answer and cuts the connection in the middle of it. */
  | { kind: 'truncated' };

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw body. */
  body: string;
  /** The body parsed as JSON (or form fields as an object), when it is one. */
  json: unknown;
}

export interface SimReply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless it is a string already (then sent as is). */
  body?: unknown;
}

export type Handler = (req: SimRequest, params: Record<string, string>) => SimReply | Promise<SimReply>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Simulator {
  private server: Server | null = null;
  private readonly routes: Route[] = [];
  private readonly faults: { match: (r: SimRequest) => boolean; fault: Fault; times: number }[] = [];
  /** Every request received, in order (tests assert on what the client sent). */
  readonly log: SimRequest[] = [];
  baseUrl = '';

  constructor(private readonly prefix = '') {}

  /** Registers a route; `path` may hold `:name` parameters. */
  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = (this.prefix + path).replace(/[.+*?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** The next `times` requests matching `match` (default: any) get `fault` instead of an answer. */
  inject(fault: Fault, o: { times?: number; match?: (r: SimRequest) => boolean } = {}): void {
    this.faults.push({ fault, times: o.times ?? 1, match: o.match ?? (() => true) });
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.prefix}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let json: unknown = undefined;
    if (body) {
      try {
        json = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(body))
          : JSON.parse(body);
      } catch {
        json = undefined;
      }
    }
    const sreq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
    this.log.push(sreq);

    const f = this.faults.find((x) => x.times > 0 && x.match(sreq));
    if (f) {
      f.times--;
      switch (f.fault.kind) {
        case 'timeout':
          return; // never answered; closed with the server
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"transactions": [ {"id": 1, ');
          return;
        case 'truncated':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
          res.write('{"data": [{"id": "tx-1", "amount": "12.');
          res.destroy();
          return;
        case 'status':
          res.writeHead(f.fault.status, { 'content-type': 'application/json', ...f.fault.headers }).end(JSON.stringify(f.fault.body ?? {}));
          return;
      }
    }

    const route = this.routes.find((r) => r.method === sreq.method && r.pattern.test(sreq.path));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${sreq.method} ${sreq.path}` }));
      return;
    }
    const m = route.pattern.exec(sreq.path)!;
    const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] ?? '')]));
    try {
      const reply = await route.handler(sreq, params);
      const payload = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(payload);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
    }
  }
}

/**
 * Decimal text of integer minor units, for simulators writing amounts as JSON numbers the way
 * a provider does (`raw` JSON is spliced in so that "12.30" is a number, not a string).
 */
export function decimal(minor: number, exponent = 2): string {
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const t = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return neg ? `-${t}` : t;
}

/** A small deterministic PRNG (mulberry32): the same seed gives every simulator the same bank. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
