// One bank account, one journal: a second connection to an account already synchronized offers
// that journal and continues it, on the real ledger and the Demo Bank's consent pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '../../../preload/api';
import type { Core } from '../../../main/core/index';
import { completeConsentHeadlessly } from '../../../main/providers/demo/autopilot';
import { bankLedger } from '../../../main/providers/demo/generator';
import { DEFAULT_SEED } from '../../../main/providers/demo/index';
import { parseAmount } from '../../../main/ledger/money';
import { tempCore } from '../../helpers/core';
import { FakeClock } from '../../helpers/ledger';
import { MemoryVault } from '../../helpers/memory-vault';

function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`API error ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Connects demo-plain the way the user would: the bank's pages, then the loopback redirect. */
async function connectDemoPlain(core: Core) {
  const started = ok(await core.api.startConnect({ provider: 'demo', institution_id: 'demo-plain' }));
  const finishing = core.api.finishConnect({ flow_id: started.flow_id, timeout_ms: 30_000 });
  await fetch(await completeConsentHeadlessly(started.consent_url));
  return ok(await finishing);
}

/** The journal's bank lines and the provider transaction ids they were recorded under. */
function journalLines(core: Core, journalId: number) {
  const lines = core.db.prepare(`SELECT id FROM statement_lines WHERE journal_id = ? AND kind = 'bank'`).pluck().all(journalId) as number[];
  const ids = core.db.prepare(
    `SELECT DISTINCT p.provider_id, p.line_id FROM line_provider_ids p JOIN statement_lines l ON l.id = p.line_id
     WHERE l.journal_id = ? AND p.kind = 'transaction'`,
  ).all(journalId) as { provider_id: string; line_id: number }[];
  return { lines, ids };
}

test('the same Demo Bank account connected twice continues its journal: no new journal, no doubled line, the bank balance', async (t) => {
  const clock = FakeClock.at('2026-06-15T10:00:00Z');
  const vault = new MemoryVault();
  const core = tempCore(t, { now: clock.now, vault: async () => vault });

  const first = await connectDemoPlain(core);
  assert.ok(first.accounts.every((a) => a.same_as_journal_id === null), 'nothing to continue on a first connection');
  const journals = ok(await core.api.linkAccounts({
    connection_id: first.connection.id,
    links: first.accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  }));
  assert.ok(ok(await core.api.synchronize({ connection_ids: [first.connection.id] }))[0]!.ok);
  const current = journals.find((j) => j.currency === 'EUR' && j.name === 'Current Account')!;
  const before = journalLines(core, current.id);

  // Five days later the same bank is connected again (a second consent, a second connection).
  clock.advanceDays(5);
  const second = await connectDemoPlain(core);
  assert.notEqual(second.connection.id, first.connection.id);
  const linked = ok(await core.api.listAccounts({ connection_id: first.connection.id }));
  const byAccount = new Map(linked.map((a) => [a.provider_account_id, a.journal_id]));
  for (const a of second.accounts) {
    assert.equal(a.journal_id, null);
    assert.equal(a.same_as_journal_id, byAccount.get(a.provider_account_id), `${a.name} offers the journal it already fills`);
  }
  assert.deepEqual(ok(await core.api.listAccounts({ connection_id: second.connection.id })).map((a) => a.same_as_journal_id),
    second.accounts.map((a) => a.same_as_journal_id), 'listAccounts says the same');

  // A new journal for it would fill a second journal with the same history: refused, nothing written.
  const refused = await core.api.linkAccounts({
    connection_id: second.connection.id,
    links: [{ provider_account_id: 'plain-current-eur', journal: { new: { name: 'Current again' } } }],
  });
  assert.equal(!refused.ok && refused.error.code, 'already_linked');
  assert.match(!refused.ok ? refused.error.message : '', new RegExp(`journal ${current.code}`));
  assert.equal(ok(await core.api.listJournals({})).length, 3);

  // Continue: every account goes on in its own journal.
  const continued = ok(await core.api.linkAccounts({
    connection_id: second.connection.id,
    links: second.accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { existing: a.same_as_journal_id! } })),
  }));
  assert.deepEqual(continued.map((j) => j.id).sort(), journals.map((j) => j.id).sort());
  const firstAccounts = ok(await core.api.listAccounts({ connection_id: first.connection.id }));
  assert.ok(firstAccounts.every((a) => a.journal_id === null), 'the first connection lets go of the journals');
  assert.ok(ok(await core.api.listAccounts({ connection_id: second.connection.id })).every((a) => a.same_as_journal_id === null));

  const [summary] = ok(await core.api.synchronize({ connection_ids: [second.connection.id] }));
  assert.ok(summary!.ok, JSON.stringify(summary));
  ok(await core.api.synchronize({ connection_ids: [first.connection.id] }));

  const all = ok(await core.api.listJournals({}));
  assert.equal(all.length, 3, 'still one journal per account');
  const after = journalLines(core, current.id);
  assert.ok(after.lines.length > before.lines.length, 'the five new days are recorded');
  // No doubled line: every bank transaction is one line, whichever connection brought it.
  const lineOf = new Map<string, Set<number>>();
  for (const { provider_id, line_id } of after.ids) lineOf.set(provider_id, (lineOf.get(provider_id) ?? new Set()).add(line_id));
  const bank = bankLedger({ seed: DEFAULT_SEED, institutionId: 'demo-plain', accountId: 'plain-current-eur', now: clock.now() });
  for (const tx of bank.posted) assert.equal(lineOf.get(tx.id)?.size, 1, `bank transaction ${tx.id} is one line`);
  assert.equal(new Set(after.ids.map((x) => x.line_id)).size, after.lines.length, 'every line is a bank transaction');
  assert.equal(lineOf.size, after.lines.length, 'and none twice');

  const journal = all.find((j) => j.id === current.id)!;
  assert.equal(journal.balance, parseAmount(bank.balance, 'EUR'));
  assert.equal(journal.bank_balance, journal.balance);
  assert.equal(core.db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE journal_id = ? AND kind = 'opening'`).pluck().get(current.id),
    core.db.prepare(`SELECT COUNT(*) FROM statement_lines WHERE journal_id = ? AND kind = 'opening' AND online_account_id != ?`)
      .pluck().get(current.id, second.accounts.find((a) => a.provider_account_id === 'plain-current-eur')!.id),
    'no second opening line');
  assert.deepEqual(ok(await core.api.checkIntegrity({})), []);
  const chatter = ok(await core.api.listChatter({ journal_id: current.id }));
  assert.ok(chatter.some((c) => /continues this journal/.test(c.text)), 'the journal says it was continued');
});

test('only the journal the account already fills may be continued; another existing journal is refused', async (t) => {
  const clock = FakeClock.at('2026-06-15T10:00:00Z');
  const vault = new MemoryVault();
  const core = tempCore(t, { now: clock.now, vault: async () => vault });
  const first = await connectDemoPlain(core);
  const journals = ok(await core.api.linkAccounts({
    connection_id: first.connection.id,
    links: first.accounts.map((a) => ({ provider_account_id: a.provider_account_id, journal: { new: { name: a.name } } })),
  }));
  const second = await connectDemoPlain(core);
  const current = second.accounts.find((a) => a.provider_account_id === 'plain-current-eur')!;
  const other = journals.find((j) => j.id !== current.same_as_journal_id && j.currency === 'EUR')!;
  const r = await core.api.linkAccounts({ connection_id: second.connection.id, links: [{ provider_account_id: current.provider_account_id, journal: { existing: other.id } }] });
  assert.equal(!r.ok && r.error.code, 'already_linked');
});
