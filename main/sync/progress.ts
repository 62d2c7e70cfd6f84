// How far a synchronization is through its date window, for a progress bar that tells the
// truth. Banks send no total, but the booking dates of each page say where the fetch has got
// to: a provider that goes newest-first has covered the window from its end back to the oldest
// date seen so far; one that goes oldest-first, from the start up to the newest date seen.
// The order shows inside the first pages; until it does, the position of the first dates
// decides (a page near the window's end most likely came first from a newest-first bank).
import { addDays, daysBetween } from './dates';

export interface DateProgressValue {
  /** Days of the window the bank can answer for (its history limit applied). */
  days_total: number;
  /** Days of it already fetched. Equals days_total once the account is finished. */
  days_done: number;
  /** The booking date the fetch has reached; null before the first dated transaction. */
  reached: string | null;
}

export class DateProgress {
  private readonly since: string;
  private oldest: string | null = null;
  private newest: string | null = null;
  private direction: 'forward' | 'backward' | null = null;
  private finished = false;

  /**
   * @param since  the window's first date
   * @param until  the window's last date
   * @param historyDays  how far back the institution answers (0: unknown); a 90-day bank
   *   asked for 730 days would otherwise leave the bar at an eighth until the end.
   */
  constructor(since: string, private readonly until: string, historyDays = 0) {
    const historyStart = historyDays > 0 ? addDays(until, -historyDays) : since;
    this.since = historyStart > since && historyStart <= until ? historyStart : since;
  }

  /** The posted booking dates of one page, in the order the provider sent them. */
  observe(dates: readonly string[]): void {
    const inWindow = dates.filter((d) => d >= this.since && d <= this.until);
    if (inWindow.length === 0) return;
    const pageMin = inWindow.reduce((a, b) => (b < a ? b : a));
    const pageMax = inWindow.reduce((a, b) => (b > a ? b : a));
    if (this.direction === null) {
      const first = inWindow[0]!;
      const last = inWindow[inWindow.length - 1]!;
      if (first !== last) this.direction = first < last ? 'forward' : 'backward';
      else if (this.oldest !== null && pageMin > this.newest!) this.direction = 'forward';
      else if (this.oldest !== null && pageMax < this.oldest) this.direction = 'backward';
    }
    this.oldest = this.oldest === null || pageMin < this.oldest ? pageMin : this.oldest;
    this.newest = this.newest === null || pageMax > this.newest ? pageMax : this.newest;
  }

  /** The account's last page was stored: the whole window is covered. */
  finish(): void {
    this.finished = true;
  }

  value(): DateProgressValue {
    const total = daysBetween(this.since, this.until) + 1;
    if (this.finished) return { days_total: total, days_done: total, reached: this.reachedDate() };
    if (this.oldest === null || this.newest === null) return { days_total: total, days_done: 0, reached: null };
    const done = this.going() === 'forward' ? daysBetween(this.since, this.newest) + 1 : daysBetween(this.oldest, this.until) + 1;
    // Not finished: a bank with nothing booked on the last days still has pages to send.
    return { days_total: total, days_done: Math.min(done, total - 1), reached: this.reachedDate() };
  }

  private going(): 'forward' | 'backward' {
    if (this.direction) return this.direction;
    // One date so far: whichever end it sits nearer is where the bank started.
    return daysBetween(this.since, this.oldest!) <= daysBetween(this.newest!, this.until) ? 'forward' : 'backward';
  }

  private reachedDate(): string | null {
    if (this.oldest === null) return null;
    return this.going() === 'forward' ? this.newest : this.oldest;
  }
}
