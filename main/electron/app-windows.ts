// The app's own windows: the only senders whose IPC is answered and the only receivers of the
// core's events. Windows are known by the webContents they were created with, so a popup, a
// DevTools window or any other webContents is never mistaken for one of ours.
import type { BrowserWindow, WebContents } from 'electron';
import { isAppUrl } from './app-url';

export type AppWindow = Pick<BrowserWindow, 'webContents' | 'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus' | 'once'>;

export class AppWindows {
  private readonly windows = new Map<AppWindow, WebContents>();

  add(win: AppWindow): void {
    this.windows.set(win, win.webContents);
    // After 'closed' the window's webContents is gone: forget it at once.
    win.once('closed', () => this.windows.delete(win));
  }

  /**
   * True when `contents` belongs to one of the app's windows still open. Compared by id too:
   * webContents ids are unique for the life of the process and never reused.
   */
  owns(contents: unknown): boolean {
    const id = typeof contents === 'object' && contents !== null ? (contents as { id?: unknown }).id : undefined;
    for (const [win, wc] of this.windows) {
      if ((wc === contents || (typeof id === 'number' && wc.id === id)) && !win.isDestroyed()) return true;
    }
    return false;
  }

  all(): AppWindow[] {
    return [...this.windows.keys()].filter((w) => !w.isDestroyed());
  }

  /** Brings the first window forward (a second launch, a dock click); false when there is none. */
  focus(): boolean {
    const win = this.all()[0];
    if (!win) return false;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return true;
  }

  /**
   * Sends to every window whose page is still the app's (navigation away is denied; this makes
   * sure an event could not reach some other page even if it happened).
   */
  send(channel: string, message: unknown): void {
    for (const [win, wc] of this.windows) {
      if (win.isDestroyed() || wc.isDestroyed() || !isAppUrl(wc.getURL())) continue;
      wc.send(channel, message);
    }
  }
}
