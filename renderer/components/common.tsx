// Small shared pieces: error messages with a copyable reference, copy buttons, state badges.
import { useEffect, useRef, useState } from 'react';
import type { ApiError, ConnectionState, Periodicity } from '../../preload/api';
import { useI18n, type MessageKey } from '../i18n';
import { useApp } from '../stores/app';

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 2500);
  };
  return (
    <span className="copy">
      <button type="button" className="btn btn-small" onClick={() => void copy()} title={label} data-testid="copy">
        {t('common.copy')}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' ? t('common.copied') : state === 'failed' ? t('error.copyFailed') : ''}
      </span>
    </span>
  );
}

/** Translates the bridge's own errors; the core's messages are already sentences. */
function messageOf(error: ApiError, t: (k: MessageKey) => string): string {
  if (error.code === 'bridge_offline') return t('bridge.offline');
  if (error.code === 'bridge_lost') return t('bridge.lost');
  return error.message;
}

export function ErrorMessage({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  const bridge = useApp((s) => s.bridge);
  // While Ledgerlink is unreachable the banner at the top says so once; the page reloads by itself.
  if (error.code === 'bridge_offline' && bridge !== 'open') return null;
  const copyText = [error.description, error.reference].filter(Boolean).join('\n');
  return (
    <div className="error-box" role="alert" data-testid="error" data-code={error.code}>
      <p className="error-message">{messageOf(error, t)}</p>
      {error.description && error.description !== error.message ? <p className="error-description">{error.description}</p> : null}
      {error.reference ? (
        <p className="error-reference">
          <span data-testid="error-reference">{t('common.reference', { ref: error.reference })}</span>{' '}
          <CopyButton text={copyText || error.reference} label={t('chatter.copyLabel')} />
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function StateBadge({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${state}`} data-testid="state-badge" data-state={state}>
      {t(`state.${state}`)}
    </span>
  );
}

/** An amount from the API: its decimal text (`X_decimal`), never its minor units. */
export function Money({ decimal, currency, className, sign }: { decimal: string; currency: string; className?: string; sign?: 'auto' | 'exceptZero' }) {
  const { money } = useI18n();
  return <span className={`money ${decimal.startsWith('-') ? 'negative' : ''} ${className ?? ''}`}>{money(decimal, currency, sign)}</span>;
}

const PERIODICITIES: readonly Periodicity[] = ['none', 'day', 'week', 'bimonthly', 'month'];

/** The default periodicity of new journals from the core's settings ("month" when unset). */
export function defaultPeriodicity(settings: Record<string, string>): Periodicity {
  const v = settings.default_periodicity;
  return (PERIODICITIES as readonly string[]).includes(v ?? '') ? (v as Periodicity) : 'month';
}

/** A statement periodicity picker; the label is the caller's (`<label htmlFor={id}>`). */
export function PeriodicitySelect({ id, value, onChange }: { id: string; value: Periodicity; onChange: (p: Periodicity) => void }) {
  const { t } = useI18n();
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as Periodicity)}>
      {PERIODICITIES.map((p) => (
        <option key={p} value={p}>
          {t(`period.${p}`)}
        </option>
      ))}
    </select>
  );
}
