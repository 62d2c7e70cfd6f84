import type { Periodicity } from '../../preload/api';
import { addDays, isoWeekday, lastDayOfMonth } from './dates';

export interface Period {
  /** First local date of the period: the statement's date. */
  start: string;
  /** Last local date of the period. */
  end: string;
}

/**
 * The statement period a line dated `date` belongs to. `none` has no calendar period (one
 * statement per synchronization), so it returns null and the caller groups by run instead.
 */
export function periodOf(date: string, periodicity: Periodicity): Period | null {
  switch (periodicity) {
    case 'none':
      return null;
    case 'day':
      return { start: date, end: date };
    case 'week': {
      const start = addDays(date, 1 - isoWeekday(date));
      return { start, end: addDays(start, 6) };
    }
    case 'bimonthly': {
      const day = Number(date.slice(8, 10));
      const month = date.slice(0, 8);
      return day <= 14
        ? { start: `${month}01`, end: `${month}14` }
        : { start: `${month}15`, end: lastDayOfMonth(date) };
    }
    case 'month':
      return { start: `${date.slice(0, 8)}01`, end: lastDayOfMonth(date) };
  }
}
