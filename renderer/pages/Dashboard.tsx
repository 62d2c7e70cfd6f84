// The dashboard: a card per journal, Synchronize Now, Add a Bank Account.
import { useEffect, useState } from 'react';
import type { ApiError, ConnectionView, JournalView, SyncSummary } from '../../preload/api';
import { BalanceChart } from '../components/BalanceChart';
import { Chatter } from '../components/Chatter';
import { ConsentButton, consentFor } from '../components/ConsentButton';
import { ErrorMessage, Money, StateBadge } from '../components/common';
import { useI18n } from '../i18n';
import { subtractDecimals } from '../money';
import { href, navigate } from '../router';
import { useConnections } from '../stores/connections';
import { useJournals } from '../stores/journals';
import { useConnect } from '../stores/connect';
import { prefillPicker } from './Connect';

function JournalCard({ journal, connection }: { journal: JournalView; connection: ConnectionView | undefined }) {
  const { t, money, instant, num } = useI18n();
  const points = useJournals((s) => s.history[journal.id]);
  const loadHistory = useJournals((s) => s.loadHistory);
  useEffect(() => {
    void loadHistory(journal);
  }, [journal, loadHistory]);
  const mismatch = journal.bank_balance_decimal !== null && journal.bank_balance !== journal.balance ? subtractDecimals(journal.bank_balance_decimal, journal.balance_decimal) : null;
  const titleId = `journal-${journal.id}-title`;
  return (
    <article className="card journal-card" aria-labelledby={titleId} data-testid="journal-card" data-journal-id={journal.id} data-journal-code={journal.code}>
      <header className="card-head">
        <div>
          <h2 id={titleId} className="card-title">
            <a href={href({ page: 'journal', id: journal.id })} aria-label={t('dash.open', { name: journal.name })}>
              {journal.name}
            </a>
          </h2>
          <p className="muted">{connection ? connection.institution_name : t('dash.noConnection')} · {journal.code} · {journal.currency}</p>
        </div>
        {connection ? <StateBadge state={connection.state} /> : null}
      </header>
      <dl className="balances">
        <div>
          <dt>{t('dash.bankBalance')}</dt>
          <dd data-testid="bank-balance" className={journal.bank_balance === null ? 'not-yet' : undefined}>
            {journal.bank_balance_decimal === null ? t('dash.notSynced') : <Money decimal={journal.bank_balance_decimal} currency={journal.currency} />}
          </dd>
        </div>
        <div>
          <dt>{t('dash.ledgerBalance')}</dt>
          <dd data-testid="ledger-balance">
            <Money decimal={journal.balance_decimal} currency={journal.currency} />
          </dd>
        </div>
      </dl>
      {journal.bank_balance === null && journal.line_count > 0 ? (
        // A first synchronization stopped part-way (cancelled, or the bank failed): say how to finish it.
        <p className="info" data-testid="first-sync-unfinished">{t('dash.firstSyncUnfinished')}</p>
      ) : null}
      {mismatch !== null ? (
        <p className="warning" data-testid="balance-mismatch">
          {t('dash.mismatch', { amount: money(mismatch, journal.currency, 'exceptZero') })}
        </p>
      ) : null}
      <BalanceChart points={points} currency={journal.currency} />
      <ul className="facts">
        <li data-testid="last-sync">{t('dash.lastSync', { when: instant(journal.last_sync) })}</li>
        {journal.pending_count > 0 ? <li data-testid="pending-count">{t('dash.pending', { n: num(journal.pending_count) })}</li> : null}
        {connection && connection.consent_days_left !== null ? (
          <li data-testid="consent-days" className={connection.consent_days_left <= 15 ? 'warning' : ''}>
            {connection.consent_days_left > 0 ? t('dash.consentDays', { n: connection.consent_days_left }) : t('dash.consentEnded')}
          </li>
        ) : null}
        {connection?.state_action ? <li className="warning">{t(`action.${connection.state_action}`)}</li> : null}
      </ul>
      {connection && consentFor(connection) ? (
        <div className="actions">
          <ConsentButton connection={connection} kind={consentFor(connection)!} primary />
        </div>
      ) : null}
      {connection ? <CardChatter connectionId={connection.id} /> : null}
    </article>
  );
}

/** The connection's messages, loaded only when opened (the dashboard stays fast). */
function CardChatter({ connectionId }: { connectionId: number }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <details className="chatter-details" onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="card-chatter">
      <summary>{t('chatter.title')}</summary>
      {open ? <Chatter chatterKey={`c${connectionId}`} heading={false} /> : null}
    </details>
  );
}

function SyncResult({ result }: { result: SyncSummary[] | ApiError }) {
  const { t, num } = useI18n();
  const connections = useConnections((s) => s.connections);
  if (!Array.isArray(result)) return <ErrorMessage error={result} />;
  const failed = result.filter((r) => !r.ok && r.error);
  const stored = result.reduce((n, r) => n + r.stored, 0);
  return (
    <div>
      {failed.length < result.length ? <p className="success">{stored > 0 ? t('dash.syncDone', { stored: num(stored) }) : t('dash.syncNothing')}</p> : null}
      {failed.map((r) => (
        <div key={r.connection_id}>
          <p className="muted">{connections.find((c) => c.id === r.connection_id)?.institution_name ?? ''}</p>
          <ErrorMessage error={r.error!} />
        </div>
      ))}
    </div>
  );
}

export function Dashboard() {
  const { t } = useI18n();
  const { journals, loaded, error, syncing } = useJournals();
  const load = useJournals((s) => s.load);
  const synchronize = useJournals((s) => s.synchronize);
  const connections = useConnections((s) => s.connections);
  const loadConnections = useConnections((s) => s.load);
  const [result, setResult] = useState<SyncSummary[] | ApiError | null>(null);
  useEffect(() => {
    void load();
    void loadConnections();
  }, [load, loadConnections]);
  const syncNow = async () => {
    setResult(null);
    const r = await synchronize();
    setResult(r);
    void loadConnections();
  };
  const addBank = () => {
    useConnect.getState().reset();
    navigate({ page: 'connect' });
  };
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('dash.title')}</h1>
        <div className="actions">
          <button type="button" className="btn" onClick={() => void syncNow()} disabled={syncing || journals.length === 0} aria-busy={syncing}>
            {syncing ? t('dash.syncing') : t('dash.sync')}
          </button>
          <button type="button" className="btn btn-primary" onClick={addBank}>
            {t('dash.add')}
          </button>
        </div>
      </div>
      <div aria-live="polite" className="live">
        {result ? <SyncResult result={result} /> : null}
      </div>
      {error ? <ErrorMessage error={error} onRetry={() => void load()} /> : null}
      {!loaded ? <p className="muted">{t('common.loading')}</p> : null}
      {loaded && !error && journals.length === 0 ? (
        <div className="empty card" data-testid="dashboard-empty">
          <h2>{t('dash.empty.title')}</h2>
          <p>{t('dash.empty.text')}</p>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              useConnect.getState().reset();
              prefillPicker('Demo');
              navigate({ page: 'connect' });
            }}
          >
            {t('dash.empty.demo')}
          </button>
        </div>
      ) : null}
      <div className="cards">
        {journals.map((j) => (
          <JournalCard key={j.id} journal={j} connection={connections.find((c) => c.id === j.connection_id)} />
        ))}
      </div>
    </section>
  );
}
