// A journal: statements (flags, difference), its lines in a virtualized table, pending lines
// apart, a line's detail, and the journal's messages.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, DismissedLineView, JournalView, LineView, PendingLineView, StatementView } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';
import { Chatter } from '../components/Chatter';
import { ErrorMessage, Money } from '../components/common';
import { useI18n } from '../i18n';
import { decimalPlaces, typedToMinor } from '../money';
import { href } from '../router';

const ROW = 36;
const PAGE = 500;
const OVERSCAN = 10;

/** The journal's line filters, in the API's terms (amounts in minor units). */
interface LineFilter {
  search?: string;
  date_from?: string;
  date_to?: string;
  amount_min?: number;
  amount_max?: number;
}

/** Pages of lines fetched on demand with offset/limit; only the visible rows are rendered. */
/** `version` changes whenever the journal's lines may have changed (a sync, a removal): pages are fetched again. */
function useLinePages(journalId: number, statementId: number | null, filter: LineFilter, version: number) {
  const pages = useRef(new Map<number, LineView[] | 'loading'>());
  const [, setTick] = useState(0);
  const key = JSON.stringify(filter);
  useEffect(() => {
    pages.current = new Map();
    setTick((n) => n + 1);
  }, [journalId, statementId, key, version]);
  const ensure = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
        if (pages.current.has(p)) continue;
        pages.current.set(p, 'loading');
        const map = pages.current;
        void getApi()
          .listLines({ journal_id: journalId, ...(statementId !== null ? { statement_id: statementId } : {}), ...filter, offset: p * PAGE, limit: PAGE })
          .then((r) => {
            if (map !== pages.current) return;
            if (r.ok) map.set(p, r.value);
            else map.delete(p);
            setTick((n) => n + 1);
          });
      }
    },
    // `key` (the filter as JSON) stands for `filter`, whose object changes every render.
    [journalId, statementId, key, version],
  );
  const get = (i: number): LineView | undefined => {
    const page = pages.current.get(Math.floor(i / PAGE));
    return page === 'loading' || !page ? undefined : page[i % PAGE];
  };
  return { ensure, get };
}

function LinesTable({ journal, statement, filter, version, onOpen }: {
  journal: JournalView; statement: StatementView | null; filter: LineFilter; version: number; onOpen: (l: LineView) => void;
}) {
  const { t, date, num } = useI18n();
  const filtered = Object.keys(filter).length > 0;
  const [matches, setMatches] = useState<number | null>(null);
  const key = JSON.stringify(filter);
  useEffect(() => {
    if (!filtered) return setMatches(null);
    let live = true;
    void getApi().countLines({ journal_id: journal.id, ...(statement ? { statement_id: statement.id } : {}), ...filter }).then((r) => {
      if (live && r.ok) setMatches(r.value);
    });
    return () => {
      live = false;
    };
    // `key` (the filter as JSON) stands for `filter`, whose object changes every render.
  }, [journal.id, statement?.id, key, version]);
  const count = filtered ? (matches ?? 0) : statement ? statement.line_count : journal.line_count;
  const { ensure, get } = useLinePages(journal.id, statement?.id ?? null, filter, version);
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(480);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
    setTop(0);
  }, [journal.id, statement?.id, key]);
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(count - 1, Math.ceil((top + height) / ROW) + OVERSCAN);
  useEffect(() => {
    if (count > 0) ensure(first, last);
  }, [first, last, count, ensure]);
  const frame = useRef(0);
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setTop(scroller.current?.scrollTop ?? 0));
  };
  const rows = [];
  for (let i = first; i <= last; i++) {
    const l = get(i);
    rows.push(
      <div key={i} role="row" aria-rowindex={i + 2} className={`vrow ${l?.kind === 'opening' ? 'opening' : ''}`} style={{ transform: `translateY(${i * ROW}px)` }} data-testid="line-row">
        {l ? (
          <>
            <span role="cell" className="c-date">
              <button type="button" className="linkish" onClick={() => onOpen(l)} aria-label={`${t('journal.detail')}: ${date(l.date)} ${l.payment_ref}`}>
                {date(l.date)}
              </button>
            </span>
            <span role="cell" className="c-ref" title={l.payment_ref}>
              {l.payment_ref}
            </span>
            <span role="cell" className="c-partner">
              {l.partner_name ?? ''}
            </span>
            <span role="cell" className="c-amount">
              <Money decimal={l.amount_decimal} currency={l.currency} />
            </span>
          </>
        ) : (
          <span role="cell" className="c-loading">
            …
          </span>
        )}
      </div>,
    );
  }
  return (
    <>
    <div className="vtable" role="table" aria-label={t('journal.lines')} aria-rowcount={count + 1} data-testid="lines-table" data-line-count={count}>
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="vhead">
          <span role="columnheader" className="c-date">{t('journal.col.date')}</span>
          <span role="columnheader" className="c-ref">{t('journal.col.ref')}</span>
          <span role="columnheader" className="c-partner">{t('journal.col.partner')}</span>
          <span role="columnheader" className="c-amount">{t('journal.col.amount')}</span>
        </div>
      </div>
      <div role="rowgroup" className="vscroll" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={t('journal.lineCount', { n: num(count) })}>
        <div className="vspacer" style={{ height: `${count * ROW}px` }}>
          {rows}
        </div>
      </div>
    </div>
      {/* Outside the table: a table holds rows only. */}
      {filtered ? <p className="hint" role="status" data-testid="filter-matches">{t('journal.filter.matches', { n: num(count) })}</p> : null}
      {count === 0 ? <p className="muted">{t('journal.noLines')}</p> : null}
    </>
  );
}

/** Search, dates and amounts above the lines; the search waits for a pause in typing. */
function LineFilters({ journal, onChange }: { journal: JournalView; onChange: (f: LineFilter) => void }) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [min, setMin] = useState('');
  const [max, setMax] = useState('');
  // Typed amounts to the API's minor units with the journal currency's exponent, read from
  // the decimal text the core sends (the window keeps no currency table of its own).
  const places = decimalPlaces(journal.balance_decimal);
  const amountMin = typedToMinor(min, places);
  const amountMax = typedToMinor(max, places);
  const bad = amountMin === null || amountMax === null;
  useEffect(() => {
    if (bad) return;
    const timer = setTimeout(() => {
      onChange({
        ...(search.trim() ? { search: search.trim() } : {}),
        ...(from ? { date_from: from } : {}),
        ...(to ? { date_to: to } : {}),
        ...(amountMin !== undefined && amountMin !== null ? { amount_min: amountMin } : {}),
        ...(amountMax !== undefined && amountMax !== null ? { amount_max: amountMax } : {}),
      });
    }, 250);
    return () => clearTimeout(timer);
  }, [search, from, to, amountMin, amountMax, bad, onChange]);
  const clear = () => {
    setSearch('');
    setFrom('');
    setTo('');
    setMin('');
    setMax('');
  };
  return (
    <form className="filters" role="search" aria-label={t('journal.filter.title')} onSubmit={(e) => e.preventDefault()} data-testid="line-filters">
      <label>
        {t('journal.filter.search')}
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="filter-search" />
      </label>
      <label>
        {t('journal.filter.from')}
        <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="filter-from" />
      </label>
      <label>
        {t('journal.filter.to')}
        <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="filter-to" />
      </label>
      <label>
        {t('journal.filter.min')}
        <input type="text" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} aria-invalid={amountMin === null || undefined} data-testid="filter-min" />
      </label>
      <label>
        {t('journal.filter.max')}
        <input type="text" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} aria-invalid={amountMax === null || undefined} data-testid="filter-max" />
      </label>
      <button type="button" className="btn btn-small" onClick={clear}>
        {t('journal.filter.clear')}
      </button>
      {bad ? <p className="warning small" role="alert">{t('journal.filter.badAmount')}</p> : null}
    </form>
  );
}

function LineDetail({ line: shown, onClose, onRemoved }: { line: LineView; onClose: () => void; onRemoved: () => void }) {
  const [line, setLine] = useState(shown);
  const { t, date } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const remove = async () => {
    try {
      await unwrap(getApi().dismissLine({ line_id: line.id }));
      ref.current?.close();
      onRemoved();
    } catch (e) {
      setError(toApiError(e));
    }
  };
  // Only a line the bank sent can be removed: its ids are what keeps it from coming back.
  const removable = line.kind === 'bank' && line.provider_ids.length > 0;
  // A match made by amount and date is a guess: the user may take it back.
  const guessed = line.provider_ids.some((p) => p.kind === 'pending_matched');
  const undo = async () => {
    try {
      setLine(await unwrap(getApi().undoMatch({ line_id: line.id })));
      onRemoved(); // the journal reloads: the pending list may change at the next sync
    } catch (e) {
      setError(toApiError(e));
    }
  };
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="line-detail-h" onClose={onClose} data-testid="line-detail">
      <h2 id="line-detail-h">{t('journal.detail')}</h2>
      <dl className="detail">
        <dt>{t('journal.col.date')}</dt>
        <dd>{date(line.date)}</dd>
        <dt>{t('journal.col.amount')}</dt>
        <dd>
          <Money decimal={line.amount_decimal} currency={line.currency} />
        </dd>
        <dt>{t('journal.col.ref')}</dt>
        <dd>{line.payment_ref}</dd>
        <dt>{t('journal.col.partner')}</dt>
        <dd>{line.partner_name ?? '—'}</dd>
        <dt>{t('journal.account')}</dt>
        <dd>{line.account_number ?? '—'}</dd>
        <dt>{t('journal.kind')}</dt>
        <dd>{t(`journal.kind.${line.kind}`)}</dd>
        <dt>{t('journal.original')}</dt>
        <dd>{line.foreign_amount_decimal !== null && line.foreign_currency ? <Money decimal={line.foreign_amount_decimal} currency={line.foreign_currency} /> : '—'}</dd>
        <dt>{t('journal.rate')}</dt>
        <dd>{line.exchange_rate ?? '—'}</dd>
        <dt>{t('journal.matchReason')}</dt>
        <dd>
          {line.match_reason ?? '—'}
          {guessed ? (
            <>
              <p className="hint" id="undo-match-h">
                {t('journal.undoMatchHint')}
              </p>
              <button type="button" className="btn btn-small" onClick={() => void undo()} aria-describedby="undo-match-h">
                {t('journal.undoMatch')}
              </button>
            </>
          ) : null}
        </dd>
        <dt>{t('journal.providerIds')}</dt>
        <dd>
          <ul className="ids">
            {line.provider_ids.map((p) => (
              <li key={`${p.kind}:${p.id}`}>
                <code>{p.kind}</code> {p.id}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      {confirming ? (
        <div className="warning-box" role="alert" data-testid="remove-confirm">
          <p>{t('journal.removeExplain')}</p>
          <div className="actions">
            <button type="button" className="btn btn-danger" onClick={() => void remove()}>
              {t('journal.removeConfirm')}
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>
              {t('journal.removeKeep')}
            </button>
          </div>
        </div>
      ) : null}
      {error ? <ErrorMessage error={error} /> : null}
      <form method="dialog" className="actions">
        <button type="submit" className="btn btn-primary" autoFocus>
          {t('common.close')}
        </button>
        {removable && !confirming ? (
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
            {t('journal.remove')}
          </button>
        ) : null}
      </form>
    </dialog>
  );
}

export function Journal({ id }: { id: number }) {
  const { t, date, num, money, instant } = useI18n();
  const [journal, setJournal] = useState<JournalView | null | undefined>(undefined);
  const [statements, setStatements] = useState<StatementView[]>([]);
  const [pending, setPending] = useState<PendingLineView[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [statement, setStatement] = useState<StatementView | null>(null);
  const [detail, setDetail] = useState<LineView | null>(null);
  const [filter, setFilter] = useState<LineFilter>({});
  const [removed, setRemoved] = useState<DismissedLineView[]>([]);
  const [version, setVersion] = useState(0);
  const [restoreError, setRestoreError] = useState<ApiError | null>(null);
  const load = useCallback(async () => {
    try {
      const api = getApi();
      const journals = await unwrap(api.listJournals({}));
      const j = journals.find((x) => x.id === id) ?? null;
      setJournal(j);
      if (!j) return;
      const [s, p, d] = await Promise.all([
        unwrap(api.listStatements({ journal_id: id })), unwrap(api.listPendingLines({ journal_id: id })), unwrap(api.listDismissed({ journal_id: id })),
      ]);
      setStatements(s);
      setPending(p);
      setRemoved(d);
      // The chosen statement's figures change with its lines.
      setStatement((cur) => (cur ? (s.find((x) => x.id === cur.id) ?? null) : null));
      setVersion((v) => v + 1);
      setError(null);
    } catch (e) {
      setError(toApiError(e));
    }
  }, [id]);
  useEffect(() => {
    setStatement(null);
    void load();
  }, [load]);
  const importAgain = async (d: DismissedLineView) => {
    setRestoreError(null);
    try {
      await unwrap(getApi().importAgain({ dismissed_id: d.id }));
      await load();
    } catch (e) {
      setRestoreError(toApiError(e));
    }
  };
  if (error) return <ErrorMessage error={error} onRetry={() => void load()} />;
  if (journal === undefined) return <p className="muted">{t('common.loading')}</p>;
  if (journal === null)
    return (
      <p>
        {t('journal.notFound')} <a href={href({ page: 'dashboard' })}>{t('nav.dashboard')}</a>
      </p>
    );
  const sorted = [...statements].sort((a, b) => (a.date < b.date ? 1 : -1));
  return (
    <section aria-labelledby="page-title" data-testid="journal-page">
      <div className="page-head">
        <h1 id="page-title">{t('journal.title', { name: journal.name })}</h1>
        <p className="muted">
          {journal.code} · {journal.currency} · {t('journal.lineCount', { n: num(journal.line_count) })}
          {journal.history_from ? <span data-testid="history-from"> · {t('journal.historyFrom', { date: date(journal.history_from) })}</span> : null}
        </p>
      </div>
      <div className="journal-grid">
        <section aria-labelledby="st-h" className="card">
          <h2 id="st-h">{t('journal.statements')}</h2>
          {sorted.length === 0 ? (
            <p className="muted">{t('journal.noStatements')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="statements-table">
                <thead>
                  <tr>
                    <th scope="col">{t('journal.col.date')}</th>
                    <th scope="col">{t('journal.col.name')}</th>
                    <th scope="col" className="num">{t('journal.col.start')}</th>
                    <th scope="col" className="num">{t('journal.col.end')}</th>
                    <th scope="col" className="num">{t('journal.col.endReal')}</th>
                    <th scope="col">{t('journal.col.flags')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((s) => (
                    <tr key={s.id} className={`${statement?.id === s.id ? 'selected' : ''} ${s.difference !== 0 ? 'flagged' : ''}`} data-testid="statement-row">
                      <td>{date(s.date)}</td>
                      <td>
                        <button type="button" className="linkish" aria-pressed={statement?.id === s.id} onClick={() => setStatement(statement?.id === s.id ? null : s)}>
                          {s.name}
                        </button>
                      </td>
                      <td className="num">
                        <Money decimal={s.balance_start_decimal} currency={journal.currency} />
                      </td>
                      <td className="num">
                        <Money decimal={s.balance_end_decimal} currency={journal.currency} />
                      </td>
                      <td className="num">
                        <Money decimal={s.balance_end_real_decimal} currency={journal.currency} />
                      </td>
                      <td>
                        <span className={`flag ${s.is_complete ? 'ok' : 'bad'}`}>{s.is_complete ? t('journal.complete') : t('journal.incomplete')}</span>{' '}
                        <span className={`flag ${s.is_valid ? 'ok' : 'bad'}`}>{s.is_valid ? t('journal.valid') : t('journal.invalid')}</span>
                        {s.difference !== 0 ? <p className="warning small" data-testid="statement-difference">{t('journal.differenceFlag', { amount: money(s.difference_decimal, journal.currency, 'exceptZero') })}</p> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section aria-labelledby="lines-h" className="card">
          <div className="section-head">
            <h2 id="lines-h">{statement ? statement.name : t('journal.allLines')}</h2>
            {statement ? (
              <button type="button" className="btn btn-small" onClick={() => setStatement(null)}>
                {t('journal.allLines')}
              </button>
            ) : null}
          </div>
          <LineFilters journal={journal} onChange={setFilter} />
          <LinesTable journal={journal} statement={statement} filter={filter} version={version} onOpen={setDetail} />
        </section>
        {pending.length > 0 ? (
          <section aria-labelledby="pending-h" className="card pending" data-testid="pending-lines">
            <h2 id="pending-h">{t('journal.pending')}</h2>
            <p className="hint">{t('journal.pendingHint')}</p>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('journal.col.date')}</th>
                  <th scope="col">{t('journal.col.ref')}</th>
                  <th scope="col">{t('journal.col.partner')}</th>
                  <th scope="col" className="num">{t('journal.col.amount')}</th>
                </tr>
              </thead>
              <tbody>
                {pending.map((p) => (
                  <tr key={p.id}>
                    <td>{date(p.date)}</td>
                    <td>{p.payment_ref}</td>
                    <td>{p.partner_name ?? ''}</td>
                    <td className="num">
                      <Money decimal={p.amount_decimal} currency={p.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
        {removed.length > 0 ? (
          <section aria-labelledby="removed-h" className="card" data-testid="removed-lines">
            <h2 id="removed-h">{t('journal.removed')}</h2>
            <p className="hint">{t('journal.removedHint')}</p>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('journal.col.date')}</th>
                  <th scope="col">{t('journal.col.ref')}</th>
                  <th scope="col" className="num">{t('journal.col.amount')}</th>
                  <th scope="col">{t('journal.removedOn')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('journal.importAgain')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {removed.map((d) => (
                  <tr key={d.id} data-testid="removed-line">
                    <td>{date(d.date)}</td>
                    <td>{d.payment_ref}</td>
                    <td className="num">
                      <Money decimal={d.amount_decimal} currency={d.currency} />
                    </td>
                    <td>{instant(d.dismissed_at)}</td>
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => void importAgain(d)} aria-label={t('journal.importAgainLine', { ref: d.payment_ref })}>
                        {t('journal.importAgain')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {restoreError ? <ErrorMessage error={restoreError} /> : null}
          </section>
        ) : null}
        <div className="card">
          <Chatter chatterKey={`j${journal.id}`} title={t('journal.chatter')} />
        </div>
      </div>
      {detail ? <LineDetail line={detail} onClose={() => setDetail(null)} onRemoved={() => void load()} /> : null}
    </section>
  );
}
