// Settings: language, theme, developer mode (the window's preferences, kept by the core), lock date and
// periodicity (the ledger), provider keys (secrets in the vault; shown masked, never back).
import { useEffect, useId, useState } from 'react';
import type { ApiError, Periodicity, ProviderKeyView } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';
import { ErrorMessage, PeriodicitySelect, StateBadge, defaultPeriodicity } from '../components/common';
import { ConsentButton } from '../components/ConsentButton';
import { LOCALES, useI18n, type Locale } from '../i18n';
import { providerName } from '../providers';
import { useApp, type Theme } from '../stores/app';
import { useConnections } from '../stores/connections';


function SaveStatus({ saved, error }: { saved: boolean; error: ApiError | null }) {
  const { t } = useI18n();
  return (
    <div aria-live="polite">
      {saved ? <p className="success">{t('common.saved')}</p> : null}
      {error ? <ErrorMessage error={error} /> : null}
    </div>
  );
}

export function Settings() {
  const { t } = useI18n();
  const id = useId();
  const { locale, theme, developerMode, settings, setLocale, setTheme, setDeveloperMode, loadSettings, saveSetting } = useApp();
  const [lockDate, setLockDate] = useState('');
  const [period, setPeriod] = useState<Periodicity>('month');
  const [ledgerStatus, setLedgerStatus] = useState<{ saved: boolean; error: ApiError | null }>({ saved: false, error: null });
  const [provider, setProvider] = useState('plaid');
  const [key, setKey] = useState('client_id');
  const [value, setValue] = useState('');
  const [keyStatus, setKeyStatus] = useState<{ saved: boolean; error: ApiError | null }>({ saved: false, error: null });
  const [keys, setKeys] = useState<ProviderKeyView[]>([]);
  const loadKeys = async () => {
    try {
      setKeys(await unwrap(getApi().listProviderKeys({})));
    } catch (e) {
      setKeyStatus({ saved: false, error: toApiError(e) });
    }
  };
  useEffect(() => {
    void loadSettings();
    void loadKeys();
  }, [loadSettings]);
  const connections = useConnections((s) => s.connections).filter((c) => c.state !== 'disconnected');
  const loadConnections = useConnections((s) => s.load);
  useEffect(() => {
    void loadConnections();
  }, [loadConnections]);
  const providers = [...new Set(keys.map((k) => k.provider))];
  const keysOf = keys.filter((k) => k.provider === provider);
  useEffect(() => {
    setLockDate(settings.lock_date ?? '');
    setPeriod(defaultPeriodicity(settings));
  }, [settings]);
  const saveLedger = async (e: React.FormEvent) => {
    e.preventDefault();
    setLedgerStatus({ saved: false, error: null });
    const err = (await saveSetting('lock_date', lockDate)) ?? (await saveSetting('default_periodicity', period));
    setLedgerStatus({ saved: !err, error: err });
  };
  const saveKey = async (e: React.FormEvent) => {
    e.preventDefault();
    setKeyStatus({ saved: false, error: null });
    const err = await saveSetting(`provider.${provider}.${key}`, value);
    setValue('');
    setKeyStatus({ saved: !err, error: err });
    await loadKeys();
  };
  const removeKey = async (k: ProviderKeyView) => {
    setKeyStatus({ saved: false, error: null });
    const err = await saveSetting(`provider.${k.provider}.${k.key}`, '');
    setKeyStatus({ saved: !err, error: err });
    await loadKeys();
  };
  return (
    <section aria-labelledby="page-title" data-testid="settings-page">
      <div className="page-head">
        <h1 id="page-title">{t('settings.title')}</h1>
      </div>
      <div className="settings-grid">
        <div className="card">
          <div className="field">
            <label htmlFor={`${id}-lang`}>{t('settings.language')}</label>
            <select id={`${id}-lang`} value={locale} onChange={(e) => setLocale(e.target.value as Locale)} data-testid="language">
              {LOCALES.map((l) => (
                <option key={l.id} value={l.id} lang={l.tag}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-theme`}>{t('settings.theme')}</label>
            <select id={`${id}-theme`} value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
              <option value="system">{t('settings.theme.system')}</option>
              <option value="light">{t('settings.theme.light')}</option>
              <option value="dark">{t('settings.theme.dark')}</option>
            </select>
          </div>
          <div className="field">
            <label className="switch">
              <input type="checkbox" checked={developerMode} onChange={(e) => setDeveloperMode(e.target.checked)} aria-describedby={`${id}-dev`} data-testid="developer-mode" />
              {t('settings.developer')}
            </label>
            <p id={`${id}-dev`} className="hint">
              {t('settings.developerHint')}
            </p>
          </div>
        </div>
        <form className="card" onSubmit={(e) => void saveLedger(e)}>
          <div className="field">
            <label htmlFor={`${id}-lock`}>{t('settings.lockDate')}</label>
            <input id={`${id}-lock`} type="date" value={lockDate} onChange={(e) => setLockDate(e.target.value)} aria-describedby={`${id}-lock-h`} />
            <p id={`${id}-lock-h`} className="hint">
              {t('settings.lockDateHint')}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-per`}>{t('settings.periodicity')}</label>
            <PeriodicitySelect id={`${id}-per`} value={period} onChange={setPeriod} />
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary">
              {t('common.save')}
            </button>
          </div>
          <SaveStatus {...ledgerStatus} />
        </form>
        <form className="card" onSubmit={(e) => void saveKey(e)} aria-labelledby={`${id}-prov-h`}>
          <h2 id={`${id}-prov-h`}>{t('settings.providers')}</h2>
          <p className="hint">{t('settings.providersHint')}</p>
          <div className="field">
            <label htmlFor={`${id}-prov`}>{t('settings.provider')}</label>
            <select
              id={`${id}-prov`}
              value={provider}
              onChange={(e) => {
                setProvider(e.target.value);
                setKey(keys.find((k) => k.provider === e.target.value)?.key ?? '');
              }}
            >
              {providers.map((p) => (
                <option key={p} value={p}>
                  {providerName(p)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-key`}>{t('settings.key')}</label>
            <select id={`${id}-key`} value={key} onChange={(e) => setKey(e.target.value)}>
              {keysOf.map((k) => (
                <option key={k.key} value={k.key}>
                  {k.key}
                  {k.source && k.source !== 'unavailable' ? ` (${t('settings.stored')})` : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-val`}>{t('settings.value')}</label>
            <input id={`${id}-val`} type="password" autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} />
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary">
              {t('settings.setKey')}
            </button>
          </div>
          <SaveStatus {...keyStatus} />
          <h3 id={`${id}-keys-h`}>{t('settings.keysOf', { provider: providerName(provider) })}</h3>
          <dl className="provider-keys" aria-labelledby={`${id}-keys-h`} data-testid="provider-keys">
            {keysOf.map((k) => (
              <div key={k.key} data-testid="provider-key" data-key={k.key}>
                <dt>{k.key}</dt>
                <dd>
                  {k.masked === null ? (
                    <span className="muted">{t(k.source === 'unavailable' ? 'settings.source.unavailable' : 'settings.notSet')}</span>
                  ) : (
                    <>
                      <code aria-label={t('settings.maskedValue')}>{k.masked}</code>{' '}
                      <span className="muted">{t(`settings.source.${k.source!}`)}</span>
                    </>
                  )}
                  {k.source === 'keychain' || k.source === 'ledger' ? (
                    <button type="button" className="btn btn-small" onClick={() => void removeKey(k)} aria-label={t('settings.removeKey', { key: k.key })}>
                      {t('settings.remove')}
                    </button>
                  ) : null}
                </dd>
              </div>
            ))}
          </dl>
        </form>
        {connections.length > 0 ? (
          <section className="card" aria-labelledby={`${id}-banks-h`} data-testid="bank-connections">
            <h2 id={`${id}-banks-h`}>{t('settings.banks')}</h2>
            <p className="hint">{t('settings.banksHint')}</p>
            <ul className="bank-connections">
              {connections.map((c) => (
                <li key={c.id} data-testid="bank-connection" data-connection-id={c.id}>
                  <span className="bank-name">{c.institution_name}</span>
                  <StateBadge state={c.state} />
                  <span className="actions">
                    {c.state === 'blocked' ? <ConsentButton connection={c} kind="reactivate" primary /> : <ConsentButton connection={c} kind="update" primary={c.state_action === 'update_credentials'} />}
                    <ConsentButton connection={c} kind="reconnect" primary={c.state_action === 'reconnect'} />
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </section>
  );
}
