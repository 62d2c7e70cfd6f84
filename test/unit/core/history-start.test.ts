// A new journal may start its history on a chosen date: checked when linking, kept on the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCore } from '../../helpers/core';
import { seedConnection } from '../../helpers/ledger';

test('linking an account with a history start: a real past date is kept, a future or malformed one refused', async (t) => {
  const core = tempCore(t, { now: () => new Date('2026-03-20T10:00:00Z') });
  const { connectionId } = seedConnection(core.db);
  for (const id of ['acc-2', 'acc-3']) {
    core.db.prepare(`INSERT INTO online_accounts (connection_id, provider_account_id, name, currency) VALUES (?, ?, ?, 'EUR')`).run(connectionId, id, `Account ${id}`);
  }
  const link = (id: string, history_from: string) =>
    core.api.linkAccounts({ connection_id: connectionId, links: [{ provider_account_id: id, journal: { new: { name: `Journal ${id}`, history_from } } }] });

  for (const bad of ['2026-02-30', '01/01/2026', '2026-1-1']) {
    const r = await link('acc-2', bad);
    assert.equal(r.ok, false, `${bad} is refused`);
    assert.equal(!r.ok && r.error.code, 'invalid_argument');
  }
  const future = await link('acc-2', '2026-04-01');
  assert.equal(!future.ok && future.error.code, 'invalid_argument');
  assert.match(!future.ok ? future.error.message : '', /future/);

  const r = await link('acc-2', '2026-01-01');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value[0]!.history_from, '2026-01-01');
  const journals = await core.api.listJournals({});
  assert.ok(journals.ok);
  assert.deepEqual(journals.value.map((j) => j.history_from), [null, '2026-01-01'], 'kept on that journal only');
});
