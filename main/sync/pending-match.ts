// Which pending line a posted one replaces when the bank gives no link (README, "Posted
// only"). Amount and date alone pair different merchants that happen to cost the same (a
// Chipotle pending taken for a Netflix posting), so the partner decides first:
// - Partners are compared by name after normalization (partnerKey): case, accents and
//   punctuation ignored, tokens holding digits (store numbers, terminal ids), leading card
//   processor tags (SQ *, TST*) and trailing legal or web suffixes (Inc, LLC, GmbH, .com, …)
//   dropped. Two names are the same partner
//   when every word of the shorter one is in the longer one ("SQ *CHIPOTLE 1234" and
//   "Chipotle Mexican Grill" are; "Chipotle" and "Netflix" are not).
// - Both sides name a partner and they differ: never paired, and the posted line says why.
// - Only one side names a partner: its name found among the other's payment reference words
//   counts as the same partner. A payment reference alone never refuses a pair: it is free
//   text (card numbers, dates, "POS PURCHASE"), too noisy to say two payments differ.
// - Among what is left: the same partner first, then the closest date, then the order the
//   bank listed them.
import { addDays, daysBetween } from './dates';
import type { IncomingLine } from './normalize';

/** How many days before a posted line its pending version may be dated. */
export const PENDING_MATCH_DAYS = 8;

export interface PendingCandidate {
  id: number;
  provider_id: string;
  date: string;
  amount: number;
  currency: string;
  payment_ref: string | null;
  partner_name: string | null;
}

export type PendingMatch<R extends PendingCandidate> =
  | { row: R; reason: string; linked: boolean }
  /** Nothing paired because the only candidates named another partner: `reason` says so. */
  | { row: null; reason: string; linked: false };

/** Trailing words that name a company's legal form or web address, not the company. */
const SUFFIXES = new Set([
  'inc', 'incorporated', 'llc', 'llp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'plc',
  'gmbh', 'ag', 'kg', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'aps', 'pty',
  'com', 'net', 'org', 'www',
]);

/** Leading words card processors put before the merchant (Square's "SQ *", Toast's "TST*", …). */
const PREFIXES = new Set(['www', 'sq', 'tst', 'sp', 'pp', 'paypal']);

/**
 * A partner name (or payment reference) as comparable words, or null when nothing is left:
 * accents and case folded, punctuation as spaces, words with digits dropped, card processors'
 * prefixes dropped from the start and legal and web suffixes from the end ("Netflix.com", "NETFLIX INC." and "netflix" agree).
 */
export function partnerKey(name: string | null | undefined): string[] | null {
  if (!name) return null;
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '' && !/\d/.test(w));
  while (words.length > 1 && PREFIXES.has(words[0]!)) words.shift();
  while (words.length > 1 && SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.length > 0 ? words : null;
}

/** Every word of the shorter list is in the longer one. */
function within(a: string[], b: string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const set = new Set(long);
  return short.every((w) => set.has(w));
}

type Partner = 'same' | 'different' | 'unknown';

/** Whether a posted line and a pending one name the same partner (see the rules above). */
export function comparePartners(
  posted: { partnerName: string | null; paymentRef: string | null },
  pending: { partner_name: string | null; payment_ref: string | null },
): Partner {
  const a = partnerKey(posted.partnerName);
  const b = partnerKey(pending.partner_name);
  if (a && b) return within(a, b) ? 'same' : 'different';
  // One name at most: look for it among the other side's reference words.
  const name = a ?? b;
  const ref = partnerKey(a ? pending.payment_ref : posted.paymentRef);
  if (name && ref && within(name, ref) && name.length <= ref.length) return 'same';
  return 'unknown';
}

function ago(gap: number): string {
  return gap === 0 ? 'the same day' : gap === 1 ? '1 day before' : `${gap} days before`;
}

/**
 * The pending line a posted one replaces: the provider's link first, then the same id, then
 * the same amount and currency dated within the 8 days before the posted date, by partner
 * then date (see above). The reason is kept on the line so the user sees why; a pair refused
 * because the partners differ is also said there.
 */
export function matchPending<R extends PendingCandidate>(line: IncomingLine, pending: readonly R[]): PendingMatch<R> | null {
  if (pending.length === 0) return null;
  if (line.pendingId !== null) {
    const row = pending.find((p) => p.provider_id === line.pendingId);
    if (row) return { row, reason: `Replaces pending line ${row.provider_id} (linked by the provider)`, linked: true };
  }
  const sameId = pending.find((p) => line.ids.some((x) => x.id === p.provider_id));
  if (sameId) return { row: sameId, reason: `Replaces pending line ${sameId.provider_id} (same id)`, linked: true };
  const earliest = addDays(line.date, -PENDING_MATCH_DAYS);
  let best: { row: R; gap: number; same: boolean } | null = null;
  const refused: R[] = [];
  for (const p of pending) {
    if (p.amount !== line.amount || p.currency !== line.currency) continue;
    if (p.date < earliest || p.date > line.date) continue;
    const partner = comparePartners(line, p);
    if (partner === 'different') {
      refused.push(p);
      continue;
    }
    const gap = daysBetween(p.date, line.date);
    const same = partner === 'same';
    if (!best || (same && !best.same) || (same === best.same && gap < best.gap)) best = { row: p, gap, same };
  }
  if (best) {
    return {
      row: best.row,
      reason: `Replaces pending line ${best.row.provider_id}: same amount and currency, dated ${ago(best.gap)}`
        + (best.same ? `, same partner (${line.partnerName ?? best.row.partner_name})` : ''),
      linked: false,
    };
  }
  if (refused.length > 0) {
    const names = [...new Set(refused.map((p) => p.partner_name))].join(', ');
    return {
      row: null,
      reason: `Not taken for pending line${refused.length === 1 ? '' : 's'} ${refused.map((p) => p.provider_id).join(', ')} of the same amount: `
        + `another partner (${names}, not ${line.partnerName})`,
      linked: false,
    };
  }
  return null;
}
