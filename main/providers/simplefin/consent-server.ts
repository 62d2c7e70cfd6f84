// SimpleFIN has no redirect-based consent: the user makes a Setup Token on the Bridge and
// pastes it. This tiny page, served on 127.0.0.1 by the provider itself, asks for it and then
// sends the user back to the app's loopback listener with `setup_token` and `state`, so the
// app's consent flow (open a page, wait for the redirect) works as with every other provider.
// The token is only checked for its shape here: it is claimed by completeConsent.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackPages, readPostedForm, sendPage } from '../loopback-pages';

const SESSION_TTL_MS = 30 * 60_000;
/** Where a Bridge user makes a Setup Token for a new app. */
export const SIMPLEFIN_CREATE_TOKEN_URL = 'https://beta-bridge.simplefin.org/simplefin/create';

interface Session {
  id: string;
  redirectUri: string;
  state: string;
  createdAt: number;
}

/** The claim URL a Setup Token stands for (base64 of the URL), or undefined when it is not one. */
export function decodeSetupToken(token: string): URL | undefined {
  const t = token.trim();
  if (t === '' || !/^[A-Za-z0-9+/=_-]+$/.test(t)) return undefined;
  let text: string;
  try {
    text = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8').trim();
  } catch {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined;
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function tokenPage(action: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect SimpleFIN Bridge</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
textarea{width:100%;min-height:6rem;font-family:monospace}.error{color:#a00;font-weight:600}button{margin-top:1rem;margin-right:.5rem}</style></head>
<body><h1>Paste your SimpleFIN setup token</h1>
<p>Make a setup token for Ledgerlink on the SimpleFIN Bridge
(<a href="${SIMPLEFIN_CREATE_TOKEN_URL}" target="_blank" rel="noopener noreferrer">${SIMPLEFIN_CREATE_TOKEN_URL}</a>),
copy it and paste it here. A setup token works only once.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="setup_token">Setup token</label>
<textarea id="setup_token" name="setup_token" required autocomplete="off" spellcheck="false"></textarea>
<button type="submit" name="action" value="connect">Connect</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form></body></html>`;
}

function messagePage(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}

export class SetupTokenServer {
  private readonly pages = new LoopbackPages(
    (req, res) => this.handle(req, res),
    (res) => sendPage(res, 500, messagePage('Something went wrong', 'Close this page and start again from Ledgerlink.')),
  );
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => Date) {}

  /** Opens a session and returns the URL of its page (starting the server on first use). */
  async createSession(req: { redirectUri: string; state: string }): Promise<string> {
    const origin = await this.pages.origin();
    const now = this.now().getTime();
    for (const [id, s] of this.sessions) if (now - s.createdAt > SESSION_TTL_MS) this.sessions.delete(id);
    const id = randomBytes(18).toString('base64url');
    this.sessions.set(id, { id, redirectUri: req.redirectUri, state: req.state, createdAt: now });
    return `${origin}/simplefin/${id}`;
  }

  async close(): Promise<void> {
    this.sessions.clear();
    await this.pages.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // LoopbackPages already refused another Host (DNS rebinding) and a form from another site.
    const host = req.headers.host ?? '';
    const path = new URL(req.url ?? '/', `http://${host}`).pathname;
    const id = /^\/simplefin\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session || this.now().getTime() - session.createdAt > SESSION_TTL_MS) {
      if (session) this.sessions.delete(session.id);
      sendPage(res, 404, messagePage('Link not valid', 'This link is not valid, expired or was already used. Start again from Ledgerlink.'));
      return;
    }
    const origin = new URL(session.redirectUri).origin;
    if (req.method === 'GET' || req.method === 'HEAD') {
      sendPage(res, 200, tokenPage(`/simplefin/${session.id}`), origin);
      return;
    }
    const form = await readPostedForm(req, res, messagePage);
    if (!form) return;
    if (form.get('action') === 'cancel') {
      this.finish(res, session, { error: 'access_denied', error_description: 'The user cancelled the connection.' });
      return;
    }
    const token = (form.get('setup_token') ?? '').replace(/\s+/g, '');
    if (!decodeSetupToken(token)) {
      sendPage(res, 422, tokenPage(`/simplefin/${session.id}`, 'This is not a SimpleFIN setup token. Copy the whole token from the Bridge and paste it again.'), origin);
      return;
    }
    this.finish(res, session, { setup_token: token });
  }

  /** Ends the session with the 302 back to the app's loopback listener. */
  private finish(res: ServerResponse, session: Session, params: Record<string, string>): void {
    this.sessions.delete(session.id);
    const target = new URL(session.redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    target.searchParams.set('state', session.state);
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    res.end();
  }
}
