// The HTML of the Demo Bank's consent pages: small, accessible forms (every field labelled,
// errors announced) with inline CSS. Every interpolated value goes through `escapeHtml`.

import { maskAccountNumber } from './iban';
import type { DemoAccount, DemoInstitution } from './institutions';
import { DEMO_LOGIN_ATTEMPTS, DEMO_MFA_CODE, DEMO_PASSWORD, DEMO_USERNAME } from './institutions';

export type ConsentStep = 'login' | 'mfa' | 'accounts' | 'blocked';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; background: #f3f5f8; color: #1c2430; }
  main { max-width: 26rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 12px; box-shadow: 0 2px 12px #0002; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .sandbox { display: inline-block; font-size: .75rem; padding: .1rem .5rem; border-radius: 99px; background: #fde68a; color: #713f12; }
  p.hint { color: #4b5563; font-size: .9rem; }
  label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem; border: 1px solid #9ca3af; border-radius: 6px; }
  fieldset { border: 1px solid #d1d5db; border-radius: 8px; margin: 1rem 0; padding: .5rem 1rem; }
  fieldset label { font-weight: normal; display: flex; gap: .6rem; align-items: baseline; }
  .account small { display: block; color: #4b5563; }
  .error { background: #fee2e2; color: #991b1b; padding: .6rem .8rem; border-radius: 6px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { padding: .55rem 1.2rem; font-size: 1rem; border-radius: 6px; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; cursor: pointer; }
  button.secondary { background: transparent; color: #1d4ed8; }
  :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  @media (prefers-color-scheme: dark) { body { background: #111827; color: #e5e7eb; } main { background: #1f2937; } p.hint, .account small { color: #9ca3af; } }
`;

function layout(title: string, institution: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – ${escapeHtml(institution)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="sandbox">Sandbox – no real bank</p>
<h1>${escapeHtml(institution)}</h1>
${body}
</main>
</body>
</html>
`;
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>\n` : '';
}

function form(action: string, step: ConsentStep, error: string | undefined, fields: string, submitLabel: string): string {
  const described = error ? ' aria-describedby="form-error"' : '';
  return `${errorBlock(error)}<form method="post" action="${escapeHtml(action)}"${described}>
<input type="hidden" name="step" value="${step}">
${fields}
<div class="actions">
<button type="submit" name="action" value="continue">${escapeHtml(submitLabel)}</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>
</div>
</form>`;
}

export interface PageInput {
  institution: DemoInstitution;
  /** Where the form posts (the session's URL path). */
  action: string;
  error?: string;
}

export function loginPage(p: PageInput): string {
  const fields = `<p class="hint">Log in to allow Ledgerlink to read your accounts. Test login: <strong>${DEMO_USERNAME}</strong> / <strong>${DEMO_PASSWORD}</strong>.</p>
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>`;
  return layout('Log in', p.institution.name, form(p.action, 'login', p.error, fields, 'Log in'));
}

export function mfaPage(p: PageInput): string {
  const fields = `<p class="hint">We sent a one-time code to your phone. Test code: <strong>${DEMO_MFA_CODE}</strong>.</p>
<label for="code">One-time code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>`;
  return layout('Confirm it is you', p.institution.name, form(p.action, 'mfa', p.error, fields, 'Confirm'));
}

function accountOption(a: DemoAccount): string {
  const id = `account-${escapeHtml(a.id)}`;
  return `<label for="${id}" class="account"><input type="checkbox" id="${id}" name="account" value="${escapeHtml(a.id)}" checked>
<span>${escapeHtml(a.name)}<small>${escapeHtml(maskAccountNumber(a.accountNumber))} · ${escapeHtml(a.currency)}</small></span></label>`;
}

export function accountsPage(p: PageInput): string {
  const fields = `<fieldset>
<legend>Accounts Ledgerlink may read (90 days)</legend>
${p.institution.accounts.map(accountOption).join('\n')}
</fieldset>`;
  return layout('Choose accounts', p.institution.name, form(p.action, 'accounts', p.error, fields, 'Allow access'));
}

/**
 * The sign-in was blocked after too many wrong passwords: says so, and offers only the way
 * back to the app, which then learns of the block from the redirect.
 */
export function blockedPage(p: PageInput): string {
  const body = `<p class="error" role="alert">${escapeHtml(`${p.institution.name} blocked this sign-in after ${DEMO_LOGIN_ATTEMPTS} wrong passwords in a row: this looks like suspicious activity. Nothing was connected. Go back to Ledgerlink to re-activate the connection, then sign in again.`)}</p>
<form method="post" action="${escapeHtml(p.action)}">
<input type="hidden" name="step" value="blocked">
<div class="actions">
<button type="submit" name="action" value="continue">Back to Ledgerlink</button>
</div>
</form>`;
  return layout('Sign-in blocked', p.institution.name, body);
}

/** A dead end (expired or unknown session): says what happened and what to do. */
export function messagePage(title: string, message: string, institution = 'Demo Bank'): string {
  return layout(title, institution, `<p role="alert">${escapeHtml(message)}</p>`);
}
