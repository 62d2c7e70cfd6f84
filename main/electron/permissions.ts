// Permission requests are denied unless listed here. Electron grants every permission by
// default (camera, geolocation, notifications...): an accounting app needs none of them, and a
// bank page in a consent popup gets none. The one exception is writing to the clipboard from
// the app's own page (the "Copy" buttons next to error references).
import type { Session } from 'electron';
import { isAppUrl } from './app-url';

type PermissionSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;

/** The permissions the app's own page may use; the consent session gets an empty list. */
export const APP_PAGE_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

export function denyPermissions(session: PermissionSession, allowedForAppPage: readonly string[] = []): void {
  const allowed = new Set(allowedForAppPage);
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(allowed.has(permission) && isAppUrl(details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed.has(permission) && isAppUrl(requestingOrigin));
}
