// The app's own origin. The page comes from app://ledgerlink/ (a privileged, standard, secure
// scheme) rather than file://: it then has a real origin that the CSP's 'self', the navigation
// policy and the IPC sender check can name, and no other file on disk is reachable by URL.

export const APP_SCHEME = 'app';
export const APP_HOST = 'ledgerlink';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` parses and is on the app's origin: exactly the scheme and host, no port, no
 * credentials (`app://ledgerlink.evil/`, `app://x@ledgerlink/` and `app://ledgerlink:1/` are not).
 */
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

/**
 * The hosts plain http is allowed on: this computer only (the Demo Bank's consent pages, the
 * loopback redirect listener, SimpleFIN's token form, the tests). The URL parser has already
 * normalized the host (`http://127.1/` and `http://0x7f000001/` are 127.0.0.1, `LOCALHOST` is
 * localhost), so an exact comparison is enough.
 */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '[::1]', 'localhost'];

/**
 * A web URL a window of the app may show, parsed and normalized, or undefined: https anywhere,
 * http only on loopback (LOOPBACK_HOSTS), no credentials. Plain http to any other host is
 * refused: a bank's or provider's page over http could be read or changed on the way.
 */
export function webUrl(url: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK_HOSTS.includes(u.hostname))) return undefined;
  // user:password@ in a link is a classic disguise (https://bank.example@evil.example/).
  if (u.username !== '' || u.password !== '') return undefined;
  return u;
}
