import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackRefusal } from '../common/loopback-guard';

/**
 * A provider's own small web pages on 127.0.0.1 (the Demo Bank's consent pages, SimpleFIN's
 * setup-token form): started on first use on a free port, stopped by close(). A handler that
 * throws gets `onFailure`'s page. Before any handler runs, a Host other than this server's
 * (DNS rebinding) and a form posted from another site or port (a page elsewhere submitting the
 * user's consent) are refused here, with the browser host's own rules (common/loopback-guard).
 */
export class LoopbackPages {
  private server: Server | undefined;
  private starting: Promise<string> | undefined;
  private portNumber = 0;

  constructor(
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    private readonly onFailure: (res: ServerResponse) => void,
  ) {}

  get port(): number {
    return this.portNumber;
  }

  /** The server's origin (`http://127.0.0.1:PORT`), starting it on first use. */
  origin(): Promise<string> {
    this.starting ??= new Promise<string>((resolve, reject) => {
      const server = createServer((req, res) => {
        const refused = loopbackRefusal(req, this.portNumber);
        if (refused) {
          const [status, text] = refused === 'wrong_host' ? [421, 'This page is only served on 127.0.0.1.'] : [403, 'This page only accepts its own form.'];
          res.setHeader('Connection', 'close'); // whatever body was posted stays unread
          sendPage(res, status, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Refused</title><p>${text}</p></html>`);
          return;
        }
        this.handle(req, res).catch(() => {
          if (!res.headersSent) this.onFailure(res);
          else res.destroy();
        });
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.server = server;
        this.portNumber = (server.address() as AddressInfo).port;
        resolve(`http://127.0.0.1:${this.portNumber}`);
      });
    });
    return this.starting;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Browsers and fetch keep connections alive; without this close() would wait for them.
      server.closeAllConnections();
    });
  }
}

/** Forms of these pages are small; anything larger is refused unread. */
export const MAX_FORM_BYTES = 16 * 1024;

/**
 * Sends one of these HTML pages with a strict policy. `form-action` must also allow the
 * redirect target: browsers check the 302 that ends a form submit against it.
 */
export function sendPage(res: ServerResponse, status: number, html: string, redirectOrigin?: string): void {
  const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : `'self'`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Content-Type-Options': 'nosniff',
    // Not `no-referrer`: under it a browser sends `Origin: null` with the page's own forms, and
    // the origin check above could not tell them from a sandboxed page elsewhere. The session
    // id in the path still never leaves this origin.
    'Referrer-Policy': 'same-origin',
  });
  res.end(html);
}

/**
 * The form a page posted, or null once the refusal is sent: anything but a POST (405) or a
 * form over MAX_FORM_BYTES (413). `message` draws the refusal in the provider's own style.
 */
export async function readPostedForm(
  req: IncomingMessage, res: ServerResponse, message: (title: string, text: string) => string,
): Promise<URLSearchParams | null> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, HEAD, POST');
    sendPage(res, 405, message('Not allowed', 'This page only accepts its own form.'));
    return null;
  }
  const form = await readForm(req);
  if (!form) sendPage(res, 413, message('Form too large', 'The form sent was not understood. Start again from Ledgerlink.'));
  return form;
}

/** The urlencoded body of a form post, or null when it is larger than MAX_FORM_BYTES. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
