// The Demo Bank's consent pages, served over real HTTP on 127.0.0.1 so the app's consent
// flow (popup or browser, loopback redirect, code exchange) runs exactly as with a real
// provider. Sessions and one-time codes live in memory: the server belongs to the process
// that started the consent, which is also the one that completes it. A session that sees
// DEMO_LOGIN_ATTEMPTS wrong logins in a row is blocked, as banks block a sign-in that looks
// like password guessing: its pages then only lead back to the app, with the error
// LOGIN_BLOCKED_ERROR, which completeConsent turns into `locked`.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackPages, readPostedForm, sendPage } from '../loopback-pages';
import type { ConsentStep } from './consent-pages';
import { accountsPage, blockedPage, loginPage, messagePage, mfaPage } from './consent-pages';
import type { DemoInstitution } from './institutions';
import { DEMO_LOGIN_ATTEMPTS, DEMO_MFA_CODE, DEMO_PASSWORD, DEMO_USERNAME } from './institutions';

const SESSION_TTL_MS = 30 * 60_000;
/** A code not exchanged within this time is refused, as OAuth servers do. */
const CODE_TTL_MS = 10 * 60_000;
/** The OAuth `error` the redirect carries when the bank blocked the session's sign-in. */
export const LOGIN_BLOCKED_ERROR = 'login_blocked';

export interface SessionRequest {
  institution: DemoInstitution;
  redirectUri: string;
  state: string;
  mode: 'new' | 'reconnect' | 'update';
  /** For reconnect / update: the consent being renewed. */
  providerRef?: string;
}

interface Session extends SessionRequest {
  id: string;
  step: ConsentStep;
  createdAt: number;
  /** Wrong logins so far (a right one moves the session past the login page). */
  failedLogins: number;
}

/** What a one-time code stands for once the user has finished the pages. */
export interface Grant {
  institutionId: string;
  accountIds: string[];
  mode: SessionRequest['mode'];
  providerRef?: string;
  state: string;
  issuedAt: number;
}

/** Only loopback redirects: the code must not leave the user's machine (RFC 8252). */
export function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.username === '' && url.password === '';
}

export class ConsentServer {
  private readonly pages = new LoopbackPages(
    (req, res) => this.handle(req, res),
    (res) => sendPage(res, 500, messagePage('Something went wrong', 'The Demo Bank could not show this page. Close it and start again from Ledgerlink.')),
  );
  private readonly sessions = new Map<string, Session>();
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => Date) {}

  /** Opens a consent session and returns the URL of its first page (starting the server). */
  async createSession(req: SessionRequest): Promise<string> {
    const origin = await this.pages.origin();
    this.prune();
    const id = randomBytes(18).toString('base64url');
    this.sessions.set(id, { ...req, id, step: 'login', createdAt: this.now().getTime(), failedLogins: 0 });
    return `${origin}/consent/${id}`;
  }

  /** Exchanges a code, once: a second call with the same code gets undefined. */
  redeem(code: string, now: Date): Grant | undefined {
    const grant = this.grants.get(code);
    this.grants.delete(code);
    if (!grant || now.getTime() - grant.issuedAt > CODE_TTL_MS) return undefined;
    return grant;
  }

  async close(): Promise<void> {
    this.sessions.clear();
    this.grants.clear();
    await this.pages.close();
  }

  private prune(): void {
    const now = this.now().getTime();
    for (const [id, s] of this.sessions) if (now - s.createdAt > SESSION_TTL_MS) this.sessions.delete(id);
    for (const [code, g] of this.grants) if (now - g.issuedAt > CODE_TTL_MS) this.grants.delete(code);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // LoopbackPages already refused another Host (DNS rebinding) and a form from another site.
    const host = req.headers.host ?? '';
    const path = new URL(req.url ?? '/', `http://${host}`).pathname;
    const id = /^\/consent\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) {
      sendPage(res, 404, messagePage('Link not valid', 'This consent link is not valid or was already used. Start again from Ledgerlink.'));
      return;
    }
    if (this.now().getTime() - session.createdAt > SESSION_TTL_MS) {
      this.sessions.delete(session.id);
      sendPage(res, 410, messagePage('Session expired', 'This consent session expired after 30 minutes. Start again from Ledgerlink.', session.institution.name));
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      this.showStep(res, session, session.step === 'blocked' ? 403 : 200);
      return;
    }
    const form = await readPostedForm(req, res, messagePage);
    if (!form) return;
    this.submit(res, session, form);
  }

  private submit(res: ServerResponse, session: Session, form: URLSearchParams): void {
    // A blocked session can only go back to the app, whatever is posted, to say it is blocked.
    if (session.step === 'blocked') {
      this.finish(res, session, { error: LOGIN_BLOCKED_ERROR, error_description: `The sign-in was blocked after ${DEMO_LOGIN_ATTEMPTS} wrong passwords.` });
      return;
    }
    if (form.get('action') === 'cancel') {
      this.finish(res, session, { error: 'access_denied', error_description: 'The user cancelled the consent.' });
      return;
    }
    // A form from an earlier step (back button, double submit) just shows where we are.
    if (form.get('step') !== session.step) {
      this.showStep(res, session, 200);
      return;
    }
    switch (session.step) {
      case 'login':
        if (form.get('username') !== DEMO_USERNAME || form.get('password') !== DEMO_PASSWORD) {
          session.failedLogins += 1;
          if (session.failedLogins >= DEMO_LOGIN_ATTEMPTS) {
            session.step = 'blocked';
            this.showStep(res, session, 403);
            return;
          }
          const left = DEMO_LOGIN_ATTEMPTS - session.failedLogins;
          this.showStep(res, session, 422, `The username or password is not correct. Please try again (${left === 1 ? 'one attempt' : `${left} attempts`} left before the sign-in is blocked).`);
          return;
        }
        session.step = session.institution.mfa ? 'mfa' : 'accounts';
        this.showStep(res, session, 200);
        return;
      case 'mfa':
        if ((form.get('code') ?? '').trim() !== DEMO_MFA_CODE) {
          this.showStep(res, session, 422, 'That code is not correct. Check the code and try again.');
          return;
        }
        session.step = 'accounts';
        this.showStep(res, session, 200);
        return;
      case 'accounts': {
        const known = new Set(session.institution.accounts.map((a) => a.id));
        const chosen = [...new Set(form.getAll('account'))].filter((a) => known.has(a));
        if (chosen.length === 0) {
          this.showStep(res, session, 422, 'Choose at least one account, or cancel.');
          return;
        }
        const code = randomBytes(24).toString('base64url');
        this.grants.set(code, {
          institutionId: session.institution.id, accountIds: chosen, mode: session.mode, providerRef: session.providerRef, state: session.state, issuedAt: this.now().getTime(),
        });
        this.finish(res, session, { code });
        return;
      }
    }
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

  private showStep(res: ServerResponse, session: Session, status: number, error?: string): void {
    const input = { institution: session.institution, action: `/consent/${session.id}`, error };
    const page = session.step === 'login' ? loginPage(input)
      : session.step === 'mfa' ? mfaPage(input)
      : session.step === 'blocked' ? blockedPage(input)
      : accountsPage(input);
    sendPage(res, status, page, new URL(session.redirectUri).origin);
  }
}
