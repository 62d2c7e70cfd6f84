// The Demo Bank's transactions: deterministic, seeded, two years of realistic activity per
// account. Each made-day is generated on its own from a PRNG seeded by (seed, institution,
// account, day), so any window is cheap to produce and every process sees the same data.
//
// A transaction made on day d is booked on d + delay. Card payments and refunds take 1..4
// days, during which they are pending under a P- id dated d; once booked they carry a new B-
// id dated d + delay and no link to the pending id, as European banks do. Transfers, salaries,
// rents and fees book the day they are made and are never pending.

import { formatAmount } from '../../ledger/money';
import type { ProviderTransaction } from '../types';
import { calendarDay, dateOfDay, dayOfDate, dayOfInstant, isMonthlyExecutionDay } from './calendar';
import { convertMinor, dailyRate } from './exchange';
import type { DemoAccount } from './institutions';
import { findInstitution } from './institutions';
import { Rng, hashText, hex8, mixHash } from './prng';
import type { MonthlyItem, Profile } from './profiles';

/** Days of history the bank keeps, counted back from today. */
export const HISTORY_DAYS = 730;
/** Longest time a card payment stays pending. */
const MAX_POSTING_DELAY = 4;

/**
 * The balance is pinned at the start of this fixed day (each account's anchorBalanceMinor)
 * rather than at the start of history: history slides forward with the clock, and a balance
 * pinned to it would jump each day as old transactions fall out of the window. Pinned here,
 * tomorrow's balance is exactly today's plus tomorrow's bookings, like a real account.
 */
export const BALANCE_ANCHOR_DATE = '2025-01-01';
const ANCHOR_DAY = dayOfDate(BALANCE_ANCHOR_DATE) ?? 0;
/** Days summed together and cached when computing balances far from the anchor. */
const BALANCE_BLOCK_DAYS = 64;

type DraftKind = 'monthly' | 'interest' | 'card' | 'card_abroad' | 'refund' | 'transfer_in' | 'transfer_out' | 'customer_payment';

/** One transaction as the generator decides it, before it is shown as pending or booked. */
interface Draft {
  /** Position within its made-day: ids and order derive from (madeDay, seq). */
  seq: number;
  madeDay: number;
  bookDay: number;
  /** Signed minor units of the account's currency. */
  amount: number;
  kind: DraftKind;
  partner: string;
  accountNumber?: string;
  reference: string;
  original?: { minor: number; currency: string; rate: string };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

function fillReference(template: string, day: number): string {
  const c = calendarDay(day);
  return template
    .replace('{monthName}', MONTH_NAMES[c.month - 1] ?? '')
    .replace('{month}', String(c.month))
    .replace('{year}', String(c.year));
}

/** dd.mm.yy as printed on card slips. */
function slipDate(day: number): string {
  const iso = dateOfDay(day);
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(2, 4)}`;
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** One rate per currency pair and day, shared by every account, wandering within ±1.5 %. */
function rateOfDay(baseRate: string, currency: string, day: number): string {
  return dailyRate(baseRate, (mixHash(day, hashText(currency)) % 301) - 150);
}

function monthlyDraft(item: MonthlyItem, day: number, rng: Rng): Omit<Draft, 'seq' | 'madeDay'> {
  const d: Omit<Draft, 'seq' | 'madeDay'> = {
    bookDay: day,
    amount: item.minor + (item.spread ? rng.int(-item.spread, item.spread) : 0),
    kind: 'monthly',
    partner: item.partner.name,
    reference: fillReference(item.reference, day),
  };
  if (item.partner.accountNumber) d.accountNumber = item.partner.accountNumber;
  return d;
}

/** Everything made on `day` on one account, in the order its ids sort. */
function generateMadeDay(profile: Profile, currency: string, daySeed: number, day: number): Draft[] {
  const rng = new Rng(daySeed);
  const out: Draft[] = [];
  const add = (d: Omit<Draft, 'seq' | 'madeDay'>): void => {
    // Filled in place rather than spread into a new object: two busy years make ~110k drafts.
    const draft = d as Draft;
    draft.seq = out.length;
    draft.madeDay = day;
    out.push(draft);
  };

  for (const item of profile.monthly) {
    if (isMonthlyExecutionDay(day, item.dueDay, item.shift)) add(monthlyDraft(item, day, rng));
  }

  const c = calendarDay(day);
  if (profile.quarterlyInterest && c.month % 3 === 0 && c.dayOfMonth === c.daysInMonth) {
    const [min, max] = profile.quarterlyInterest;
    add({ bookDay: day, amount: rng.int(min, max), kind: 'interest', partner: 'Demo Bank', reference: `Interest Q${c.month / 3} ${c.year}` });
  }

  const cards = profile.cards;
  if (cards) {
    const count = rng.int(cards.perDay[0], cards.perDay[1]);
    for (let i = 0; i < count; i++) {
      const time = clock(rng.int(7 * 60, 22 * 60));
      const delay = rng.int(1, MAX_POSTING_DELAY);
      if (cards.foreign.length > 0 && rng.chance(cards.foreignChance)) {
        const option = rng.pick(cards.foreign);
        const originalMinor = -rng.skewed(option.minor[0], option.minor[1]);
        const rate = rateOfDay(option.baseRate, option.currency, day);
        const merchant = rng.pick(option.merchants);
        add({
          bookDay: day + delay,
          amount: convertMinor(originalMinor, option.currency, rate, currency),
          kind: 'card_abroad',
          partner: merchant,
          reference: `Card payment ${merchant} ${rng.pick(option.cities)} ${slipDate(day)} ${time} card xx${cards.cardLast4} ${option.currency} ${formatAmount(-originalMinor, option.currency)} rate ${rate}`,
          original: { minor: originalMinor, currency: option.currency, rate },
        });
      } else {
        const merchant = rng.pick(cards.merchants);
        add({
          bookDay: day + delay,
          amount: -rng.skewed(cards.minor[0], cards.minor[1]),
          kind: 'card',
          partner: merchant,
          reference: `Card payment ${merchant} ${rng.pick(cards.cities)} ${slipDate(day)} ${time} card xx${cards.cardLast4}`,
        });
      }
    }
    if (rng.chance(cards.refundChance)) {
      const merchant = rng.pick(cards.merchants);
      add({
        bookDay: day + rng.int(1, MAX_POSTING_DELAY),
        amount: rng.skewed(cards.minor[0], cards.minor[1]),
        kind: 'refund',
        partner: merchant,
        reference: `Refund ${merchant} order ${rng.int(100_000, 999_999)} card xx${cards.cardLast4}`,
      });
    }
  }

  const transfers = profile.transfers;
  if (transfers && rng.chance(transfers.chance)) {
    const friend = rng.pick(transfers.friends);
    const incoming = rng.chance(transfers.incomingShare);
    const d: Omit<Draft, 'seq' | 'madeDay'> = {
      bookDay: day,
      amount: (incoming ? 1 : -1) * rng.int(transfers.minor[0], transfers.minor[1]),
      kind: incoming ? 'transfer_in' : 'transfer_out',
      partner: friend.name,
      reference: rng.pick(transfers.references),
    };
    if (friend.accountNumber) d.accountNumber = friend.accountNumber;
    add(d);
  }

  const customers = profile.customers;
  if (customers && c.weekday !== 0 && c.weekday !== 6) {
    const count = rng.int(customers.perDay[0], customers.perDay[1]);
    for (let i = 0; i < count; i++) {
      const payer = rng.pick(customers.payers);
      const d: Omit<Draft, 'seq' | 'madeDay'> = {
        bookDay: day,
        amount: rng.int(customers.minor[0], customers.minor[1]),
        kind: 'customer_payment',
        partner: payer.name,
        reference: `Invoice ${c.year}-${rng.int(10_000, 99_999)}`,
      };
      if (payer.accountNumber) d.accountNumber = payer.accountNumber;
      add(d);
    }
  }

  // Ids embed seq as 3 digits so that id order is (madeDay, seq) order; see AccountStream.
  if (out.length > 999) throw new RangeError(`too many demo transactions on day ${day}`);
  return out;
}

const compactDates = new Map<number, string>();

function compactDate(day: number): string {
  let text = compactDates.get(day);
  if (text === undefined) {
    text = dateOfDay(day).replaceAll('-', '');
    if (compactDates.size > 20_000) compactDates.clear();
    compactDates.set(day, text);
  }
  return text;
}

/** Salts so that the pending id, booked id and entry reference of one draft all differ. */
const ID_SALT = { P: 0x50, B: 0x42, E: 0x45 } as const;

/**
 * One account's transaction stream for one seed: generates made-days on demand, keeps the
 * last few (a page of a sync reads the same days again), and sums bookings for balances.
 */
export class AccountStream {
  readonly account: DemoAccount;
  private readonly key: number;
  private readonly recent = new Map<number, Draft[]>();
  private readonly blockSums = new Map<number, number>();

  constructor(
    private readonly seed: number,
    institutionId: string,
    account: DemoAccount,
  ) {
    this.account = account;
    this.key = hashText(`${institutionId}/${account.id}`);
  }

  private generate(day: number): Draft[] {
    return generateMadeDay(this.account.profile, this.account.currency, mixHash(this.seed, this.key, day), day);
  }

  private madeOn(day: number): Draft[] {
    let drafts = this.recent.get(day);
    if (!drafts) {
      drafts = this.generate(day);
      if (this.recent.size >= 32) {
        const oldest = this.recent.keys().next().value;
        if (oldest !== undefined) this.recent.delete(oldest);
      }
      this.recent.set(day, drafts);
    }
    return drafts;
  }

  private id(prefix: keyof typeof ID_SALT, d: Draft): string {
    const hash = hex8(mixHash(this.seed, this.key, d.madeDay, d.seq, ID_SALT[prefix]));
    return `${prefix}-${compactDate(d.madeDay)}${String(d.seq + 1000).slice(1)}-${hash}`;
  }

  private show(d: Draft, status: 'pending' | 'booked'): ProviderTransaction {
    const currency = this.account.currency;
    const id = this.id(status === 'pending' ? 'P' : 'B', d);
    const date = dateOfDay(status === 'pending' ? d.madeDay : d.bookDay);
    const t: ProviderTransaction = { id, date, amount: formatAmount(d.amount, currency), currency, paymentRef: d.reference, partnerName: d.partner };
    const raw: Record<string, unknown> = { status, kind: d.kind, transactionDate: dateOfDay(d.madeDay), bookingDate: status === 'booked' ? date : null };
    if (status === 'booked') {
      const entryReference = this.id('E', d);
      t.otherIds = [{ kind: 'entry_reference', id: entryReference }];
      raw['entryReference'] = entryReference;
    }
    if (d.accountNumber) t.accountNumber = d.accountNumber;
    if (d.original) {
      t.originalAmount = formatAmount(d.original.minor, d.original.currency);
      t.originalCurrency = d.original.currency;
      t.exchangeRate = d.original.rate;
      raw['instructedAmount'] = { amount: t.originalAmount, currency: t.originalCurrency, rate: t.exchangeRate };
    }
    t.raw = raw;
    return t;
  }

  /** Transactions booked on `day`, in id order (made-day, then seq). */
  bookedOn(day: number): ProviderTransaction[] {
    const out: ProviderTransaction[] = [];
    for (let made = day - MAX_POSTING_DELAY; made <= day; made++) {
      for (const d of this.madeOn(made)) if (d.bookDay === day) out.push(this.show(d, 'booked'));
    }
    return out;
  }

  /** Transactions booked in [from, to] (days, inclusive), ordered by booking date then id. */
  bookedBetween(from: number, to: number): ProviderTransaction[] {
    if (to < from) return [];
    // One pass over the made-days, bucketed by booking day: made-day order within a bucket is
    // already id order, so nothing needs sorting.
    const buckets: Draft[][] = Array.from({ length: to - from + 1 }, () => []);
    for (let made = from - MAX_POSTING_DELAY; made <= to; made++) {
      for (const d of this.generate(made)) {
        if (d.bookDay >= from && d.bookDay <= to) buckets[d.bookDay - from]?.push(d);
      }
    }
    return buckets.flat().map((d) => this.show(d, 'booked'));
  }

  /** What is pending at the end of `today`: made by then, booked later. */
  pendingOn(today: number): ProviderTransaction[] {
    const out: ProviderTransaction[] = [];
    for (let made = today - MAX_POSTING_DELAY + 1; made <= today; made++) {
      for (const d of this.madeOn(made)) if (d.bookDay > today) out.push(this.show(d, 'pending'));
    }
    return out;
  }

  /** Sum of bookings in [from, to) (days), straight from the generator. */
  private bookedSum(from: number, to: number): number {
    let sum = 0;
    for (let made = from - MAX_POSTING_DELAY; made < to; made++) {
      for (const d of this.generate(made)) if (d.bookDay >= from && d.bookDay < to) sum += d.amount;
    }
    return sum;
  }

  private blockSum(block: number): number {
    let sum = this.blockSums.get(block);
    if (sum === undefined) {
      const start = ANCHOR_DAY + block * BALANCE_BLOCK_DAYS;
      sum = this.bookedSum(start, start + BALANCE_BLOCK_DAYS);
      this.blockSums.set(block, sum);
    }
    return sum;
  }

  /** The booked balance at the start of `day` (minor units): everything booked before it. */
  balanceBefore(day: number): number {
    const block = Math.floor((day - ANCHOR_DAY) / BALANCE_BLOCK_DAYS);
    let balance = this.account.anchorBalanceMinor;
    for (let b = 0; b < block; b++) balance += this.blockSum(b);
    for (let b = block; b < 0; b++) balance -= this.blockSum(b);
    return balance + this.bookedSum(ANCHOR_DAY + block * BALANCE_BLOCK_DAYS, day);
  }
}

const streams = new Map<string, AccountStream>();

/** The stream of one account of one institution for one seed (shared, it caches). */
export function accountStream(seed: number, institutionId: string, accountId: string): AccountStream {
  const key = `${seed}|${institutionId}|${accountId}`;
  let stream = streams.get(key);
  if (!stream) {
    const account = findInstitution(institutionId)?.accounts.find((a) => a.id === accountId);
    if (!account) throw new RangeError(`Demo Bank has no account ${accountId} at ${institutionId}`);
    stream = new AccountStream(seed, institutionId, account);
    streams.set(key, stream);
  }
  return stream;
}

export interface BankLedger {
  /** Everything booked from the start of history to today, by date then id. */
  posted: ProviderTransaction[];
  /** Everything pending now. */
  pending: ProviderTransaction[];
  /** The booked balance now (decimal text): openingBalance + all of `posted`. */
  balance: string;
  /** The balance at the start of history (decimal text). */
  openingBalance: string;
}

/** The bank's truth for one account at `now`: what tests compare a synchronized ledger with. */
export function bankLedger(opts: { seed: number; institutionId: string; accountId: string; now: Date }): BankLedger {
  const stream = accountStream(opts.seed, opts.institutionId, opts.accountId);
  const currency = stream.account.currency;
  const today = dayOfInstant(opts.now);
  const start = today - HISTORY_DAYS;
  const posted = stream.bookedBetween(start, today);
  const opening = stream.balanceBefore(start);
  return {
    posted,
    pending: stream.pendingOn(today),
    balance: formatAmount(stream.balanceBefore(today + 1), currency),
    openingBalance: formatAmount(opening, currency),
  };
}
