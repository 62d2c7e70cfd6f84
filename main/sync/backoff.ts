// Exponential back-off with jitter for transient failures (bank down, network, time-outs,
// unreadable answers): 5 min × 2^attempt, ±20 % jitter, never more than 12 h — the regular
// cadence — so a flaky bank is still tried at least as often as a healthy one.

export const BACKOFF_BASE_MS = 5 * 60_000;
export const BACKOFF_CAP_MS = 12 * 3_600_000;
export const BACKOFF_JITTER = 0.2;

/**
 * The delay before the next attempt after `attempt` earlier consecutive failures (0 for the
 * first failure). `random` returns [0, 1) like Math.random; 0.5 gives the nominal delay.
 * The jitter is applied before the cap, so at the cap delays still spread over 9.6 h – 12 h.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2^n overflows to Infinity for large n; the cap takes care of it.
  const nominal = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = nominal * (1 + BACKOFF_JITTER * (2 * r - 1));
  return Math.round(Math.min(BACKOFF_CAP_MS, jittered));
}

/** When to try again after `attempt` earlier consecutive failures. */
export function retryAfterBackoff(now: Date, attempt: number, random: () => number = Math.random): Date {
  return new Date(now.getTime() + backoffDelay(attempt, random));
}
