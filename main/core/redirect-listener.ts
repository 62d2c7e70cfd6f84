import { createServer, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { loopbackRefusal } from '../common/loopback-guard';

/**
 * A one-shot loopback listener for a consent redirect (RFC 8252): it binds 127.0.0.1 on a
 * free port, accepts one redirect whose `state` matches, and hands over its query parameters.
 * A redirect with a wrong state is answered with an error page and ignored, so a page
 * elsewhere cannot complete someone else's consent. Like every server of ours on loopback, it
 * refuses another Host (DNS rebinding) and anything but a read from another site.
 */
export class RedirectListener {
  readonly state = randomBytes(16).toString('hex');
  private server: Server | null = null;
  private result: Promise<Record<string, string>> | null = null;
  private port = 0;
  private abandon: ((e: Error) => void) | null = null;

  get redirectUri(): string {
    if (!this.server) throw new Error('The redirect listener is not started');
    return `http://127.0.0.1:${this.port}/callback`;
  }

  async start(): Promise<void> {
    let resolve!: (p: Record<string, string>) => void;
    this.result = new Promise((r) => (resolve = r));
    const server = createServer((req, res) => {
      const refused = loopbackRefusal(req, this.port);
      if (refused) {
        res.writeHead(refused === 'wrong_host' ? 421 : 403, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
          .end(page('This address only answers the bank sending you back to Ledgerlink.'));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      const params = Object.fromEntries(url.searchParams);
      const given = Buffer.from(params.state ?? '');
      const expected = Buffer.from(this.state);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page('This sign-in link is not the one Ledgerlink is waiting for. Start the connection again from Ledgerlink.'));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        page(params.error ? 'The bank connection was cancelled. You can close this window.' : 'Done: you can close this window and return to Ledgerlink.'),
      );
      resolve(params);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.server = server;
  }

  /** Resolves with the redirect's parameters; rejects after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<Record<string, string>> {
    if (!this.result) throw new Error('The redirect listener is not started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('The bank consent was not completed in time. Start the connection again.')), timeoutMs);
      // Closing the listener (the app quits) ends the wait at once instead of leaving a timer.
      this.abandon = reject;
    });
    try {
      return await Promise.race([this.result, timeout]);
    } finally {
      clearTimeout(timer);
      this.abandon = null;
    }
  }

  async close(): Promise<void> {
    this.abandon?.(new Error('The connection attempt was cancelled.'));
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function page(message: string): string {
  const text = message.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Ledgerlink</title>
<body style="font-family:system-ui,sans-serif;margin:4rem auto;max-width:32rem"><h1>Ledgerlink</h1><p>${text}</p></body></html>`;
}
