// Add a Bank Account: institution picker → Phone number → consent popup → accounts → first sync.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { AccountLink, ApiError, CatalogInstitutionView, Periodicity } from '../../preload/api';
import { getApi } from '../bridge';
import { ErrorMessage, Money, PeriodicitySelect, defaultPeriodicity } from '../components/common';
import { useI18n } from '../i18n';
import { providerName } from '../providers';
import { navigate } from '../router';
import { useApp } from '../stores/app';
import { useConnect, type ChosenInstitution } from '../stores/connect';
import { useJournals } from '../stores/journals';

let prefill = '';
/** Opens the picker with a query already typed (the dashboard's "Add the Demo Bank"). */
export function prefillPicker(q: string) {
  prefill = q;
}

const COUNTRIES = ['BE', 'CA', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'IE', 'IT', 'NL', 'NO', 'PL', 'PT', 'SE', 'US', 'VN', 'XF'];

interface Option {
  key: string;
  institution: CatalogInstitutionView;
  provider: CatalogInstitutionView['providers'][number];
}

function Picker() {
  const { t, locale, num } = useI18n();
  const bridge = useApp((s) => s.bridge);
  const [query, setQuery] = useState(() => {
    const q = prefill;
    prefill = '';
    return q;
  });
  const [country, setCountry] = useState('');
  const [results, setResults] = useState<CatalogInstitutionView[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const hintId = useId();
  const seq = useRef(0);
  const regionNames = useMemo(() => {
    try {
      return new Intl.DisplayNames([locale], { type: 'region' });
    } catch {
      return null;
    }
  }, [locale]);
  const countryName = (cc: string) => (cc === 'XF' ? 'Test (XF)' : (regionNames?.of(cc) ?? cc));

  useEffect(() => {
    const q = query.trim();
    if ((!q && !country) || bridge !== 'open') {
      setResults(null);
      return;
    }
    const n = ++seq.current;
    const timer = window.setTimeout(async () => {
      const r = await getApi().searchInstitutions({ query: q, ...(country ? { country } : {}), limit: 50 });
      if (n !== seq.current) return;
      if (r.ok) {
        setResults(r.value);
        setError(null);
      } else setError(r.error);
      setActive(0);
    }, 150);
    return () => window.clearTimeout(timer);
  }, [query, country, bridge]);

  const options: Option[] = (results ?? []).flatMap((inst) =>
    inst.providers.map((p) => ({ key: `${inst.id}-${p.provider}-${p.providerInstitutionId}`, institution: inst, provider: p })),
  );
  const choose = (o: Option) => {
    const chosen: ChosenInstitution = { name: o.institution.name, provider: o.provider.provider, institutionId: o.provider.providerInstitutionId, beta: o.provider.beta || o.institution.beta };
    useConnect.getState().choose(chosen);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (options.length === 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Home' && e.ctrlKey) {
      setActive(0);
    } else if (e.key === 'End' && e.ctrlKey) {
      setActive(options.length - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const o = options[active];
      if (o) choose(o);
    }
  };
  useEffect(() => {
    document.getElementById(`${listId}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const activeId = options.length > 0 ? `${listId}-opt-${active}` : undefined;
  const countryOptions = [...new Set([...COUNTRIES, ...(results ?? []).map((r) => r.country)])].sort();
  let status: string;
  if (bridge !== 'open') status = t('pick.offline');
  else if (!query.trim() && !country) status = t('pick.emptyState');
  else if (results && options.length === 0) status = t('pick.noResult', { q: query.trim() });
  else if (results) status = t('pick.count', { n: num(options.length) });
  else status = t('common.loading');

  return (
    <div className="picker">
      <div className="picker-controls">
        <div className="field grow">
          <label htmlFor={`${listId}-q`}>{t('pick.search')}</label>
          <input
            id={`${listId}-q`}
            type="search"
            role="combobox"
            aria-expanded={options.length > 0}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={activeId}
            aria-describedby={hintId}
            autoComplete="off"
            autoFocus
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onKeyDown}
            data-testid="institution-search"
          />
          <p id={hintId} className="hint">
            {t('pick.searchHint')}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${listId}-cc`}>{t('pick.country')}</label>
          <select id={`${listId}-cc`} value={country} onChange={(e) => setCountry(e.target.value)} data-testid="institution-country">
            <option value="">{t('pick.allCountries')}</option>
            {countryOptions.map((cc) => (
              <option key={cc} value={cc}>
                {countryName(cc)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p role="status" aria-live="polite" className={bridge !== 'open' ? 'warning' : 'muted'} data-testid="institution-status">
        {status}
      </p>
      {error ? <ErrorMessage error={error} /> : null}
      <ul id={listId} role="listbox" aria-label={t('pick.results')} className="listbox" data-testid="institution-list">
        {options.map((o, i) => {
          const beta = o.provider.beta || o.institution.beta;
          return (
            <li
              key={o.key}
              id={`${listId}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              className={`option ${i === active ? 'active' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(o)}
              onMouseMove={() => i !== active && setActive(i)}
              data-testid="institution-option"
              data-provider={o.provider.provider}
              data-institution-id={o.provider.providerInstitutionId}
            >
              <span className="option-main">
                <span className="option-name">{o.institution.name}</span>
                {beta ? <span className="badge badge-beta">{t('pick.beta')}</span> : null}
              </span>
              <span className="option-meta">
                {t('pick.via', { provider: providerName(o.provider.provider) })} · {countryName(o.institution.country)} · {t('pick.history', { n: num(o.provider.historyDays) })}
                {!o.provider.automaticSync ? ` · ${t('pick.manualOnly')}` : ''}
              </span>
              {beta ? <span className="option-note">{t('pick.betaExplain')}</span> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function PhoneStep() {
  const { t } = useI18n();
  const { error, busy, submitPhone, reason } = useConnect();
  const [phone, setPhone] = useState('');
  const sandbox = reason?.kind === 'new' && reason.institution.provider === 'demo';
  const id = useId();
  return (
    <form
      className="card step"
      onSubmit={(e) => {
        e.preventDefault();
        void submitPhone(phone);
      }}
      data-testid="phone-step"
    >
      <h2 id={`${id}-h`}>{t('phone.title')}</h2>
      <p id={`${id}-reason`}>{t('phone.reason')}</p>
      <div className="field">
        <label htmlFor={`${id}-phone`}>{t('phone.label')}</label>
        <input id={`${id}-phone`} type="tel" autoComplete="tel" required autoFocus value={phone} onChange={(e) => setPhone(e.target.value)} aria-describedby={`${id}-reason ${id}-hint`} aria-invalid={error ? true : undefined} data-testid="phone-input" />
        <p id={`${id}-hint`} className="hint">
          {t('phone.hint')}
        </p>
      </div>
      {error ? <ErrorMessage error={error} /> : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy || phone.trim() === ''}>
          {t('phone.submit')}
        </button>
        {sandbox ? (
          <button type="button" className="btn" disabled={busy} onClick={() => void submitPhone('')}>
            {t('phone.skip')}
          </button>
        ) : null}
      </div>
    </form>
  );
}

function ConsentStep() {
  const { t } = useI18n();
  const { flow, busy, error, popupBlocked, reason, openPopup, submitPhone } = useConnect();
  const name = reason?.kind === 'new' ? reason.institution.name : (reason?.connection.institution_name ?? '');
  const retry = () => {
    if (reason?.kind === 'new') useConnect.getState().choose(reason.institution);
    else if (reason && reason.kind !== 'reactivate') useConnect.getState().forConnection(reason.kind, reason.connection);
    else void submitPhone('');
  };
  return (
    <div className="card step" data-testid="consent-step">
      <h2>{t('consent.title')}</h2>
      <div aria-live="polite">
        {busy && !flow ? <p>{t('consent.starting')}</p> : null}
        {flow && !popupBlocked && busy ? (
          <p className="waiting" data-testid="consent-waiting">
            <span className="spinner" aria-hidden="true" /> {t('consent.waiting', { name })}
          </p>
        ) : null}
      </div>
      {flow && popupBlocked && busy ? (
        <div className="warning-box" role="alert" data-testid="popup-blocked">
          <p>
            <strong>{t('consent.blocked')}</strong>
          </p>
          <p>{t('consent.blockedHow')}</p>
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={() => openPopup()}>
              {t('consent.open')}
            </button>
            <a className="btn" href={flow.consent_url} target="_blank" rel="noopener noreferrer" data-testid="consent-link">
              {t('consent.openTab')}
            </a>
          </div>
        </div>
      ) : null}
      {flow && !popupBlocked && busy ? (
        <div className="actions">
          <button type="button" className="btn" onClick={() => openPopup()}>
            {t('consent.reopen')}
          </button>
        </div>
      ) : null}
      {error ? <ErrorMessage error={error} onRetry={retry} /> : null}
    </div>
  );
}

/** `from`: the history start the user chose ('' = as far back as the bank allows). */
type Choice = { selected: boolean; journal: 'new' | number; name: string; periodicity: Periodicity; from: string };

function AccountsStep() {
  const { t } = useI18n();
  const { accounts, journals, busy, error, link } = useConnect();
  const settings = useApp((s) => s.settings);
  const defaultPeriod = defaultPeriodicity(settings);
  const unlinked = accounts.filter((a) => a.journal_id === null);
  const [choices, setChoices] = useState<Record<string, Choice>>(() =>
    Object.fromEntries(unlinked.map((a) => [a.provider_account_id, { selected: true, journal: 'new', name: a.name, periodicity: defaultPeriod, from: '' }])),
  );
  const [missing, setMissing] = useState(false);
  // The computer's calendar date: a history cannot start after it.
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  const update = (id: string, c: Partial<Choice>) => setChoices((s) => ({ ...s, [id]: { ...s[id]!, ...c } }));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const links: AccountLink[] = unlinked
      .filter((a) => choices[a.provider_account_id]?.selected)
      .map((a) => {
        const c = choices[a.provider_account_id]!;
        return {
          provider_account_id: a.provider_account_id,
          journal: c.journal === 'new'
            ? { new: { name: c.name.trim() || a.name, periodicity: c.periodicity, ...(c.from ? { history_from: c.from } : {}) } }
            : { existing: c.journal },
        };
      });
    if (links.length === 0) {
      setMissing(true);
      return;
    }
    setMissing(false);
    void link(links);
  };
  return (
    <form className="card step" onSubmit={submit} aria-labelledby="accounts-h" data-testid="accounts-step">
      <h2 id="accounts-h">{t('accounts.title')}</h2>
      <p>{t('accounts.intro')}</p>
      {unlinked.length === 0 ? <p>{t('accounts.none')}</p> : null}
      <ul className="account-list">
        {unlinked.map((a) => {
          const c = choices[a.provider_account_id]!;
          const base = `acc-${a.id}`;
          const existing = journals.filter((j) => j.currency === a.currency && j.online_account_id === null);
          return (
            <li key={a.id} className={`account ${c.selected ? 'selected' : ''}`} data-testid="account-row" data-account-id={a.provider_account_id}>
              <div className="account-head">
                <input id={`${base}-sel`} type="checkbox" checked={c.selected} onChange={(e) => update(a.provider_account_id, { selected: e.target.checked })} aria-label={t('accounts.choose', { name: a.name })} />
                <label htmlFor={`${base}-sel`} className="account-name">
                  {a.name}
                </label>
                <Money decimal={a.balance_decimal} currency={a.currency} className="account-balance" />
              </div>
              <dl className="account-facts">
                <div>
                  <dt>{t('accounts.number')}</dt>
                  <dd>{a.account_number ?? '—'}</dd>
                </div>
                <div>
                  <dt>{t('accounts.currency')}</dt>
                  <dd>{a.currency}</dd>
                </div>
              </dl>
              {c.selected ? (
                <div className="account-map">
                  <div className="field">
                    <label htmlFor={`${base}-j`}>{t('accounts.journalFor', { name: a.name })}</label>
                    <select id={`${base}-j`} value={String(c.journal)} onChange={(e) => update(a.provider_account_id, { journal: e.target.value === 'new' ? 'new' : Number(e.target.value) })}>
                      <option value="new">{t('accounts.newJournal')}</option>
                      {existing.map((j) => (
                        <option key={j.id} value={j.id}>
                          {t('accounts.existing', { name: `${j.name} (${j.code})` })}
                        </option>
                      ))}
                    </select>
                  </div>
                  {c.journal === 'new' ? (
                    <>
                      <div className="field grow">
                        <label htmlFor={`${base}-n`}>{t('accounts.journalName', { name: a.name })}</label>
                        <input id={`${base}-n`} type="text" value={c.name} maxLength={80} onChange={(e) => update(a.provider_account_id, { name: e.target.value })} />
                      </div>
                      <div className="field">
                        <label htmlFor={`${base}-p`}>{t('accounts.periodicity', { name: a.name })}</label>
                        <PeriodicitySelect id={`${base}-p`} value={c.periodicity} onChange={(periodicity) => update(a.provider_account_id, { periodicity })} />
                      </div>
                      <div className="field">
                        <label htmlFor={`${base}-f`}>{t('accounts.from', { name: a.name })}</label>
                        <input
                          id={`${base}-f`}
                          type="date"
                          value={c.from}
                          max={today}
                          onChange={(e) => update(a.provider_account_id, { from: e.target.value })}
                          aria-describedby={`${base}-f-h`}
                          data-testid="history-from"
                        />
                        <p id={`${base}-f-h`} className="hint">
                          {t('accounts.fromHint')}
                        </p>
                      </div>
                    </>
                  ) : null}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      <div aria-live="polite">{missing ? <p className="warning">{t('accounts.noneChosen')}</p> : null}</div>
      {error ? <ErrorMessage error={error} /> : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="link-accounts">
          {t('accounts.link')}
        </button>
      </div>
    </form>
  );
}

function ProgressStep() {
  const { t, num, percent, date } = useI18n();
  const { syncing, summary, error, connection } = useConnect();
  const progress = useJournals((s) => s.progress);
  const events = Object.values(progress).filter((p) => syncing.includes(p.online_account_id) || p.connection_id === connection?.id);
  const pages = events.reduce((n, e) => n + e.pages, 0);
  const fetched = events.reduce((n, e) => n + e.fetched, 0);
  const stored = events.reduce((n, e) => n + e.stored, 0);
  // After Cancel the run still answers (as cancelled): the bar stays where the fetch stopped.
  const [cancelling, setCancelling] = useState(false);
  const done = summary !== null && !cancelling;
  const failed = (summary ?? []).filter((s) => !s.ok && s.error && s.error.code !== 'cancelled');
  // Banks give no total: each account's share is the part of its date window its pages have
  // covered (measured by the core); an account not started yet counts as nothing done.
  const accounts = Math.max(1, syncing.length, events.length);
  const fraction = done ? 1 : events.reduce((f, e) => f + (e.days_total > 0 ? e.days_done / e.days_total : 0), 0) / accounts;
  // The account furthest behind says how far the history has been read.
  const behind = events.filter((e) => e.reached !== null).sort((a, b) => a.days_done / a.days_total - b.days_done / b.days_total)[0];
  const doneRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!done) return;
    doneRef.current?.focus();
    if (failed.length === 0 && !error) {
      const timer = window.setTimeout(() => navigate({ page: 'dashboard' }), 1500);
      return () => window.clearTimeout(timer);
    }
  }, [done, failed.length, error]);
  const counts = t('progress.status', { pages: num(pages), fetched: num(fetched), stored: num(stored) });
  const text = done
    ? t('progress.done', { stored: num(summary.reduce((n, s) => n + s.stored, 0)) })
    : cancelling
      ? t('progress.cancelling')
      : events.length === 0
      ? t('progress.waiting')
      : behind?.reached
        ? `${counts} · ${t('progress.reached', { percent: percent(fraction), date: date(behind.reached) })}`
        : counts;
  return (
    <div className="card step" data-testid="progress-step">
      <h2 id="progress-h">{t('progress.title')}</h2>
      {events.length === 0 && !done ? (
        <progress aria-labelledby="progress-h" aria-describedby="progress-text" data-testid="sync-progress" />
      ) : (
        <progress aria-labelledby="progress-h" aria-describedby="progress-text" max={1000} value={Math.round(fraction * 1000)} aria-valuetext={text} data-testid="sync-progress" data-done={done ? 'true' : 'false'} />
      )}
      <p id="progress-text" role="status" aria-live="polite" data-testid="sync-progress-text">
        {text}
      </p>
      {failed.map((s) => (
        <ErrorMessage key={s.connection_id} error={s.error!} />
      ))}
      {error ? <ErrorMessage error={error} /> : null}
      {!done && !cancelling ? <p className="hint">{t('progress.cancelNote')}</p> : null}
      <div className="actions">
        {done ? (
          <button ref={doneRef} type="button" className="btn btn-primary" onClick={() => navigate({ page: 'dashboard' })}>
            {t('progress.toDashboard')}
          </button>
        ) : (
          <button
            type="button"
            className="btn"
            disabled={cancelling}
            onClick={() => {
              setCancelling(true);
              void getApi().cancelSync({}).finally(() => navigate({ page: 'dashboard' }));
            }}
          >
            {t('common.cancel')}
          </button>
        )}
      </div>
    </div>
  );
}

export function Connect() {
  const { t } = useI18n();
  const step = useConnect((s) => s.step);
  const reason = useConnect((s) => s.reason);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (step !== 'pick') headingRef.current?.focus();
  }, [step]);
  const cancel = () => {
    useConnect.getState().reset();
    navigate({ page: 'dashboard' });
  };
  return (
    <section aria-labelledby="page-title" data-step={step} data-testid="connect-page">
      <div className="page-head">
        <h1 id="page-title" ref={headingRef} tabIndex={-1}>
          {!reason || reason.kind === 'new' ? t('pick.title') : reason.kind === 'reconnect' ? t('conn.reconnect') : reason.kind === 'update' ? t('conn.updateCredentials') : t('conn.reactivate')}
          {reason ? <span className="subtitle"> · {reason.kind === 'new' ? reason.institution.name : reason.connection.institution_name}</span> : null}
        </h1>
        {step !== 'progress' ? (
          <div className="actions">
            {step !== 'pick' && reason?.kind === 'new' ? (
              <button type="button" className="btn" onClick={() => useConnect.getState().reset()}>
                {t('common.back')}
              </button>
            ) : null}
            <button type="button" className="btn" onClick={cancel}>
              {t('common.cancel')}
            </button>
          </div>
        ) : null}
      </div>
      {reason?.kind === 'new' && reason.institution.beta && step !== 'pick' ? <p className="info">{t('pick.betaExplain')}</p> : null}
      {step === 'pick' ? <Picker /> : null}
      {step === 'phone' ? <PhoneStep /> : null}
      {step === 'consent' ? <ConsentStep /> : null}
      {step === 'accounts' ? <AccountsStep /> : null}
      {step === 'progress' ? <ProgressStep /> : null}
    </section>
  );
}
