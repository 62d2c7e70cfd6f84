// Which consent popups the app window may open. Nothing the page says is trusted: an origin
// becomes openable only when the core itself issued a consent URL on it (a ConnectStart result
// passing back through IPC), and stops being openable once that flow's finishConnect settles.
import type { ConnectStart } from '../../preload/api';
import { webUrl } from './app-url';

/** The part of a popup window this needs: closing it when its flow is over. */
export interface ClosablePopup {
  close(): void;
  isDestroyed(): boolean;
}

interface Flow {
  origin: string;
  url: string;
  popups: Set<ClosablePopup>;
}

export class ConsentFlows {
  private readonly flows = new Map<string, Flow>();

  /** A ConnectStart came back from the core: its consent page's origin may now be opened. */
  issued(start: Pick<ConnectStart, 'flow_id' | 'consent_url'>): void {
    const url = webUrl(start.consent_url);
    if (!url) return; // not https (nor http on loopback): never openable in a window
    const known = this.flows.get(start.flow_id);
    this.flows.set(start.flow_id, { origin: url.origin, url: url.href, popups: known?.popups ?? new Set() });
  }

  /** True when `url` is a web URL (webUrl) on the origin of a consent page of a flow still under way. */
  allows(url: string): boolean {
    const u = webUrl(url);
    if (!u) return false;
    for (const f of this.flows.values()) if (f.origin === u.origin) return true;
    return false;
  }

  /** A popup was opened on `url`: it belongs to that flow (the exact page first, else the origin). */
  popupOpened(popup: ClosablePopup, url: string): void {
    const u = webUrl(url);
    if (!u) return;
    const flows = [...this.flows.values()];
    const flow = flows.find((f) => f.url === u.href) ?? flows.find((f) => f.origin === u.origin);
    flow?.popups.add(popup);
  }

  /**
   * finishConnect settled for `flowId` (done, failed or timed out): its popups are closed from
   * here, whatever the page does, and its origin is no longer openable.
   */
  finished(flowId: string): void {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    this.flows.delete(flowId);
    for (const p of flow.popups) if (!p.isDestroyed()) p.close();
  }

  /** Flows under way (for tests and diagnostics). */
  get size(): number {
    return this.flows.size;
  }
}
