// Which links leave the app for the user's browser (shell.openExternal). The OS hands the URL
// to whatever program claims its scheme or host, so a page that could choose it could start
// programs (file:, smb:, ms-msdt: and the like) or send the user to a look-alike site that
// seems to come from the app. So only links the app itself shows go out, and nothing a page
// merely asks for: the URL is parsed, must be https on the default port, carry no
// credentials, and its host must be on EXTERNAL_LINK_HOSTS exactly (no subdomain).
//
// What the app shows today: the app window's own links are all inside the app (#/ routes) or
// the consent page the core issued (opened in the consent popup, never outside); the one link
// to another site is the SimpleFIN Bridge's "make a setup token" page, on SimpleFIN's token
// form (served by the app on 127.0.0.1 in the consent popup, target=_blank). The banks' and
// providers' pages in the consent popup are not the app: a window they open (help, privacy
// policy) is refused; the user can still follow such a link inside the popup itself. A new
// link in the UI to another site needs its host added here.
import { SIMPLEFIN_CREATE_TOKEN_URL } from '../providers/simplefin/consent-server';
import { webUrl } from './app-url';

export const EXTERNAL_LINK_HOSTS: readonly string[] = [new URL(SIMPLEFIN_CREATE_TOKEN_URL).hostname];

/** `url` parsed when it may be handed to the user's browser, else undefined. */
export function externalLinkUrl(url: string): URL | undefined {
  // webUrl parses and refuses credentials in the link; here only https, on the default port.
  const u = webUrl(url);
  if (u === undefined || u.protocol !== 'https:' || u.port !== '') return undefined;
  return EXTERNAL_LINK_HOSTS.includes(u.hostname) ? u : undefined;
}
