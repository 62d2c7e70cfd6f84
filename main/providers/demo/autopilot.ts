// Walks the Demo Bank's consent pages the way a user would, over real HTTP, for the CLI's
// unattended `demo` command and for tests. It reads the forms from the HTML (no knowledge of
// the server's internals) and stops at the redirect back to the app, which it does not follow:
// delivering it to the app's loopback listener is the caller's job.

import { DEMO_MFA_CODE, DEMO_PASSWORD, DEMO_USERNAME } from './institutions';

export interface AutopilotOptions {
  username?: string;
  password?: string;
  mfaCode?: string;
  /** Account ids to allow; default: every account offered. */
  accounts?: string[];
}

interface ParsedForm {
  action: string;
  /** Every input, in page order. */
  inputs: { name: string; type: string; value: string; checked: boolean }[];
  error: string | null;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of tag.matchAll(/([a-zA-Z-]+)(?:\s*=\s*"([^"]*)")?/g)) {
    if (m[1]) attrs.set(m[1].toLowerCase(), decodeEntities(m[2] ?? ''));
  }
  return attrs;
}

function parseForm(html: string): ParsedForm | null {
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!formTag) return null;
  const inputs = [...html.matchAll(/<input\b[^>]*>/gi)].map((m) => {
    const a = attributes(m[0].slice('<input'.length));
    return { name: a.get('name') ?? '', type: a.get('type') ?? 'text', value: a.get('value') ?? '', checked: a.has('checked') };
  });
  return { action: attributes(formTag.slice('<form'.length)).get('action') ?? '', inputs, error: alertOf(html) };
}

/** The message the page announces to screen readers: its error, if any. */
function alertOf(html: string): string | null {
  const alert = /role="alert"[^>]*>([\s\S]*?)<\//i.exec(html)?.[1];
  return alert === undefined ? null : decodeEntities(alert).trim();
}

/** The form's fields filled as a user would: what `opts` says for what it asks, defaults otherwise. */
function fill(form: ParsedForm, opts: AutopilotOptions): URLSearchParams {
  const body = new URLSearchParams();
  const offered = form.inputs.filter((i) => i.type === 'checkbox' && i.name === 'account').map((i) => i.value);
  const missing = (opts.accounts ?? []).filter((a) => !offered.includes(a));
  if (offered.length > 0 && missing.length > 0) throw new Error(`Demo Bank consent: no account ${missing.join(', ')} is offered (offered: ${offered.join(', ')})`);
  for (const input of form.inputs) {
    if (input.name === '') continue;
    if (input.type === 'checkbox') {
      const wanted = opts.accounts ? opts.accounts.includes(input.value) : input.checked;
      if (wanted) body.append(input.name, input.value);
    } else if (input.name === 'username') body.append('username', opts.username ?? DEMO_USERNAME);
    else if (input.name === 'password') body.append('password', opts.password ?? DEMO_PASSWORD);
    else if (input.name === 'code') body.append('code', opts.mfaCode ?? DEMO_MFA_CODE);
    else body.append(input.name, input.value);
  }
  body.append('action', 'continue');
  return body;
}

/**
 * Completes a Demo Bank consent headlessly and returns the final redirect URL (the app's
 * loopback address with `code` and `state`) without following it. Throws with the page's own
 * message when a step is refused (wrong password, wrong code, expired session).
 * Defaults: username demo, password demo, code 123456, every account.
 */
export async function completeConsentHeadlessly(consentUrl: string, opts: AutopilotOptions = {}): Promise<string> {
  const origin = new URL(consentUrl).origin;
  let response = await fetch(consentUrl, { redirect: 'manual' });
  let pageUrl = consentUrl;
  for (let steps = 0; steps < 10; steps++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, pageUrl);
      if (next.origin !== origin) return next.toString();
      pageUrl = next.toString();
      response = await fetch(pageUrl, { redirect: 'manual' });
      continue;
    }
    const html = await response.text();
    const form = parseForm(html);
    if (!response.ok || !form) {
      throw new Error(`Demo Bank consent page refused (HTTP ${response.status}): ${form?.error ?? alertOf(html) ?? 'no form on the page'}`);
    }
    if (form.error) throw new Error(`Demo Bank consent page refused: ${form.error}`);
    pageUrl = new URL(form.action, pageUrl).toString();
    response = await fetch(pageUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: fill(form, opts).toString(),
      redirect: 'manual',
    });
  }
  throw new Error('Demo Bank consent did not finish within 10 pages');
}
