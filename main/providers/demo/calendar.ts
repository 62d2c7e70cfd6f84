// The bank counts days as integers since 1970-01-01 (UTC): day arithmetic and per-day seeds
// stay plain integer math, and dates only become 'YYYY-MM-DD' text at the edge.

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayOfInstant(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS);
}

/** The day number of a calendar date, or null when the text is not a real YYYY-MM-DD date. */
export function dayOfDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / DAY_MS;
  return dateOfDay(day) === text ? day : null;
}

const dateTexts = new Map<number, string>();

/** 'YYYY-MM-DD' of a day number; cached, as generating two busy years asks it ~300k times. */
export function dateOfDay(day: number): string {
  let text = dateTexts.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dateTexts.size > 20_000) dateTexts.clear();
    dateTexts.set(day, text);
  }
  return text;
}

export interface CalendarDay {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  dayOfMonth: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
  daysInMonth: number;
}

export function calendarDay(day: number): CalendarDay {
  const d = new Date(day * DAY_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  return {
    year,
    month,
    dayOfMonth: d.getUTCDate(),
    weekday: d.getUTCDay(),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

function weekdayOf(day: number): number {
  return (day + 4) % 7; // 1970-01-01 was a Thursday
}

/** The day a monthly payment due on `dueDay` of a month is executed: weekends move it. */
function executionDay(year: number, month: number, dueDay: number, shift: 'earlier' | 'later'): number {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const due = Date.UTC(year, month - 1, Math.min(dueDay, daysInMonth)) / DAY_MS;
  const w = weekdayOf(due);
  if (w === 6) return shift === 'earlier' ? due - 1 : due + 2;
  if (w === 0) return shift === 'earlier' ? due - 2 : due + 1;
  return due;
}

/**
 * Whether a monthly payment due on `dueDay` is executed on `day`. Banks move it to the
 * previous business day (salaries) or the next one (standing orders) when it falls on a
 * weekend, which can carry it into the neighbouring month: those months are checked too.
 */
export function isMonthlyExecutionDay(day: number, dueDay: number, shift: 'earlier' | 'later'): boolean {
  const c = calendarDay(day);
  for (const delta of [-1, 0, 1]) {
    const index = c.year * 12 + (c.month - 1) + delta;
    if (executionDay(Math.floor(index / 12), (index % 12) + 1, dueDay, shift) === day) return true;
  }
  return false;
}
