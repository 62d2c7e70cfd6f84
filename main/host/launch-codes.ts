// One-time launch codes for the browser host. The address we print and hand to the browser
// opener (`xdg-open URL`, whose arguments every local user can read with `ps`) must not carry
// the session token: it carries a code instead, which the page trades once, within a short
// time, for the token (GET /launch?code=… answers with a redirect to /#token=…). A code seen
// in `ps` afterwards is spent; one never used dies after LAUNCH_CODE_TTL_MS.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Long enough to copy the printed address into a browser; short enough to be of no use later. */
export const LAUNCH_CODE_TTL_MS = 2 * 60_000;
/** Codes alive at once; the oldest goes first (one is issued per launch, so this is plenty). */
const MAX_LIVE_CODES = 16;

export class LaunchCodes {
  /** code → the instant it stops working (ms). */
  private readonly live = new Map<string, number>();

  constructor(
    private readonly ttlMs = LAUNCH_CODE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new code, valid once until ttlMs from now. */
  issue(): string {
    this.prune();
    while (this.live.size >= MAX_LIVE_CODES) this.live.delete(this.live.keys().next().value!);
    const code = randomBytes(24).toString('base64url');
    this.live.set(code, this.now() + this.ttlMs);
    return code;
  }

  /** True once for a live code (which is then spent); false for anything else. */
  redeem(offered: string | null): boolean {
    this.prune();
    if (offered === null) return false;
    const given = Buffer.from(offered, 'utf8');
    for (const code of this.live.keys()) {
      const known = Buffer.from(code, 'utf8');
      if (known.length === given.length && timingSafeEqual(known, given)) {
        this.live.delete(code);
        return true;
      }
    }
    return false;
  }

  private prune(): void {
    const now = this.now();
    for (const [code, until] of this.live) if (until <= now) this.live.delete(code);
  }
}
