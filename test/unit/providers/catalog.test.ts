import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  catalogIsStale, catalogStatus, foldText, ftsQuery, refreshCatalog, refreshStaleCatalog, searchInstitutions,
} from '../../../main/providers/catalog';
import { DEMO_INSTITUTIONS, DemoBank } from '../../../main/providers/demo/index';
import type { Institution, Provider, ProviderName } from '../../../main/providers/types';
import { tempLedger } from '../../helpers/ledger';

const NOW = new Date('2026-11-01T08:00:00Z');
const DAY = 86_400_000;

/** A provider that only lists institutions; `fail` makes the next listings throw. */
class FakeProvider implements Provider {
  readonly displayName: string;
  fail: Error | null = null;
  calls = 0;
  constructor(readonly name: ProviderName, public list: Institution[]) {
    this.displayName = `Fake ${name}`;
  }
  async listInstitutions(): Promise<Institution[]> {
    this.calls++;
    if (this.fail) throw this.fail;
    return this.list.map((i) => ({ ...i }));
  }
  async startConsent(): Promise<{ url: string }> { throw new Error('unused'); }
  async completeConsent(): Promise<never> { throw new Error('unused'); }
  async listAccounts(): Promise<never> { throw new Error('unused'); }
  async fetchTransactions(): Promise<never> { throw new Error('unused'); }
}

const inst = (id: string, name: string, country: string, more: Partial<Institution> = {}): Institution =>
  ({ id, name, country, beta: false, historyDays: 730, automaticSync: true, ...more });

function gocardless(): FakeProvider {
  return new FakeProvider('gocardless', [
    inst('SOCIETE_GENERALE_SOGEFRPP', 'Société Générale', 'FR', { bic: 'SOGEFRPP', unattendedPerDay: 4 }),
    inst('BNP_PARIBAS_BNPAFRPP', 'BNP Paribas', 'FR', { bic: 'BNPAFRPP' }),
    inst('ING_INGBNL2A', 'ING', 'NL', { bic: 'INGBNL2A' }),
    inst('ING_BBRUBEBB', 'ING Belgium', 'BE', { bic: 'BBRUBEBB' }),
    inst('INGDIBA_INGDDEFF', 'ING-DiBa', 'DE', { bic: 'INGDDEFF', historyDays: 90 }),
    inst('RABOBANK_RABONL2U', 'Rabobank', 'NL', { bic: 'RABONL2U', logo: 'https://cdn.example/rabo.png' }),
    inst('SPARKASSE_KOELNBONN', 'Sparkasse KölnBonn', 'DE', { bic: 'COLSDE33', beta: true, historyDays: 540 }),
    inst('ORESUND', 'Øresund Sparekasse', 'DK', {}),
  ]);
}

function enablebanking(): FakeProvider {
  return new FakeProvider('enablebanking', [
    // Same BIC as GoCardless's entry, other name and id: the same bank.
    inst('FR/Societe Generale', 'SOCIETE GENERALE', 'FR', { bic: 'SOGEFRPPXXX', beta: true, historyDays: 180, mfa: true }),
    // No BIC: the same bank by name and country.
    inst('NL/Rabobank', 'Rabobank N.V.', 'NL', { historyDays: 365, automaticSync: false }),
    inst('FI/Nordea', 'Nordea', 'FI', { bic: 'NDEAFIHH' }),
  ]);
}

function fixture(t: { after(fn: () => void): void }) {
  const ledger = tempLedger();
  t.after(ledger.cleanup);
  return ledger.db;
}

const names = (rows: { name: string }[]) => rows.map((r) => r.name);

test('folding and the FTS query: accents, case, punctuation, and nothing of the FTS syntax survives', () => {
  assert.equal(foldText('Société Générale'), 'societe generale');
  assert.equal(foldText('Øresund  Sparekasse A/S'), 'oresund sparekasse a s');
  assert.equal(foldText('Straße'), 'strasse');
  assert.equal(ftsQuery('soc gen'), '"soc"* "gen"*');
  assert.equal(ftsQuery('"ab" OR b* NEAR(cd e) {name}: -x ^y'), '"ab"* "or"* "near"* "cd"* "name"* "x"*');
  // A lone letter before the last word is left out beside longer words; a word that is the
  // prefix of another adds nothing.
  assert.equal(ftsQuery("Caisse d'Epargne"), '"caisse"* "epargne"*');
  assert.equal(ftsQuery('so soc g'), '"soc"* "g"*');
  assert.equal(ftsQuery('  *** " () '), null);
});

test('"societe", "soc gen", "SOCIÉTÉ", "générale société" and every prefix find Société Générale', async (t) => {
  const db = fixture(t);
  const reports = await refreshCatalog(db, [gocardless(), enablebanking()], NOW);
  assert.ok(reports.every((r) => r.ok), JSON.stringify(reports));
  for (const q of ['s', 'so', 'soc', 'societe', 'Société', 'SOCIÉTÉ', 'soc gen', 'gen soc', 'générale société', 'Societe  Generale', 'sogefr']) {
    const found = searchInstitutions(db, q);
    assert.ok(found.length > 0, q);
    assert.equal(found[0]!.name, 'Société Générale', `"${q}" -> ${names(found).join(', ')}`);
  }
  assert.deepEqual(names(searchInstitutions(db, 'oresund')), ['Øresund Sparekasse']);
  assert.deepEqual(names(searchInstitutions(db, 'köln')), ['Sparkasse KölnBonn']);
  assert.deepEqual(searchInstitutions(db, 'societe nordea'), [], 'every word must match');
});

test('the country ranks first: "ING" in NL gives the Dutch ING, in BE the Belgian one', async (t) => {
  const db = fixture(t);
  await refreshCatalog(db, [gocardless()], NOW);
  const nl = searchInstitutions(db, 'ING', { country: 'NL' });
  assert.equal(nl[0]!.name, 'ING');
  assert.equal(nl[0]!.country, 'NL');
  assert.deepEqual(new Set(names(nl)), new Set(['ING', 'ING Belgium', 'ING-DiBa']));
  const be = searchInstitutions(db, 'ing', { country: 'be' });
  assert.equal(be[0]!.name, 'ING Belgium');
  assert.equal(searchInstitutions(db, 'ing diba', { country: 'NL' })[0]!.name, 'ING-DiBa');
  // Without a country: the name that starts with the query, shortest first.
  assert.equal(searchInstitutions(db, 'ing')[0]!.name, 'ING');
});

test('an empty query with a country lists that country alphabetically; limit and provider filter', async (t) => {
  const db = fixture(t);
  await refreshCatalog(db, [gocardless(), enablebanking()], NOW);
  assert.deepEqual(names(searchInstitutions(db, '', { country: 'NL' })), ['ING', 'Rabobank']);
  assert.deepEqual(names(searchInstitutions(db, '  ', { country: 'FR' })), ['BNP Paribas', 'Société Générale']);
  assert.equal(searchInstitutions(db, '', { limit: 3 }).length, 3);
  assert.deepEqual(names(searchInstitutions(db, '', { provider: 'enablebanking' })), ['Nordea', 'Rabobank', 'Société Générale']);
  assert.deepEqual(names(searchInstitutions(db, 'ing', { provider: 'enablebanking' })), []);
});

test('the same bank from two providers (same BIC, or same name and country) is one row with both providers', async (t) => {
  const db = fixture(t);
  await refreshCatalog(db, [gocardless(), enablebanking()], NOW);
  assert.equal(db.prepare('SELECT COUNT(*) FROM institutions').pluck().get(), 9);
  const [sg] = searchInstitutions(db, 'societe generale');
  assert.equal(sg!.name, 'Société Générale');
  assert.equal(sg!.bic, 'SOGEFRPP');
  assert.deepEqual(sg!.providers.map((p) => [p.provider, p.providerInstitutionId]), [
    ['enablebanking', 'FR/Societe Generale'], ['gocardless', 'SOCIETE_GENERALE_SOGEFRPP'],
  ]);
  // Beta and history depth are kept per provider; the bank shows the best of them.
  const eb = sg!.providers.find((p) => p.provider === 'enablebanking')!;
  const gc = sg!.providers.find((p) => p.provider === 'gocardless')!;
  assert.equal(eb.beta, true);
  assert.equal(eb.historyDays, 180);
  assert.equal(eb.mfa, true);
  assert.equal(gc.beta, false);
  assert.equal(gc.historyDays, 730);
  assert.equal(gc.unattendedPerDay, 4);
  assert.equal(sg!.beta, false, 'beta only when every provider says so');
  assert.equal(sg!.historyDays, 730);

  const [rabo] = searchInstitutions(db, 'rabo');
  assert.deepEqual(rabo!.providers.map((p) => p.provider).sort(), ['enablebanking', 'gocardless']);
  assert.equal(rabo!.automaticSync, true, 'one provider syncs automatically');
  assert.equal(rabo!.providers.find((p) => p.provider === 'enablebanking')!.automaticSync, false);
  assert.equal(rabo!.logo, 'https://cdn.example/rabo.png');

  const [spk] = searchInstitutions(db, 'sparkasse');
  assert.equal(spk!.beta, true);
  assert.equal(spk!.historyDays, 540);
});

test('a merged bank keeps the name written in mixed case, whichever provider came first', async (t) => {
  const db = fixture(t);
  await refreshCatalog(db, [enablebanking()], NOW);
  assert.equal(searchInstitutions(db, 'societe')[0]!.name, 'SOCIETE GENERALE');
  await refreshCatalog(db, [gocardless()], NOW);
  const [sg] = searchInstitutions(db, 'societe');
  assert.equal(sg!.name, 'Société Générale');
  assert.equal(sg!.providers.length, 2);
  assert.equal(searchInstitutions(db, 'rabobank')[0]!.name, 'Rabobank N.V.', 'first provider, mixed case');
});

test('the Demo Bank: its institutions (one BIC for several of them) stay apart and are found', async (t) => {
  const db = fixture(t);
  const stateDir = mkdtempSync(join(tmpdir(), 'ledgerlink-demo-'));
  const bank = new DemoBank({ stateDir, now: () => NOW });
  t.after(async () => {
    await bank.close?.();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const [report] = await refreshCatalog(db, [bank], NOW);
  assert.equal(report!.ok, true);
  assert.equal(report!.count, DEMO_INSTITUTIONS.length);
  assert.equal(db.prepare('SELECT COUNT(*) FROM institutions').pluck().get(), DEMO_INSTITUTIONS.length);
  const beta = searchInstitutions(db, 'demo beta');
  assert.equal(beta[0]!.name, 'Demo Bank Beta');
  assert.equal(beta[0]!.beta, true);
  assert.equal(searchInstitutions(db, 'short hist')[0]!.historyDays, 90);
  assert.equal(searchInstitutions(db, 'manual sync')[0]!.automaticSync, false);
  assert.equal(searchInstitutions(db, 'ngan hang')[0]!.name, 'Ngân hàng Demo');
  assert.equal(searchInstitutions(db, 'demo', { country: 'VN' })[0]!.name, 'Ngân hàng Demo');
  assert.equal(searchInstitutions(db, 'demo', { limit: 50 }).length, DEMO_INSTITUTIONS.length);
});

test('a provider failing during a refresh keeps its previous rows and reports the error', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  const eb = enablebanking();
  await refreshCatalog(db, [gc, eb], NOW);
  gc.fail = new Error('503 Service Unavailable');
  eb.list = eb.list.slice(0, 2); // Nordea dropped
  const reports = await refreshCatalog(db, [gc, eb], new Date(NOW.getTime() + 8 * DAY));
  const r = Object.fromEntries(reports.map((x) => [x.provider, x]));
  assert.equal(r.gocardless!.ok, false);
  assert.match(r.gocardless!.error!, /503/);
  assert.equal(r.gocardless!.count, 8, 'the old rows are kept');
  assert.equal(r.enablebanking!.ok, true);
  assert.equal(r.enablebanking!.removed, 1);
  assert.equal(searchInstitutions(db, 'ing', { country: 'NL' })[0]!.name, 'ING');
  assert.equal(searchInstitutions(db, 'soc gen')[0]!.providers.length, 2);
  assert.deepEqual(searchInstitutions(db, 'nordea'), []);
  const status = Object.fromEntries(catalogStatus(db).map((s) => [s.provider, s]));
  assert.equal(status.gocardless!.refreshedAt, NOW.toISOString(), 'last success unchanged');
  assert.match(status.gocardless!.error!, /503/);
  assert.equal(status.enablebanking!.error, null);

  // An empty answer where there were banks is treated as a failure, not as "no bank any more".
  gc.fail = null;
  gc.list = [];
  const [empty] = await refreshCatalog(db, [gc], new Date(NOW.getTime() + 9 * DAY));
  assert.equal(empty!.ok, false);
  assert.equal(searchInstitutions(db, 'rabobank')[0]!.providers.length, 2);
});

test('a bank a provider no longer lists loses that provider, and disappears with its last one', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  const eb = enablebanking();
  await refreshCatalog(db, [gc, eb], NOW);
  gc.list = gc.list.filter((i) => !i.id.startsWith('SOCIETE') && !i.id.startsWith('BNP'));
  const [r] = await refreshCatalog(db, [gc], new Date(NOW.getTime() + DAY));
  assert.equal(r!.removed, 2);
  const [sg] = searchInstitutions(db, 'societe');
  assert.deepEqual(sg!.providers.map((p) => p.provider), ['enablebanking']);
  assert.equal(sg!.name, 'SOCIETE GENERALE', 'now named as its remaining provider names it');
  assert.equal(sg!.beta, true, 'its only provider says beta');
  assert.equal(sg!.historyDays, 180);
  assert.deepEqual(searchInstitutions(db, 'bnp'), []);
  assert.deepEqual(searchInstitutions(db, 'paribas'), []);
  assert.equal(db.prepare('SELECT COUNT(*) FROM institutions').pluck().get(), 8);
  // Listed again later: back, merged again.
  gc.list = gocardless().list;
  await refreshCatalog(db, [gc], new Date(NOW.getTime() + 2 * DAY));
  assert.equal(searchInstitutions(db, 'societe')[0]!.providers.length, 2);
  assert.equal(searchInstitutions(db, 'bnp')[0]!.name, 'BNP Paribas');
});

test('a renamed bank is found under its new name only; an unchanged refresh writes nothing', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  await refreshCatalog(db, [gc], NOW);
  const [same] = await refreshCatalog(db, [gc], new Date(NOW.getTime() + DAY));
  assert.deepEqual([same!.added, same!.updated, same!.removed], [0, 0, 0]);
  gc.list = gc.list.map((i) => (i.id === 'BNP_PARIBAS_BNPAFRPP' ? { ...i, name: 'BNP Paribas Fortis' } : i));
  const [renamed] = await refreshCatalog(db, [gc], new Date(NOW.getTime() + 2 * DAY));
  assert.equal(renamed!.updated, 1);
  assert.equal(searchInstitutions(db, 'fortis')[0]!.name, 'BNP Paribas Fortis');
  assert.equal(db.prepare(`SELECT COUNT(*) FROM institutions WHERE name = 'BNP Paribas'`).pluck().get(), 0);
});

test('staleness after 7 days; the weekly refresh only asks stale providers, and waits after a failure', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  const eb = enablebanking();
  assert.equal(catalogIsStale(db, 'gocardless', NOW), true, 'never refreshed');
  await refreshCatalog(db, [gc], NOW);
  assert.equal(catalogIsStale(db, 'gocardless', new Date(NOW.getTime() + 6 * DAY)), false);
  assert.equal(catalogIsStale(db, 'gocardless', new Date(NOW.getTime() + 7 * DAY)), true);

  const day3 = new Date(NOW.getTime() + 3 * DAY);
  const first = await refreshStaleCatalog(db, [gc, eb], day3);
  assert.deepEqual(first.map((r) => r.provider), ['enablebanking']);
  assert.equal(gc.calls, 1);

  const day8 = new Date(NOW.getTime() + 8 * DAY);
  gc.fail = new Error('timeout');
  const second = await refreshStaleCatalog(db, [gc, eb], day8);
  assert.deepEqual(second.map((r) => [r.provider, r.ok]), [['gocardless', false]]);
  assert.equal(catalogIsStale(db, 'gocardless', day8), true);
  // Failed 10 minutes ago: not asked again yet; an hour later it is.
  assert.deepEqual(await refreshStaleCatalog(db, [gc, eb], new Date(day8.getTime() + 600_000)), []);
  gc.fail = null;
  const third = await refreshStaleCatalog(db, [gc, eb], new Date(day8.getTime() + 3_600_000));
  assert.deepEqual(third.map((r) => [r.provider, r.ok]), [['gocardless', true]]);
  assert.equal(catalogIsStale(db, 'gocardless', new Date(day8.getTime() + 3_600_000)), false);
});

test('search works with no provider reachable (SQLite only)', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  const eb = enablebanking();
  await refreshCatalog(db, [gc, eb], NOW);
  const offline = new Error('getaddrinfo ENOTFOUND');
  gc.fail = offline;
  eb.fail = offline;
  const calls = gc.calls + eb.calls;
  const reports = await refreshCatalog(db, [gc, eb], new Date(NOW.getTime() + 8 * DAY));
  assert.ok(reports.every((r) => !r.ok));
  assert.equal(searchInstitutions(db, 'soc gen')[0]!.name, 'Société Générale');
  assert.equal(searchInstitutions(db, 'nordea')[0]!.name, 'Nordea');
  assert.equal(gc.calls + eb.calls, calls + 2, 'searching never calls a provider');
});

test('a provider that never answers times out and keeps its rows', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  await refreshCatalog(db, [gc], NOW);
  const hanging = gocardless();
  hanging.listInstitutions = () => new Promise<Institution[]>(() => {});
  const [r] = await refreshCatalog(db, [hanging], new Date(NOW.getTime() + 8 * DAY), { timeoutMs: 50 });
  assert.equal(r!.ok, false);
  assert.match(r!.error!, /took more than/);
  assert.equal(searchInstitutions(db, 'rabobank').length, 1);
});

test('bad entries are skipped; SQL-injection-like and FTS-syntax input never throws', async (t) => {
  const db = fixture(t);
  const gc = gocardless();
  gc.list.push(
    inst('', 'No id', 'FR'),
    inst('blank', '   ', 'FR'),
    inst('weird', "Robert'); DROP TABLE institutions;--", 'France', { bic: 'not a bic', historyDays: -5 }),
    inst('quote', 'Bank "Quoted" AND (Co) NEAR', 'US', { historyDays: 365.6 }),
  );
  const [r] = await refreshCatalog(db, [gc], NOW);
  assert.equal(r!.ok, true);
  assert.equal(r!.count, 10);
  const weird = searchInstitutions(db, 'robert drop')[0]!;
  assert.equal(weird.country, '');
  assert.equal(weird.bic, null);
  assert.equal(weird.historyDays, 0);
  assert.equal(searchInstitutions(db, 'quoted')[0]!.historyDays, 366);

  const nasty = [
    '"', '""', '"""', '*', '**', 'AND', 'OR', 'NOT', 'NEAR', 'NEAR(', '(', ')', '()', 'soc AND', 'AND soc', 'soc OR gen', 'soc NOT gen',
    'NEAR(soc gen, 2)', '{name}: soc', 'name:soc', '^soc', 'soc*', '"soc"*', "'", "'; DROP TABLE institutions; --", '%', '_', '\\',
    '\u0000', '😀', 'ü', 'ß', '   ', '-', '+', 'x'.repeat(10_000), 'a b c d e f g h i j k l m n o p', 'bank "quoted" and (co) near',
  ];
  for (const q of nasty) {
    for (const opts of [{}, { country: 'FR' }, { country: "FR' OR 1=1 --" }, { provider: 'gocardless' as const }, { limit: -1 }, { limit: 1e9 }]) {
      assert.doesNotThrow(() => searchInstitutions(db, q, opts), `${JSON.stringify(q)} ${JSON.stringify(opts)}`);
    }
  }
  assert.deepEqual(searchInstitutions(db, 'soc AND'), [], '"AND" is a word like any other, and no bank has it');
  assert.equal(searchInstitutions(db, '(soc) gen*')[0]!.name, 'Société Générale');
  assert.equal(searchInstitutions(db, '"soc"*')[0]!.name, 'Société Générale');
  assert.equal(searchInstitutions(db, 'bank "quoted" and (co) near')[0]!.name, 'Bank "Quoted" AND (Co) NEAR');
  assert.equal(db.prepare('SELECT COUNT(*) FROM institutions').pluck().get(), 10);
  assert.equal(searchInstitutions(db, '', { limit: 1e9 }).length, 10);
});
