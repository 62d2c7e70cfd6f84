// The Journal screen in real Chromium: statements with their complete / valid flags and the
// flagged difference after a line is dismissed, pending lines apart and greyed, a line's detail
// (provider ids, original amount and currency, why it was matched), and the virtualized lines
// table of a busy account (~113k lines, a few dozen rows in the DOM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { LineView } from '../../preload/api';
import { useChromium, openApp, screenshot } from './harness';
import { accessibility, connectDemo, goto, ok, watchCsp } from './support';

const START = Date.parse('2026-06-15T10:00:00Z');
const DAY = 86_400_000;
const ROW = 36;

const browser = useChromium();

async function openJournal(page: Page, id: number): Promise<void> {
  await goto(page, '#/');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await goto(page, `#/journal/${id}`);
  await page.getByTestId('journal-page').waitFor();
  await page.getByTestId('line-row').first().getByRole('button').waitFor();
}

/** Scrolls the lines table so that line `index` is in view and returns its row. */
async function rowOf(page: Page, index: number, line: LineView) {
  await page.getByTestId('lines-table').locator('.vscroll').evaluate((el, top) => {
    el.scrollTop = top;
  }, Math.max(0, index * ROW - 72));
  const row = page.locator(`[data-testid=line-row][aria-rowindex="${index + 2}"]`);
  await row.getByRole('button').waitFor();
  assert.ok((await row.innerText()).includes(line.payment_ref), `row ${index} shows ${line.payment_ref}`);
  return row;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('statements, pending lines, a line\'s detail and a flagged difference', { timeout: 60_000 }, async (t) => {
  let now = START;
  const app = await openApp(browser(), { now: () => new Date(now) });
  t.after(() => app.close());
  const { page, core } = app;
  const problems = watchCsp(page);
  const connection = await connectDemo(core, 'demo-plain', { accounts: ['plain-current-eur'] });
  // Four days later the pending card payments are booked: the booked lines say why they were matched.
  now += 4 * DAY;
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  const journal = ok(await core.api.listJournals({})).find((j) => j.connection_id === connection.id)!;
  const lines = ok(await core.api.listLines({ journal_id: journal.id, offset: 0, limit: journal.line_count }));
  const pending = ok(await core.api.listPendingLines({ journal_id: journal.id }));
  const statements = ok(await core.api.listStatements({ journal_id: journal.id }));
  assert.ok(pending.length > 0, 'demo-plain has pending card payments');

  await openJournal(page, journal.id);
  const table = page.getByTestId('lines-table');
  assert.equal(Number(await table.getAttribute('data-line-count')), journal.line_count);

  // Statements with their flags, as the ledger has them.
  const rows = page.getByTestId('statement-row');
  assert.equal(await rows.count(), statements.length);
  for (const s of statements) {
    const row = rows.filter({ has: page.getByRole('button', { name: s.name, exact: true }) });
    const text = await row.innerText();
    assert.match(text, s.is_complete ? /\bComplete\b/ : /\bIncomplete\b/, `${s.name}: complete flag`);
    assert.match(text, s.is_valid ? /\bValid\b/ : /Chain broken/, `${s.name}: valid flag`);
    assert.equal(await row.getByTestId('statement-difference').count(), s.difference !== 0 ? 1 : 0, `${s.name}: difference flag`);
  }

  // Pending lines apart from the table and greyed.
  const pendingSection = page.getByTestId('pending-lines');
  assert.equal(await pendingSection.locator('tbody tr').count(), pending.length);
  assert.equal(await table.getByTestId('pending-lines').count(), 0, 'not inside the lines table');
  const look = await pendingSection.locator('tbody td').first().evaluate((td) => ({ style: getComputedStyle(td).fontStyle, color: getComputedStyle(td).color }));
  const normal = await table.locator('[data-testid=line-row] .c-ref').first().evaluate((el) => getComputedStyle(el).color);
  assert.equal(look.style, 'italic', 'pending lines are set apart in italics');
  assert.notEqual(look.color, normal, 'pending lines are greyed');
  await accessibility(page, 'journal');
  await screenshot(page, 'journal-01-statements');

  // A foreign card payment: every provider id, the original amount and currency, the rate.
  const foreignIndex = lines.findLastIndex((l) => l.foreign_currency !== null && l.foreign_amount !== null);
  const foreign = lines[foreignIndex]!;
  await (await rowOf(page, foreignIndex, foreign)).getByRole('button').click();
  const detail = page.getByTestId('line-detail');
  await detail.waitFor();
  const detailText = await detail.innerText();
  for (const p of foreign.provider_ids) assert.ok(detailText.includes(p.id), `provider id ${p.kind} ${p.id}`);
  const original = new Intl.NumberFormat('en-US', { style: 'currency', currency: foreign.foreign_currency! }).format(foreign.foreign_amount! / 100);
  assert.match(detailText, new RegExp(escape(original.replace(/\s/g, ' ')).replace(/ /g, '\\s')), 'the original amount in its currency');
  assert.ok(detailText.includes(foreign.exchange_rate!), 'the exchange rate');
  await accessibility(page, 'line detail');
  await screenshot(page, 'journal-02-line-detail-foreign');
  await detail.getByRole('button', { name: 'Close' }).click();
  await detail.waitFor({ state: 'detached' });

  // A booked card payment that replaced a pending one: why it was matched.
  const matchedIndex = lines.findIndex((l) => l.match_reason !== null);
  assert.ok(matchedIndex >= 0, 'a booked line replaced a pending one');
  const matched = lines[matchedIndex]!;
  await (await rowOf(page, matchedIndex, matched)).getByRole('button').click();
  await detail.waitFor();
  const matchedText = await detail.innerText();
  assert.ok(matchedText.includes(matched.match_reason!), 'the match reason');
  for (const p of matched.provider_ids) assert.ok(matchedText.includes(p.id), `provider id ${p.kind} ${p.id}`);
  await screenshot(page, 'journal-03-line-detail-matched');
  // The Demo Bank links nothing: the match is a guess by amount and date, which the user may undo.
  const guess = matched.provider_ids.find((p) => p.kind === 'pending_matched');
  assert.ok(guess, 'a guessed match');
  await detail.getByRole('button', { name: 'Undo this match' }).click();
  await detail.getByRole('button', { name: 'Undo this match' }).waitFor({ state: 'detached' });
  assert.equal((await detail.innerText()).includes(guess.id), false, 'the pending id is no longer on the line');
  const after = ok(await core.api.listLines({ journal_id: journal.id, offset: matchedIndex, limit: 1 }))[0]!;
  assert.deepEqual([after.id, after.match_reason, after.amount], [matched.id, null, matched.amount], 'the line and its money stay');
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });
  await page.getByTestId(`chatter-j${journal.id}`).getByText(`Match undone: "${matched.payment_ref}"`).waitFor();

  // Remove a line from its detail: the lines no longer add up to the bank's balance, and the
  // ledger flags the difference on the statement that ends at the bank's balance (the last one).
  const victimIndex = lines.findIndex((l) => l.kind === 'bank' && l.amount !== 0);
  const victim = lines[victimIndex]!;
  await (await rowOf(page, victimIndex, victim)).getByRole('button').click();
  await detail.getByRole('button', { name: 'Remove from the ledger' }).click();
  await detail.getByTestId('remove-confirm').waitFor();
  await accessibility(page, 'removing a line');
  await screenshot(page, 'journal-04a-remove-confirm');
  await detail.getByRole('button', { name: 'Remove the line' }).click();
  await detail.waitFor({ state: 'detached' });
  const removedRow = page.getByTestId('removed-line').filter({ hasText: victim.payment_ref });
  await removedRow.waitFor();
  assert.equal(Number(await table.getAttribute('data-line-count')), journal.line_count - 1, 'the table has one line less');
  const flagged = ok(await core.api.listStatements({ journal_id: journal.id })).find((s) => s.difference !== 0);
  assert.ok(flagged, 'the ledger flags a statement');
  assert.equal(flagged.difference, victim.amount, 'by the removed amount');
  const flaggedRow = rows.filter({ has: page.getByRole('button', { name: flagged.name, exact: true }) });
  const difference = flaggedRow.getByTestId('statement-difference');
  await difference.waitFor();
  const amount = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR', signDisplay: 'exceptZero' }).format(flagged.difference / 100);
  assert.ok((await difference.innerText()).includes(amount), `the difference ${amount} is shown`);
  assert.equal(await page.getByTestId('statement-difference').count(), 1, 'only that statement is flagged');
  await accessibility(page, 'journal with a flagged difference');
  await screenshot(page, 'journal-04-difference');

  // A synchronization does not bring it back; Import again does, and the flag goes.
  ok(await core.api.synchronize({ connection_ids: [connection.id] }));
  assert.equal(ok(await core.api.listLines({ journal_id: journal.id, search: victim.payment_ref })).some((l) => l.provider_ids.some((p) => victim.provider_ids.some((v) => v.id === p.id))), false, 'still removed after a sync');
  await removedRow.getByRole('button', { name: `Import again: ${victim.payment_ref}` }).click();
  await removedRow.waitFor({ state: 'detached' });
  await page.getByTestId('statement-difference').waitFor({ state: 'detached' });
  assert.equal(ok(await core.api.listStatements({ journal_id: journal.id })).every((st) => st.difference === 0), true, 'no statement is flagged');
  assert.deepEqual(problems, [], 'no CSP violation or page error');
});

test('a busy account: the virtualized table keeps a few dozen rows and reaches the last line', { timeout: 60_000 }, async (t) => {
  const app = await openApp(browser(), { now: () => new Date(START) });
  t.after(() => app.close());
  const { page, core } = app;
  const connection = await connectDemo(core, 'demo-busy');
  const journal = ok(await core.api.listJournals({})).filter((j) => j.connection_id === connection.id).sort((a, b) => b.line_count - a.line_count)[0]!;
  assert.ok(journal.line_count > 100_000, `demo-busy has ${journal.line_count} lines`);
  const [last] = ok(await core.api.listLines({ journal_id: journal.id, offset: journal.line_count - 1, limit: 1 }));

  await openJournal(page, journal.id);
  const table = page.getByTestId('lines-table');
  assert.equal(Number(await table.getAttribute('data-line-count')), journal.line_count);
  const rendered = () => page.getByTestId('line-row').count();
  assert.ok((await rendered()) < 60, `only a few dozen rows in the DOM (${await rendered()})`);

  // Scroll halfway in steps, then to the end.
  const scroller = table.locator('.vscroll');
  for (const f of [0.25, 0.5, 0.75]) {
    await scroller.evaluate((el, x) => {
      el.scrollTop = el.scrollHeight * x;
    }, f);
    const index = Math.floor((journal.line_count * ROW * f) / ROW);
    await page.locator(`[data-testid=line-row][aria-rowindex="${index + 2}"]`).getByRole('button').waitFor();
    assert.ok((await rendered()) < 60, `few rows at ${f * 100}%`);
  }
  await scroller.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const lastRow = page.locator(`[data-testid=line-row][aria-rowindex="${journal.line_count + 1}"]`);
  await lastRow.getByRole('button').waitFor();
  assert.ok((await lastRow.innerText()).includes(last!.payment_ref), 'the last line is shown at the end');
  assert.ok((await rendered()) < 60, `few rows at the end (${await rendered()})`);
  await accessibility(page, 'busy journal');
  await screenshot(page, 'journal-05-busy-end');
});
