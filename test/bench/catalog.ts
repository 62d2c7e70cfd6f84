// node --import tsx test/bench/catalog.ts [--json] [--banks N] [--queries N]
// The institution catalog: builds a catalog of N banks (default 30,000) across 30 countries
// from four synthetic providers (accented names, shared BICs: a third of the banks is offered
// by two or three providers), measures the first refresh and an unchanged weekly refresh (time,
// peak RSS and heap), then the in-process latency of searchInstitutions (p50, p99, max) for
// 1, 2 and 3 typed letters and for full names, each with the user's country. Target: p99 under
// 2 ms. --json prints one JSON line and writes bench-results/catalog.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../main/ledger/db';
import { refreshCatalog, searchInstitutions } from '../../main/providers/catalog';
import type { Institution, Provider, ProviderName } from '../../main/providers/types';
import { mulberry32 as rng } from '../simulators/base';

const args = process.argv.slice(2);
const json = args.includes('--json');
const argNum = (name: string, dflt: number): number => {
  const k = args.indexOf(name);
  return k >= 0 ? Number(args[k + 1]) : dflt;
};
const BANKS = argNum('--banks', 30_000);
const QUERIES = Math.max(1000, argNum('--queries', 2000));
const TARGET_P99_MS = 2;

const rand = rng(20261126);
const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// Country, bank kinds written as that country writes them, syllables of place names.
const COUNTRIES: [string, string[], string[]][] = [
  ['FR', ['Banque Populaire', 'Crédit Mutuel', "Caisse d'Épargne", 'Crédit Agricole', 'Banque'], ['Sé', 'ville', 'Nan', 'tes', 'Bor', 'deaux', 'Lyon', 'nais', 'Gre', 'no', 'ble', 'Pé', 'ri', 'gord']],
  ['DE', ['Sparkasse', 'Volksbank', 'Raiffeisenbank', 'Kreissparkasse', 'Bank'], ['Mün', 'chen', 'Kö', 'ln', 'Dü', 'ssel', 'dorf', 'Gör', 'litz', 'Lü', 'beck', 'Würz', 'burg']],
  ['NL', ['Bank', 'Spaarbank', 'Rabobank'], ['Am', 'ster', 'dam', 'Zwol', 'le', 'Gro', 'nin', 'gen', 'Til', 'burg']],
  ['BE', ['Banque', 'Bank', 'Caisse'], ['Liè', 'ge', 'Na', 'mur', 'Gent', 'Brug', 'ge', 'Mons']],
  ['ES', ['Banco', 'Caja Rural', 'Caixa'], ['Má', 'la', 'ga', 'Cór', 'do', 'ba', 'León', 'Cá', 'diz', 'Ávi', 'la']],
  ['IT', ['Banca', 'Cassa di Risparmio', 'Banca Popolare', 'Credito Cooperativo'], ['Tori', 'no', 'Fi', 'ren', 'ze', 'Forlì', 'Cantù', 'Mi', 'la', 'no']],
  ['PT', ['Banco', 'Caixa de Crédito Agrícola'], ['Évo', 'ra', 'Bra', 'ga', 'Fa', 'ro', 'Açor', 'es']],
  ['AT', ['Sparkasse', 'Raiffeisenbank', 'Volksbank'], ['Wien', 'Graz', 'Linz', 'Sankt', 'Pöl', 'ten', 'Völ', 'ker', 'markt']],
  ['CH', ['Kantonalbank', 'Raiffeisenbank', 'Banque Cantonale'], ['Zü', 'rich', 'Genè', 've', 'Neu', 'châ', 'tel', 'Basel']],
  ['PL', ['Bank Spółdzielczy', 'Bank'], ['Łódź', 'Kra', 'ków', 'Gdańsk', 'Poz', 'nań', 'Wro', 'cław']],
  ['CZ', ['Banka', 'Spořitelna'], ['Pra', 'ha', 'Br', 'no', 'Plzeň', 'Ústí', 'Čes', 'ké']],
  ['SE', ['Sparbank', 'Bank'], ['Gö', 'te', 'borg', 'Mal', 'mö', 'Upp', 'sa', 'la', 'Väs', 'terås']],
  ['DK', ['Sparekasse', 'Bank', 'Andelskasse'], ['Kø', 'ben', 'havn', 'År', 'hus', 'Oden', 'se', 'Ål', 'borg']],
  ['NO', ['Sparebank', 'Bank'], ['Ber', 'gen', 'Trond', 'heim', 'Trom', 'sø', 'Bo', 'dø']],
  ['FI', ['Säästöpankki', 'Osuuspankki', 'Pankki'], ['Hel', 'sin', 'ki', 'Tam', 'pe', 're', 'Tur', 'ku', 'Jyväs', 'kylä']],
  ['IE', ['Credit Union', 'Bank'], ['Dub', 'lin', 'Cork', 'Gal', 'way', 'Lim', 'er', 'ick']],
  ['GB', ['Building Society', 'Bank', 'Savings'], ['Lon', 'don', 'Man', 'ches', 'ter', 'Leeds', 'York', 'Bris', 'tol']],
  ['US', ['Credit Union', 'Bank', 'Savings Bank', 'National Bank', 'Trust Company'], ['Spring', 'field', 'Frank', 'lin', 'Green', 'ville', 'Madi', 'son', 'Clin', 'ton']],
  ['CA', ['Caisse Desjardins', 'Credit Union', 'Bank'], ['Mont', 'réal', 'Qué', 'bec', 'Tor', 'onto', 'Lé', 'vis']],
  ['LU', ['Banque', 'Bank'], ['Lux', 'em', 'bourg', 'Esch', 'Diek', 'irch']],
  ['RO', ['Banca', 'Bancă'], ['Bra', 'șov', 'Cluj', 'Iași', 'Timi', 'șoa', 'ra']],
  ['HU', ['Takarékszövetkezet', 'Bank'], ['Buda', 'pest', 'Győr', 'Pécs', 'Sze', 'ged']],
  ['GR', ['Trapeza', 'Bank'], ['Athí', 'na', 'Pát', 'ra', 'Vó', 'los']],
  ['TR', ['Bankası', 'Katılım Bankası'], ['İstan', 'bul', 'İz', 'mir', 'Bur', 'sa', 'Ço', 'rum']],
  ['LT', ['Kredito Unija', 'Bankas'], ['Vil', 'nius', 'Kau', 'nas', 'Šiau', 'liai']],
  ['LV', ['Banka', 'Krājaizdevu Sabiedrība'], ['Rī', 'ga', 'Liepā', 'ja', 'Dau', 'gav', 'pils']],
  ['EE', ['Pank', 'Hoiupank'], ['Tal', 'linn', 'Tar', 'tu', 'Pär', 'nu']],
  ['SK', ['Banka', 'Sporiteľňa'], ['Bra', 'ti', 'sla', 'va', 'Ko', 'ši', 'ce', 'Žili', 'na']],
  ['VN', ['Ngân hàng', 'Quỹ tín dụng'], ['Hà', 'Nội', 'Sài', 'Gòn', 'Đà', 'Nẵng', 'Huế', 'Cần', 'Thơ']],
  ['BR', ['Banco', 'Cooperativa de Crédito', 'Caixa'], ['São', 'Paulo', 'Goiâ', 'nia', 'Ma', 'ceió', 'Be', 'lém']],
];
// Real names, some present in several countries (ING: NL, BE, DE, PL...).
const FAMOUS: [string, string, string][] = [
  ['Société Générale', 'FR', 'SOGEFRPP'], ['BNP Paribas', 'FR', 'BNPAFRPP'], ['Crédit Agricole', 'FR', 'AGRIFRPP'],
  ['ING', 'NL', 'INGBNL2A'], ['ING Belgium', 'BE', 'BBRUBEBB'], ['ING-DiBa', 'DE', 'INGDDEFF'], ['ING Bank Śląski', 'PL', 'INGBPLPW'],
  ['ABN AMRO', 'NL', 'ABNANL2A'], ['Rabobank', 'NL', 'RABONL2U'], ['Deutsche Bank', 'DE', 'DEUTDEFF'], ['Commerzbank', 'DE', 'COBADEFF'],
  ['Banco Santander', 'ES', 'BSCHESMM'], ['BBVA', 'ES', 'BBVAESMM'], ['CaixaBank', 'ES', 'CAIXESBB'], ['Intesa Sanpaolo', 'IT', 'BCITITMM'],
  ['UniCredit', 'IT', 'UNCRITMM'], ['Barclays', 'GB', 'BARCGB22'], ['HSBC UK', 'GB', 'HBUKGB4B'], ['Lloyds Bank', 'GB', 'LOYDGB2L'],
  ['Nordea', 'FI', 'NDEAFIHH'], ['Danske Bank', 'DK', 'DABADKKK'], ['Swedbank', 'SE', 'SWEDSESS'], ['SEB', 'SE', 'ESSESESS'],
  ['KBC', 'BE', 'KREDBEBB'], ['Belfius', 'BE', 'GKCCBEBB'], ['Erste Bank', 'AT', 'GIBAATWW'], ['PKO Bank Polski', 'PL', 'BPKOPLPW'],
  ['Vietcombank', 'VN', 'BFTVVNVX'], ['Techcombank', 'VN', 'VTCBVNVX'], ['Chase', 'US', 'CHASUS33'], ['Bank of America', 'US', 'BOFAUS3N'],
];
const QUALIFIERS = ['', '', '', 'Nord', 'Süd', 'Centre', 'Région', 'Mutual', 'Union', 'Privée', 'Rural', 'Coopérative', 'Capital', 'Trust'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

interface Bank { name: string; country: string; bic: string }

function makeBanks(n: number): Bank[] {
  const banks: Bank[] = FAMOUS.map(([name, country, bic]) => ({ name, country, bic }));
  const names = new Set(banks.map((b) => `${b.country}|${b.name}`));
  const bics = new Set(banks.map((b) => b.bic));
  while (banks.length < n) {
    const [country, kinds, syllables] = pickOf(COUNTRIES);
    const place = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => pickOf(syllables)).join('').toLowerCase();
    const town = place.charAt(0).toUpperCase() + place.slice(1);
    const kind = pickOf(kinds);
    const q = pickOf(QUALIFIERS);
    const name = (rand() < 0.5 ? `${kind} ${town}` : `${town} ${kind}`) + (q ? ` ${q}` : '');
    if (names.has(`${country}|${name}`)) continue;
    let bic = '';
    do bic = Array.from({ length: 4 }, () => pickOf([...LETTERS])).join('') + country + pickOf([...LETTERS]) + String(Math.floor(rand() * 10));
    while (bics.has(bic));
    names.add(`${country}|${name}`);
    bics.add(bic);
    banks.push({ name, country, bic });
  }
  return banks;
}

class SyntheticProvider implements Provider {
  readonly displayName: string;
  constructor(readonly name: ProviderName, private readonly list: Institution[]) {
    this.displayName = `Synthetic ${name}`;
  }
  async listInstitutions(): Promise<Institution[]> {
    // Pages of 500 like the real APIs, joined here.
    const out: Institution[] = [];
    for (let i = 0; i < this.list.length; i += 500) out.push(...this.list.slice(i, i + 500));
    return out;
  }
  async startConsent(): Promise<{ url: string }> { throw new Error('unused'); }
  async completeConsent(): Promise<never> { throw new Error('unused'); }
  async listAccounts(): Promise<never> { throw new Error('unused'); }
  async fetchTransactions(): Promise<never> { throw new Error('unused'); }
}

/** Four providers; each bank is offered by one to three of them, named and flagged their way. */
function makeProviders(banks: Bank[]): Provider[] {
  const names: ProviderName[] = ['gocardless', 'saltedge', 'enablebanking', 'plaid'];
  const lists = new Map<ProviderName, Institution[]>(names.map((n) => [n, []]));
  banks.forEach((b, k) => {
    const first = k % names.length;
    const count = rand() < 0.66 ? 1 : rand() < 0.7 ? 2 : 3;
    for (let j = 0; j < count; j++) {
      const provider = names[(first + j) % names.length]!;
      const upper = provider === 'saltedge';
      lists.get(provider)!.push({
        id: provider === 'gocardless' ? `${b.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_${b.bic}` : `${provider}-${k}`,
        name: upper ? b.name.toUpperCase() : b.name,
        country: b.country,
        // Plaid gives no BIC: its entries merge by name and country.
        ...(provider === 'plaid' ? {} : { bic: j === 2 ? `${b.bic}XXX` : b.bic }),
        beta: rand() < 0.1,
        historyDays: pickOf([90, 180, 365, 540, 730]),
        automaticSync: rand() < 0.95,
        unattendedPerDay: ['gocardless', 'enablebanking'].includes(provider) ? 4 : undefined,
        logo: rand() < 0.5 ? `https://logos.example/${k}.png` : undefined,
      } as Institution);
    }
  });
  return names.map((n) => new SyntheticProvider(n, lists.get(n)!));
}

const peak = { rss: 0, heap: 0 };
function sample(): void {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heap = Math.max(peak.heap, m.heapUsed);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerlink-bench-catalog-'));
  try {
    const db = openLedger(join(dir, 'ledger.sqlite'));
    const banks = makeBanks(BANKS);
    const providers = makeProviders(banks);
    const providerRows = (await Promise.all(providers.map((p) => p.listInstitutions()))).reduce((s, l) => s + l.length, 0);

    sample();
    const timer = setInterval(sample, 5);
    const t0 = process.hrtime.bigint();
    const first = await refreshCatalog(db, providers, new Date('2026-11-01T00:00:00Z'), { onProvider: sample });
    const refreshSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    sample();
    const t1 = process.hrtime.bigint();
    const again = await refreshCatalog(db, providers, new Date('2026-11-08T00:00:00Z'), { onProvider: sample });
    const unchangedSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    clearInterval(timer);
    sample();
    for (const r of [...first, ...again]) if (!r.ok) throw new Error(`refresh of ${r.provider} failed: ${r.error}`);
    const institutions = db.prepare('SELECT COUNT(*) FROM institutions').pluck().get() as number;
    const merged = db.prepare('SELECT COUNT(*) FROM (SELECT institution_id FROM institution_providers GROUP BY institution_id HAVING COUNT(*) > 1)').pluck().get() as number;

    // Query sets: what a user types, with the user's country.
    const words = banks.map((b) => b.name.split(' ')[0]!);
    const sets: Record<string, { q: string; country: string }[]> = { '1 letter': [], '2 letters': [], '3 letters': [], 'full name': [] };
    for (let i = 0; i < QUERIES; i++) {
      const b = pickOf(banks);
      const country = pickOf(COUNTRIES)[0];
      const w = pickOf(words);
      sets['1 letter']!.push({ q: w.slice(0, 1).toLowerCase(), country });
      sets['2 letters']!.push({ q: w.slice(0, 2).toLowerCase(), country });
      sets['3 letters']!.push({ q: w.slice(0, 3).toLowerCase(), country });
      sets['full name']!.push({ q: b.name, country: b.country });
    }
    // Warm up the statements and the page cache.
    for (const s of Object.values(sets)) for (const x of s.slice(0, 200)) searchInstitutions(db, x.q, { country: x.country });

    const search: Record<string, { queries: number; p50_ms: number; p99_ms: number; max_ms: number; mean_results: number }> = {};
    for (const [label, qs] of Object.entries(sets)) {
      const times: number[] = [];
      let results = 0;
      for (const x of qs) {
        const s = process.hrtime.bigint();
        const found = searchInstitutions(db, x.q, { country: x.country });
        times.push(Number(process.hrtime.bigint() - s) / 1e6);
        results += found.length;
      }
      times.sort((a, b) => a - b);
      search[label] = {
        queries: qs.length,
        p50_ms: Number(percentile(times, 50).toFixed(3)),
        p99_ms: Number(percentile(times, 99).toFixed(3)),
        max_ms: Number(times[times.length - 1]!.toFixed(3)),
        mean_results: Number((results / qs.length).toFixed(1)),
      };
    }
    db.close();

    const worstP99 = Math.max(...Object.values(search).map((s) => s.p99_ms));
    const result = {
      benchmark: 'catalog',
      banks: BANKS,
      institutions,
      provider_rows: providerRows,
      merged_institutions: merged,
      countries: COUNTRIES.length,
      refresh_seconds: Number(refreshSeconds.toFixed(3)),
      unchanged_refresh_seconds: Number(unchangedSeconds.toFixed(3)),
      peak_rss_mb: Math.round(peak.rss / 2 ** 20),
      peak_heap_mb: Math.round(peak.heap / 2 ** 20),
      search,
      target_p99_ms: TARGET_P99_MS,
      target_met: worstP99 < TARGET_P99_MS,
      node: process.version,
    };
    if (json) {
      mkdirSync('bench-results', { recursive: true });
      writeFileSync('bench-results/catalog.json', JSON.stringify(result, null, 2) + '\n');
      process.stdout.write(JSON.stringify(result) + '\n');
    } else {
      const rows = Object.entries(search).map(([label, s]) =>
        `  ${label.padEnd(10)} ${String(s.queries).padStart(7)} ${s.p50_ms.toFixed(3).padStart(8)} ${s.p99_ms.toFixed(3).padStart(8)} ${s.max_ms.toFixed(3).padStart(8)} ${s.mean_results.toFixed(1).padStart(8)}`);
      process.stdout.write(
        `institution catalog: ${institutions.toLocaleString('en')} banks in ${COUNTRIES.length} countries from ${providers.length} providers ` +
          `(${providerRows.toLocaleString('en')} provider entries, ${merged.toLocaleString('en')} banks offered by several)\n` +
          `  first refresh:     ${result.refresh_seconds} s\n` +
          `  unchanged refresh: ${result.unchanged_refresh_seconds} s\n` +
          `  peak memory:       RSS ${result.peak_rss_mb} MiB, heap ${result.peak_heap_mb} MiB\n` +
          `  search (ms)   queries      p50      p99      max  results\n${rows.join('\n')}\n` +
          `  target p99 < ${TARGET_P99_MS} ms: ${result.target_met ? 'MET' : 'NOT MET'}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
