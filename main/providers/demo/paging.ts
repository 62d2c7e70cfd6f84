// Pages of booked transactions for fetchTransactions. The cursor names a booking day and how
// many of that day's transactions were already returned: a day's bookings never change once
// the day has come, so a cursor stays valid across processes and restarts (a sync that
// crashed resumes exactly after its last stored page).

import type { ProviderTransaction } from '../types';
import { dateOfDay, dayOfDate } from './calendar';
import type { AccountStream } from './generator';

export interface PagePosition {
  /** Booking day (day number) to continue from. */
  day: number;
  /** Transactions of that day already returned. */
  skip: number;
}

export interface Cursor extends PagePosition {
  accountId: string;
  /** The end of the requested window, kept so a resumed sync ends where its first page meant to. */
  until: number;
}

interface CursorJson {
  v: 1;
  account: string;
  until: string;
  day: string;
  skip: number;
}

export function encodeCursor(c: Cursor): string {
  const json: CursorJson = { v: 1, account: c.accountId, until: dateOfDay(c.until), day: dateOfDay(c.day), skip: c.skip };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** The cursor, or null when the text is not one of ours. */
export function decodeCursor(text: string): Cursor | null {
  let json: Partial<CursorJson>;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<CursorJson>;
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object' || json.v !== 1 || typeof json.account !== 'string') return null;
  const until = dayOfDate(String(json.until));
  const day = dayOfDate(String(json.day));
  const skip = json.skip;
  if (until === null || day === null || typeof skip !== 'number' || !Number.isSafeInteger(skip) || skip < 0) return null;
  return { accountId: json.account, until, day, skip };
}

/**
 * Up to `pageSize` transactions booked from `from` through `until` (inclusive), in booking
 * date then id order, and where the next page starts (null when nothing is left). Empty days
 * after a full page are looked past, so the last page says so instead of a further empty one.
 */
export function readPage(stream: AccountStream, from: PagePosition, until: number, pageSize: number): { posted: ProviderTransaction[]; next: PagePosition | null } {
  const posted: ProviderTransaction[] = [];
  let { day, skip } = from;
  for (; day <= until; day++, skip = 0) {
    const booked = stream.bookedOn(day);
    if (skip >= booked.length) continue;
    const room = pageSize - posted.length;
    if (room === 0) return { posted, next: { day, skip } };
    const taken = booked.slice(skip, skip + room);
    posted.push(...taken);
    if (skip + taken.length < booked.length) return { posted, next: { day, skip: skip + taken.length } };
  }
  return { posted, next: null };
}
