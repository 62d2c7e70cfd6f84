// The messages of a connection or a journal, in time order; errors with a copyable reference.
import { useEffect } from 'react';
import { useConnections, type ChatterKey } from '../stores/connections';
import type { ChatterView } from '../../preload/api';
import { hasMessage, useI18n, type MessageKey } from '../i18n';
import { CopyButton } from './common';

export function Chatter({ chatterKey, title, heading = true }: { chatterKey: ChatterKey; title?: string; heading?: boolean }) {
  const { t, instant, num, date } = useI18n();
  const list = useConnections((s) => s.chatter[chatterKey]);
  const load = useConnections((s) => s.loadChatter);
  useEffect(() => {
    void load(chatterKey);
  }, [chatterKey, load]);
  /** The app's own messages in the user's language; other text (the bank's) as written. */
  const messageText = (c: ChatterView): string => {
    const key = c.message_key ? (`core.${c.message_key}` as MessageKey) : null;
    if (!key || !hasMessage(key)) return c.text;
    // Counts, instants and dates in the user's format: the core sends them raw.
    const params = Object.fromEntries(Object.entries(c.params ?? {}).map(([k, v]) => [k,
      typeof v === 'number' ? num(v) : /^\d{4}-\d{2}-\d{2}T/.test(v) ? instant(v) : /^\d{4}-\d{2}-\d{2}$/.test(v) ? date(v) : v]));
    return t(key, params);
  };
  const sorted = [...(list ?? [])].sort((a, b) => (a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1));
  return (
    <section className="chatter" aria-label={title ?? t('chatter.title')} data-testid={`chatter-${chatterKey}`}>
      {heading ? <h3>{title ?? t('chatter.title')}</h3> : null}
      {sorted.length === 0 ? (
        <p className="muted">{list ? t('chatter.empty') : t('common.loading')}</p>
      ) : (
        <ol className="chatter-list" aria-live="polite">
          {sorted.map((c) => (
            <li key={c.id} className={`chatter-item level-${c.level}`} data-testid="chatter-item" data-level={c.level}>
              <time dateTime={c.created_at}>{instant(c.created_at)}</time>
              <p>{messageText(c)}</p>
              {c.error_description ? <p className="error-description">{c.error_description}</p> : null}
              {c.reference ? (
                <p className="error-reference">
                  <span data-testid="chatter-reference">{t('common.reference', { ref: c.reference })}</span>{' '}
                  <CopyButton text={[c.error_description ?? c.text, c.reference].join('\n')} label={t('chatter.copyLabel')} />
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
