// The institution catalog: every provider's list of banks cached in the ledger (SQLite +
// FTS5), so that the bank picker searches offline, forgivingly and fast.
//
// - refreshCatalog fetches each provider's listInstitutions() and writes each provider's list
//   in its own transaction: a provider that fails keeps its previous rows.
// - The same bank offered by several providers is one `institutions` row with one
//   `institution_providers` row per provider: matched by BIC (its first 8 characters), else by
//   normalized name + country. Two entries of the SAME provider are never merged (a provider
//   may list several products of one bank under one BIC).
// - searchInstitutions only reads SQLite: prefixes, accents, case and word order do not matter.
import type { CatalogInstitutionView } from '../../preload/api';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { Institution, Provider, ProviderName } from './types';

/** A provider's list is refreshed in the background when its last success is this old. */
export const CATALOG_MAX_AGE_MS = 7 * 86_400_000;
/** After a failed refresh, the background refresh waits this long before trying again. */
export const CATALOG_RETRY_MS = 3_600_000;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;
const MAX_QUERY_TERMS = 8;
const MAX_TERM_LENGTH = 40;

// ---------------------------------------------------------------------------------------------
// Text folding

const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h', ŧ: 't', ŋ: 'n', ĸ: 'k',
};
const SPECIAL_RE = /[ßæœøłđðþıħŧŋĸ]/g;

/**
 * Lower case, no accents, ASCII where a letter has an obvious ASCII form, every run of
 * characters that are not letters or digits turned into one space. "Société Générale" ->
 * "societe generale"; "Øresund Bank A/S" -> "oresund bank a s".
 */
export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(SPECIAL_RE, (c) => SPECIAL_LETTERS[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Legal forms that do not tell two banks apart ("ING Bank N.V." is "ING Bank"). */
const LEGAL_FORMS = new Set([
  'sa', 'nv', 'bv', 'ag', 'se', 'plc', 'ltd', 'limited', 'inc', 'llc', 'gmbh', 'spa', 'sas', 'ab', 'as', 'asa', 'oy', 'oyj',
  'eg', 'kg', 'sarl', 'srl', 'sl', 'scrl', 'co', 'corp', 'the',
]);

/** The key two providers' entries must share (with the country) to be merged without a BIC. */
export function nameKey(name: string): string {
  // "N.V.", "A/S", "S.p.A." are one word each.
  const words = foldText(name.replace(/[./'’]/g, '')).split(' ').filter((w) => w !== '' && !LEGAL_FORMS.has(w));
  return words.join('');
}

/**
 * The FTS5 query for what the user typed: every word folded and quoted as a prefix term
 * (`"soc"* "gen"*`, all required, any order). Nothing of FTS5's syntax survives (quotes,
 * operators, parentheses, column filters, NEAR...): the words are only ever strings.
 * Returns null when nothing searchable is left.
 */
export function ftsQuery(query: string): string | null {
  const terms = queryTerms(query);
  return terms.length === 0 ? null : terms.map((t) => `"${t}"*`).join(' ');
}

function queryTerms(query: string): string[] {
  const folded = foldText(query.slice(0, 500));
  if (folded === '') return [];
  const seen = new Set<string>();
  for (const w of folded.split(' ')) {
    if (w !== '') seen.add(w.slice(0, MAX_TERM_LENGTH));
    if (seen.size >= MAX_QUERY_TERMS) break;
  }
  // A word that is the prefix of another one adds nothing ("so soc" is "soc"); nor, beside a
  // longer word, does a lone letter before the last word ("caisse d epargne"), which matches
  // most of the catalog and only slows the search down.
  const words = [...seen];
  const longWord = words.some((w) => w.length >= 3);
  return words.filter((w, k) =>
    !words.some((o) => o !== w && o.startsWith(w)) && !(longWord && w.length === 1 && k < words.length - 1));
}

// ---------------------------------------------------------------------------------------------
// Types

/** A bank of the catalog as the API gives it (preload/api.ts is the one definition). */
export type CatalogInstitution = CatalogInstitutionView;
export type CatalogProviderEntry = CatalogInstitutionView['providers'][number];

export interface RefreshReport {
  provider: ProviderName;
  ok: boolean;
  /** Institutions the provider lists now (on failure: the ones kept from before). */
  count: number;
  added: number;
  updated: number;
  removed: number;
  /** Why the refresh failed; the previous rows were kept. */
  error?: string;
  ms: number;
}

export interface RefreshOptions {
  /** Per provider; a provider still listing after this long fails (default 120 s). */
  timeoutMs?: number;
  /** Called after each provider's list is stored (or failed). */
  onProvider?: (r: RefreshReport) => void;
}

export interface SearchOptions {
  /** Ranks this country's banks first; with an empty query: lists only this country's banks. */
  country?: string;
  /** Only banks offered by this provider. */
  provider?: ProviderName;
  /** Default 20, at most 200. */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Refresh

interface CleanEntry {
  id: string;
  name: string;
  folded: string;
  key: string;
  country: string;
  bic: string | null;
  bic8: string | null;
  beta: number;
  historyDays: number;
  automaticSync: number;
  refreshesPerDay: number | null;
  unattendedPerDay: number | null;
  mfa: number | null;
  logo: string | null;
}

const optInt = (n: number | undefined): number | null =>
  typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;

/** Checks and normalizes one entry of a provider's list; null when it cannot be used. */
function clean(i: Institution): CleanEntry | null {
  if (typeof i?.id !== 'string' || i.id === '' || typeof i.name !== 'string') return null;
  const name = i.name.trim().replace(/\s+/g, ' ');
  const folded = foldText(name);
  if (folded === '') return null;
  const country = typeof i.country === 'string' && /^[A-Za-z]{2}$/.test(i.country.trim()) ? i.country.trim().toUpperCase() : '';
  const rawBic = typeof i.bic === 'string' ? i.bic.replace(/\s+/g, '').toUpperCase() : '';
  const bic = /^[A-Z0-9]{8}([A-Z0-9]{3})?$/.test(rawBic) ? rawBic : null;
  return {
    id: i.id,
    name,
    folded,
    key: nameKey(name) || folded.replace(/ /g, ''),
    country,
    bic,
    bic8: bic ? bic.slice(0, 8) : null,
    beta: i.beta ? 1 : 0,
    historyDays: optInt(i.historyDays) ?? 0,
    automaticSync: i.automaticSync === false ? 0 : 1,
    refreshesPerDay: optInt(i.refreshesPerDay),
    unattendedPerDay: optInt(i.unattendedPerDay),
    mfa: i.mfa === undefined ? null : i.mfa ? 1 : 0,
    logo: typeof i.logo === 'string' && i.logo !== '' ? i.logo : null,
  };
}

/** The words of the name, then the name written as one word ("abn amro" + "abnamro"). */
function foldedForIndex(folded: string): string {
  return folded.includes(' ') ? `${folded} ${folded.replace(/ /g, '')}` : folded;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

async function listWithTimeout(p: Provider, timeoutMs: number): Promise<Institution[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p.listInstitutions(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`listing the institutions took more than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Fetches every provider's institutions (all at once) and stores each provider's list in its
 * own transaction. A provider that fails, or answers with an empty or unusable list while it
 * had institutions, keeps its previous rows; its report says why.
 */
export async function refreshCatalog(db: Db, providers: readonly Provider[], now: Date, opts: RefreshOptions = {}): Promise<RefreshReport[]> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const started = providers.map(() => process.hrtime.bigint());
  const lists = await Promise.allSettled(providers.map((p) => listWithTimeout(p, timeoutMs)));
  const reports: RefreshReport[] = [];
  providers.forEach((p, k) => {
    const got = lists[k]!;
    let report: RefreshReport;
    if (got.status === 'rejected') {
      report = failed(db, p.name, now, errorText(got.reason));
    } else {
      try {
        report = storeProviderList(db, p.name, Array.isArray(got.value) ? got.value : [], now);
      } catch (e) {
        report = failed(db, p.name, now, errorText(e));
      }
    }
    report.ms = Number(process.hrtime.bigint() - started[k]!) / 1e6;
    reports.push(report);
    opts.onProvider?.(report);
  });
  return reports;
}

function failed(db: Db, provider: ProviderName, now: Date, error: string): RefreshReport {
  db.prepare(
    `INSERT INTO catalog_refreshes (provider, refreshed_at, count, attempted_at, error) VALUES (?, NULL, 0, ?, ?)
     ON CONFLICT (provider) DO UPDATE SET attempted_at = excluded.attempted_at, error = excluded.error`,
  ).run(provider, now.toISOString(), error);
  const count = db.prepare('SELECT COUNT(*) FROM institution_providers WHERE provider = ?').pluck().get(provider) as number;
  return { provider, ok: false, count, added: 0, updated: 0, removed: 0, error, ms: 0 };
}

interface InstitutionRow {
  id: number;
  name_key: string;
  country: string;
  bic8: string | null;
}

interface ProviderRow {
  institution_id: number;
  provider: string;
  provider_institution_id: string;
  name: string;
  country: string;
  bic: string | null;
  beta: number;
  history_days: number;
  automatic_sync: number;
  refreshes_per_day: number | null;
  unattended_per_day: number | null;
  mfa: number | null;
  logo: string | null;
}

/** Stores one provider's whole list in one transaction (see refreshCatalog). */
export function storeProviderList(db: Db, provider: ProviderName, list: readonly Institution[], now: Date): RefreshReport {
  const at = now.toISOString();
  const entries = new Map<string, CleanEntry>();
  for (const raw of list) {
    const e = clean(raw);
    if (e) entries.set(e.id, e);
  }
  const run = db.transaction((): RefreshReport => {
    const previous = new Map<string, ProviderRow>();
    for (const r of db.prepare('SELECT * FROM institution_providers WHERE provider = ?').all(provider) as ProviderRow[]) {
      previous.set(r.provider_institution_id, r);
    }
    if (entries.size === 0 && previous.size > 0) {
      throw new Error(list.length === 0 ? 'the provider listed no institution; the previous list was kept' : 'the provider listed no usable institution; the previous list was kept');
    }

    // Where a new entry may merge: banks not yet offered by this provider, by BIC and by name.
    const byBic = new Map<string, InstitutionRow[]>();
    const byName = new Map<string, InstitutionRow[]>();
    const taken = new Set<number>(); // banks this provider already has an entry for
    for (const r of previous.values()) taken.add(r.institution_id);
    const addCandidate = (row: InstitutionRow) => {
      if (row.bic8) (byBic.get(row.bic8) ?? byBic.set(row.bic8, []).get(row.bic8)!).push(row);
      const nk = `${row.name_key}|${row.country}`;
      (byName.get(nk) ?? byName.set(nk, []).get(nk)!).push(row);
    };
    for (const row of db.prepare('SELECT id, name_key, country, bic8 FROM institutions').all() as InstitutionRow[]) addCandidate(row);

    const insertInstitution = db.prepare(
      `INSERT INTO institutions (name, country, bic, beta, history_days, automatic_sync, logo, updated_at, folded, name_key, bic8)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsertProvider = db.prepare(
      `INSERT INTO institution_providers (institution_id, provider, provider_institution_id, name, country, bic, beta, history_days,
         automatic_sync, refreshes_per_day, unattended_per_day, mfa, logo, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, provider_institution_id) DO UPDATE SET
         name = excluded.name, country = excluded.country, bic = excluded.bic, beta = excluded.beta,
         history_days = excluded.history_days, automatic_sync = excluded.automatic_sync,
         refreshes_per_day = excluded.refreshes_per_day, unattended_per_day = excluded.unattended_per_day,
         mfa = excluded.mfa, logo = excluded.logo, updated_at = excluded.updated_at`,
    );
    const deleteProvider = db.prepare('DELETE FROM institution_providers WHERE provider = ? AND provider_institution_id = ?');

    const touched = new Set<number>();
    let added = 0;
    let updated = 0;
    const pick = (rows: InstitutionRow[] | undefined, e: CleanEntry): InstitutionRow | undefined => {
      if (!rows) return undefined;
      const free = rows.filter((r) => !taken.has(r.id));
      return free.find((r) => r.name_key === e.key) ?? free.find((r) => r.country === e.country || e.country === '' || r.country === '');
    };

    for (const e of entries.values()) {
      const before = previous.get(e.id);
      let institutionId: number;
      if (before) {
        institutionId = before.institution_id;
        const same = before.name === e.name && before.country === e.country && before.bic === e.bic && before.beta === e.beta &&
          before.history_days === e.historyDays && before.automatic_sync === e.automaticSync && before.refreshes_per_day === e.refreshesPerDay &&
          before.unattended_per_day === e.unattendedPerDay && before.mfa === e.mfa && before.logo === e.logo;
        if (same) continue;
        updated++;
      } else {
        const match = (e.bic8 ? pick(byBic.get(e.bic8), e) : undefined) ?? pick(byName.get(`${e.key}|${e.country}`), e);
        if (match) {
          institutionId = match.id;
        } else {
          institutionId = Number(insertInstitution.run(
            e.name, e.country, e.bic, e.beta, e.historyDays, e.automaticSync, e.logo, at, foldedForIndex(e.folded), e.key, e.bic8,
          ).lastInsertRowid);
          addCandidate({ id: institutionId, name_key: e.key, country: e.country, bic8: e.bic8 });
        }
        taken.add(institutionId);
        added++;
      }
      upsertProvider.run(institutionId, provider, e.id, e.name, e.country, e.bic, e.beta, e.historyDays, e.automaticSync,
        e.refreshesPerDay, e.unattendedPerDay, e.mfa, e.logo, at);
      touched.add(institutionId);
    }
    let removed = 0;
    for (const [id, r] of previous) {
      if (entries.has(id)) continue;
      deleteProvider.run(provider, id);
      touched.add(r.institution_id);
      removed++;
    }
    reaggregate(db, touched, at);
    // Many changes leave the full-text index in many small segments, each one read by every
    // search: merge them into one (about 0.2 s for 30,000 banks).
    if (added + removed + updated > 200) db.prepare(`INSERT INTO institutions_fts (institutions_fts) VALUES ('optimize')`).run();
    db.prepare(
      `INSERT INTO catalog_refreshes (provider, refreshed_at, count, attempted_at, error) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (provider) DO UPDATE SET refreshed_at = excluded.refreshed_at, count = excluded.count,
         attempted_at = excluded.attempted_at, error = NULL`,
    ).run(provider, at, entries.size, at);
    return { provider, ok: true, count: entries.size, added, updated, removed, ms: 0 };
  });
  return run();
}

/**
 * Recomputes each touched bank from its providers' entries (the name of its first provider
 * entry written in mixed case, beta only when all say beta, the longest history, automatic
 * sync when any allows it), and
 * deletes the banks no provider offers any more. Rows are only written when they change, so
 * the full-text index is only touched for real changes.
 */
function reaggregate(db: Db, ids: Set<number>, at: string): void {
  if (ids.size === 0) return;
  const rowsOf = db.prepare('SELECT * FROM institution_providers WHERE institution_id = ? ORDER BY rowid');
  const current = db.prepare('SELECT name, country, bic, beta, history_days, automatic_sync, logo FROM institutions WHERE id = ?');
  const del = db.prepare('DELETE FROM institutions WHERE id = ?');
  const update = db.prepare(
    `UPDATE institutions SET name = ?, country = ?, bic = ?, beta = ?, history_days = ?, automatic_sync = ?, logo = ?, updated_at = ?,
       folded = ?, name_key = ?, bic8 = ? WHERE id = ?`,
  );
  for (const id of ids) {
    const rows = rowsOf.all(id) as ProviderRow[];
    if (rows.length === 0) {
      del.run(id);
      continue;
    }
    // The name as the first provider gave it, unless that one shouts (SOCIETE GENERALE) and
    // another writes it in mixed case.
    const first = rows.find((r) => r.name !== r.name.toUpperCase()) ?? rows[0]!;
    const bic = rows.find((r) => r.bic !== null)?.bic ?? null;
    const country = rows.find((r) => r.country !== '')?.country ?? '';
    const next = {
      name: first.name,
      country,
      bic,
      beta: rows.every((r) => r.beta === 1) ? 1 : 0,
      history_days: Math.max(...rows.map((r) => r.history_days)),
      automatic_sync: rows.some((r) => r.automatic_sync === 1) ? 1 : 0,
      logo: rows.find((r) => r.logo !== null)?.logo ?? null,
    };
    const cur = current.get(id) as typeof next | undefined;
    if (cur && cur.name === next.name && cur.country === next.country && cur.bic === next.bic && cur.beta === next.beta &&
      cur.history_days === next.history_days && cur.automatic_sync === next.automatic_sync && cur.logo === next.logo) continue;
    const folded = foldText(next.name);
    update.run(next.name, next.country, next.bic, next.beta, next.history_days, next.automatic_sync, next.logo, at,
      foldedForIndex(folded), nameKey(next.name) || folded.replace(/ /g, ''), bic ? bic.slice(0, 8) : null, id);
  }
}

// ---------------------------------------------------------------------------------------------
// Staleness and the weekly background refresh

export interface CatalogStatus {
  provider: string;
  refreshedAt: string | null;
  count: number;
  attemptedAt: string;
  error: string | null;
}

export function catalogStatus(db: Db): CatalogStatus[] {
  return db.prepare(
    'SELECT provider, refreshed_at AS refreshedAt, count, attempted_at AS attemptedAt, error FROM catalog_refreshes ORDER BY provider',
  ).all() as CatalogStatus[];
}

/** True when the provider's list never refreshed successfully, or last did 7 days ago or more. */
export function catalogIsStale(db: Db, provider: ProviderName, now: Date): boolean {
  const at = db.prepare('SELECT refreshed_at FROM catalog_refreshes WHERE provider = ?').pluck().get(provider) as string | null | undefined;
  if (!at) return true;
  return now.getTime() - Date.parse(at) >= CATALOG_MAX_AGE_MS;
}

/**
 * The weekly background refresh (the scheduler calls it): refreshes the providers whose list
 * is stale, except those whose last attempt failed less than an hour ago.
 */
export async function refreshStaleCatalog(
  db: Db, providers: readonly Provider[], now: Date, opts: RefreshOptions & { retryAfterMs?: number } = {},
): Promise<RefreshReport[]> {
  const retry = opts.retryAfterMs ?? CATALOG_RETRY_MS;
  const attempt = db.prepare('SELECT attempted_at, error FROM catalog_refreshes WHERE provider = ?');
  const due = providers.filter((p) => {
    if (!catalogIsStale(db, p.name, now)) return false;
    const last = attempt.get(p.name) as { attempted_at: string; error: string | null } | undefined;
    return !(last?.error != null && now.getTime() - Date.parse(last.attempted_at) < retry);
  });
  return due.length === 0 ? [] : refreshCatalog(db, due, now, opts);
}

// ---------------------------------------------------------------------------------------------
// Search
//
// A search is answered in at most four short steps, each one an index range read with a LIMIT,
// so that its cost does not grow with the catalog:
//   1. the preferred country's banks whose name STARTS with the query (B-tree on
//      (country, folded)), alphabetically: the exact-prefix-of-name boost;
//   2. the preferred country's other matches: FTS5, every word a prefix of a word of the name
//      or of the BIC, in any order; at most CANDIDATES of them are ranked by bm25 + boosts +
//      name length;
//   3. and 4. the same for every other country.
// A step runs only while fewer than `limit` banks were found.

/** Full-text candidates ranked per step: bm25 costs a few microseconds a row. */
const CANDIDATES = 64;
/** Sorts after every folded name (the highest code point). */
const TOP = '\u{10FFFF}';

const COLUMNS = 'i.id, i.name, i.country, i.bic, i.beta, i.history_days, i.automatic_sync, i.logo';
const HAS_PROVIDER = 'EXISTS (SELECT 1 FROM institution_providers p WHERE p.institution_id = i.id AND p.provider = @provider)';

interface Prepared {
  statements: Map<string, Statement>;
  providers: Statement;
}

const prepared = new WeakMap<Db, Prepared>();

function statement(db: Db, kind: 'prefix' | 'match' | 'list', inCountry: boolean | null, withProvider: boolean): Statement {
  let p = prepared.get(db);
  if (!p) {
    p = {
      statements: new Map(),
      providers: db.prepare(
        `SELECT institution_id, provider, provider_institution_id, name, beta, history_days, automatic_sync, refreshes_per_day,
           unattended_per_day, mfa, logo
         FROM institution_providers WHERE institution_id IN (SELECT value FROM json_each(?)) ORDER BY institution_id, provider`,
      ),
    };
    prepared.set(db, p);
  }
  const key = `${kind}|${inCountry}|${withProvider}`;
  let st = p.statements.get(key);
  if (st) return st;
  const where: string[] = [];
  if (inCountry === true) where.push('i.country = @country');
  if (inCountry === false) where.push('i.country IS NOT @country');
  if (withProvider) where.push(HAS_PROVIDER);
  if (kind === 'list') {
    st = db.prepare(`SELECT ${COLUMNS} FROM institutions i ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.folded, i.id LIMIT @limit`);
  } else if (kind === 'prefix') {
    where.push('i.folded >= @lo', 'i.folded < @hi');
    st = db.prepare(`SELECT ${COLUMNS} FROM institutions i WHERE ${where.join(' AND ')} ORDER BY i.folded, i.id LIMIT @limit`);
  } else {
    // The country is part of the full-text query (see searchInstitutions); only the provider
    // is checked on the candidates.
    st = db.prepare(
      `SELECT ${COLUMNS},
         f.b - CASE WHEN i.folded LIKE @firstPrefix THEN 4 ELSE 0 END + length(i.name) * 0.02 AS score
       FROM (SELECT rowid AS id, bm25(institutions_fts, 0.0, 1.0, 0.5, 0.0) AS b FROM institutions_fts
             WHERE institutions_fts MATCH @match LIMIT ${CANDIDATES}) f
       JOIN institutions i ON i.id = f.id
       ${withProvider ? `WHERE ${HAS_PROVIDER}` : ''}
       ORDER BY score, i.folded, i.id LIMIT @limit`,
    );
  }
  p.statements.set(key, st);
  return st;
}

interface FoundRow {
  id: number;
  name: string;
  country: string;
  bic: string | null;
  beta: number;
  history_days: number;
  automatic_sync: number;
  logo: string | null;
}

/**
 * Searches the cached catalog (SQLite only: works offline). Every word of the query must
 * start a word of the bank's name (or its BIC), in any order, whatever the accents and the
 * case. The given country's banks come first; within a country, names that start with the
 * query first (alphabetically), then the other matches by relevance (bm25, shorter names
 * first). An empty query lists banks alphabetically: only the given country's when one is
 * given. Never throws on odd input: the query is reduced to quoted prefix terms.
 */
export function searchInstitutions(db: Db, query: string, opts: SearchOptions = {}): CatalogInstitution[] {
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(Number(opts.limit ?? DEFAULT_LIMIT)) || DEFAULT_LIMIT));
  const country = typeof opts.country === 'string' && /^[A-Za-z]{2}$/.test(opts.country.trim()) ? opts.country.trim().toUpperCase() : null;
  const provider = typeof opts.provider === 'string' ? opts.provider : null;
  const withProvider = provider !== null;
  const terms = queryTerms(typeof query === 'string' ? query : '');
  if (terms.length === 0) {
    const rows = statement(db, 'list', country === null ? null : true, withProvider).all({ country, provider, limit }) as FoundRow[];
    return withProviders(db, rows);
  }

  const q = foldText(query.slice(0, 500)).split(' ').slice(0, MAX_QUERY_TERMS).map((w) => w.slice(0, MAX_TERM_LENGTH)).join(' ');
  const words = `{folded bic} : (${terms.map((t) => `"${t}"*`).join(' ')})`;
  const found: FoundRow[] = [];
  const seen = new Set<number>();
  const add = (rows: FoundRow[]) => {
    for (const r of rows) {
      if (found.length >= limit) return;
      if (!seen.has(r.id)) {
        seen.add(r.id);
        found.push(r);
      }
    }
  };
  const base = { country, provider, lo: q, hi: q + TOP, firstPrefix: `${terms[0]}%` };
  const scopes: (boolean | null)[] = country === null ? [null] : [true, false];
  for (const scope of scopes) {
    if (found.length >= limit) break;
    add(statement(db, 'prefix', scope, withProvider).all({ ...base, limit: limit - found.length }) as FoundRow[]);
    if (found.length >= limit) break;
    const match = scope === true ? `{country} : "${country!.toLowerCase()}" AND ${words}` : words;
    // Rows already found are asked again (they rank among the candidates): ask for that many more.
    add(statement(db, 'match', null, withProvider).all({ ...base, match, limit: limit + found.length }) as FoundRow[]);
  }
  return withProviders(db, found);
}

function withProviders(db: Db, rows: FoundRow[]): CatalogInstitution[] {
  if (rows.length === 0) return [];
  const byId = new Map<number, CatalogInstitution>();
  const out = rows.map((r) => {
    const inst: CatalogInstitution = {
      id: r.id, name: r.name, country: r.country, bic: r.bic, beta: r.beta === 1, historyDays: r.history_days,
      automaticSync: r.automatic_sync === 1, logo: r.logo, providers: [],
    };
    byId.set(r.id, inst);
    return inst;
  });
  const provs = prepared.get(db)!.providers.all(JSON.stringify(rows.map((r) => r.id))) as Omit<ProviderRow, 'country' | 'bic' | 'updated_at'>[];
  for (const e of provs) {
    byId.get(e.institution_id)?.providers.push({
      provider: e.provider as ProviderName,
      providerInstitutionId: e.provider_institution_id,
      name: e.name,
      beta: e.beta === 1,
      historyDays: e.history_days,
      automaticSync: e.automatic_sync === 1,
      refreshesPerDay: e.refreshes_per_day,
      unattendedPerDay: e.unattended_per_day,
      mfa: e.mfa === null ? null : e.mfa === 1,
      logo: e.logo,
    });
  }
  return out;
}
