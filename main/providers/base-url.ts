// Where a provider client sends its requests, and with them the provider's secrets. Only the
// environment may move a client off its fixed, documented addresses (that is how the tests
// point clients at simulators): Settings cannot, because any API client can write Settings.
import { ProviderError } from './errors';

/** Keys naming an address the client sends secrets or tokens to. Never read from Settings. */
export const ADDRESS_KEYS: readonly string[] = ['base_url', 'auth_url', 'fastlink_url'];

export function isAddressKey(key: string): boolean {
  return ADDRESS_KEYS.includes(key);
}

/** 127.0.0.0/8, ::1 and localhost: this computer, where plain http reaches no one else. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * `value` of the environment variable `variable` when it is an https URL, or plain http to
 * this computer; anything else is refused before a single request is sent.
 */
export function checkedAddress(variable: string, value: string, displayName: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && !url.username && !url.password
    && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
  if (!ok) {
    const shown = url ? `${url.protocol}//${url.host}` : 'not a URL';
    throw new ProviderError('other', `${displayName}: ${variable} is refused (${shown})`, {
      description: `${variable} must be an https address (plain http only to this computer, 127.0.0.1 or localhost, and no user name or password in it); `
        + `${shown} is refused, so nothing was sent to it.`,
      providerCode: 'NOT_CONFIGURED',
    });
  }
  return value;
}
