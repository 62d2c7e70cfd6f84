// Money means the same number everywhere: for every currency of the ISO 4217 list, an amount
// the bank sends is parsed, stored, sent by the API with its decimal text and shown by the
// window's formatting function, and what the user reads is the bank's amount again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { currencyExponent, formatAmount, isoCurrencies, ISO_4217_PUBLISHED, parseAmount } from '../../../main/ledger/money';
import { SyncEngine } from '../../../main/sync/engine';
import { formatDecimalMoney } from '../../../renderer/money';
import { tempCore } from '../../helpers/core';
import { seedConnection } from '../../helpers/ledger';
import { ScriptedProvider, tx } from '../../helpers/scripted-provider';

/** The ones where the window once disagreed with the core (Intl's digits are not ISO's). */
const NAMED: Record<string, number> = { HUF: 2, IDR: 2, IQD: 3, COP: 2, ISK: 0, CLF: 4, JPY: 0, KWD: 3, VND: 0 };

/** The official list the package ships (SIX's list one): code → minor units ("N.A." kept). */
function officialList(): Map<string, string> {
  const dir = dirname(createRequire(import.meta.url).resolve('currency-codes/package.json'));
  const xml = readFileSync(join(dir, 'iso-4217-list-one.xml'), 'utf8');
  assert.match(xml, new RegExp(`Pblshd="${ISO_4217_PUBLISHED}"`));
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<Ccy>([A-Z]{3})<\/Ccy>\s*<CcyNbr>\d+<\/CcyNbr>\s*<CcyMnrUnts>([^<]+)<\/CcyMnrUnts>/g)) out.set(m[1]!, m[2]!);
  return out;
}

/** What the user reads, back to plain decimal text: the locale's symbol, grouping, decimal sign and minus taken off. */
function readBack(shown: string, currency: string, tag: string): string {
  const parts = new Intl.NumberFormat(tag, { style: 'currency', currency, minimumFractionDigits: 1 }).formatToParts(-1234.5);
  const part = (type: string) => parts.find((p) => p.type === type)?.value;
  let s = shown.replace(part('currency')!, '');
  if (part('group')) s = s.split(part('group')!).join('');
  s = s.replace(part('decimal')!, '.').replace(part('minusSign')!, '-').replace(/[\s\u00a0\u202f\u200e\u200f]/g, '');
  assert.match(s, /^-?\d+(\.\d+)?$/, `"${shown}" reads as a number`);
  return s;
}

/** Amounts of every size the currency has: "1234.50" for HUF, "1234" for JPY, "12.3456" for CLF. */
function amountsFor(exp: number): { big: string; small: string; balance: string } {
  const frac = (d: string) => (exp === 0 ? '' : `.${d.padEnd(exp, '0').slice(0, exp)}`);
  const unit = exp === 0 ? '1' : `0.${'1'.padStart(exp, '0')}`;
  return { big: `1234${frac('5')}`, small: `-${unit}`, balance: `-98765432${frac('1234')}` };
}

test('the exponents are the minor units of the official ISO 4217 list', () => {
  const official = officialList();
  const ours = isoCurrencies();
  assert.ok(ours.length >= 170, `${ours.length} currencies`);
  for (const { code, exponent } of ours) {
    const mnr = official.get(code);
    assert.ok(mnr !== undefined, `${code} is on the official list`);
    // "N.A." (gold, SDR, test codes, XXX): no minor unit, so whole units.
    assert.equal(exponent, mnr === 'N.A.' ? 0 : Number(mnr), code);
    assert.equal(currencyExponent(code), exponent, code);
  }
  for (const [code, exp] of Object.entries(NAMED)) assert.equal(currencyExponent(code), exp, code);
});

test('every ISO 4217 currency: the bank\'s amount is what the window shows (parse, store, API, format)', async (t) => {
  const now = () => new Date('2026-03-20T10:00:00Z');
  const core = tempCore(t, { now });
  const currencies = isoCurrencies();
  for (const code of Object.keys(NAMED)) assert.ok(currencies.some((c) => c.code === code), `${code} is covered`);
  const engine = new SyncEngine(core.db, { now });
  for (const [i, { code, exponent }] of currencies.entries()) {
    const a = amountsFor(exponent);
    // Parse: the bank's text to minor units, exactly.
    assert.equal(formatAmount(parseAmount(a.big, code), code), a.big, `${code} parse`);
    // Store: a synchronization of one account in that currency.
    const { connectionId, journalId } = seedConnection(core.db, { currency: code, code: `J${i}`, providerAccountId: `acc-${code}` });
    const bank = new ScriptedProvider();
    bank.pageSize = 50;
    bank.accounts = [{
      id: `acc-${code}`, name: code, currency: code, balance: a.balance, pending: [],
      posted: [tx(`${code}-1`, '2026-03-02', a.big, { currency: code }), tx(`${code}-2`, '2026-03-03', a.small, { currency: code })],
    }];
    const summary = await engine.run(connectionId, bank, { trigger: 'manual' });
    assert.equal(summary.ok, true, `${code} sync: ${JSON.stringify(summary)}`);
    // API: every amount comes with its decimal text.
    const lines = await core.api.listLines({ journal_id: journalId });
    assert.ok(lines.ok, JSON.stringify(lines));
    const byId = new Map(lines.value.map((l) => [l.provider_ids[0]?.id, l]));
    const journals = await core.api.listJournals({});
    assert.ok(journals.ok);
    const journal = journals.value.find((j) => j.id === journalId);
    assert.ok(journal);
    const shown = [
      [byId.get(`${code}-1`)?.amount_decimal, a.big],
      [byId.get(`${code}-2`)?.amount_decimal, a.small],
      [journal.bank_balance_decimal, a.balance],
    ] as const;
    for (const [decimal, bankText] of shown) {
      assert.equal(decimal, bankText, `${code}: the API sends the bank's amount`);
      // Shown: in both the window's languages, the bank's amount with the currency's decimals.
      for (const tag of ['en-US', 'vi-VN']) {
        const text = formatDecimalMoney(decimal!, code, tag);
        assert.equal(readBack(text, code, tag), bankText, `${code} ${tag}: "${text}"`);
      }
    }
  }
});

test('the named currencies read as the bank sent them', async (t) => {
  const now = () => new Date('2026-03-20T10:00:00Z');
  const core = tempCore(t, { now });
  const cases: [string, string, string][] = [
    ['HUF', '1234.50', 'HUF\u00a01,234.50'],
    ['IDR', '-1234567.89', '-IDR\u00a01,234,567.89'],
    ['IQD', '1000.250', 'IQD\u00a01,000.250'],
    ['COP', '1234.50', 'COP\u00a01,234.50'],
    ['ISK', '1234', 'ISK\u00a01,234'],
    ['CLF', '12.3456', 'CLF\u00a012.3456'],
    ['JPY', '980', '¥980'],
    ['KWD', '-1.234', '-KWD\u00a01.234'],
    ['VND', '1500000', '₫1,500,000'],
  ];
  const engine = new SyncEngine(core.db, { now });
  for (const [i, [code, amount, expected]] of cases.entries()) {
    const { connectionId, journalId } = seedConnection(core.db, { currency: code, code: `N${i}`, providerAccountId: `n-${code}` });
    const bank = new ScriptedProvider();
    bank.accounts = [{ id: `n-${code}`, name: code, currency: code, balance: amount, pending: [], posted: [tx(`n-${code}`, '2026-03-02', amount, { currency: code })] }];
    assert.equal((await engine.run(connectionId, bank, { trigger: 'manual' })).ok, true);
    const journals = await core.api.listJournals({});
    assert.ok(journals.ok);
    const j = journals.value.find((x) => x.id === journalId)!;
    assert.equal(j.balance_decimal, amount);
    assert.equal(formatDecimalMoney(j.balance_decimal, code, 'en-US'), expected, code);
    const history = await core.api.balanceHistory({ journal_id: journalId, days: 1 });
    assert.ok(history.ok);
    assert.equal(history.value.at(-1)?.balance_decimal, amount, `${code} balance history`);
    const statements = await core.api.listStatements({ journal_id: journalId });
    assert.ok(statements.ok);
    assert.equal(statements.value[0]?.balance_end_decimal, amount, `${code} statement`);
  }
});
