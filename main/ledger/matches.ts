import type { ChatterView, LineView } from '../../preload/api';
import { postChatter } from './chatter';
import type { Db } from './db';
import { getLine } from './lines';
import { assertLineUnlocked } from './period-lock';

// Undo of a guessed match. A posted line that took over a pending one by amount and date (no
// link from the bank) carries that pending id as `pending_matched`; the user may know better.
// Undoing removes the guess only: the line and its money stay. If the bank still lists the
// payment as pending, the next synchronization shows it as pending again; when it posts, it
// arrives as its own line. A match the bank itself linked is the bank's word: not undone here.

export class MatchError extends Error {
  override readonly name = 'MatchError';
}

export function undoMatch(db: Db, lineId: number, at: Date): { line: LineView; chatter: ChatterView } {
  return db.transaction(() => {
    const line = getLine(db, lineId);
    if (!line) throw new MatchError(`There is no line ${lineId}.`);
    const guessed = line.provider_ids.filter((p) => p.kind === 'pending_matched').map((p) => p.id);
    if (guessed.length === 0) {
      // A reason alone is no link: it may say why a pending line was NOT taken (another partner).
      throw new MatchError(line.provider_ids.some((p) => p.kind === 'pending')
        ? 'The bank itself linked this line to its pending payment: that match cannot be undone.'
        : 'This line was not matched to a pending payment: there is nothing to undo.');
    }
    assertLineUnlocked(db, line.journal_id, line.date, `The line "${line.payment_ref}"`, 'unmatched');
    const drop = db.prepare(`DELETE FROM line_provider_ids WHERE line_id = ? AND provider_id = ? AND kind = 'pending_matched'`);
    for (const id of guessed) drop.run(lineId, id);
    db.prepare('UPDATE statement_lines SET match_reason = NULL WHERE id = ?').run(lineId);
    const chatter = postChatter(db, {
      journalId: line.journal_id, level: 'info', at,
      text: `Match undone: "${line.payment_ref}" is no longer taken for the pending payment ${guessed.join(', ')}.`,
      message: { key: 'line.match_undone', params: { ref: line.payment_ref, pending: guessed.join(', ') } },
    });
    return { line: getLine(db, lineId)!, chatter };
  })();
}
