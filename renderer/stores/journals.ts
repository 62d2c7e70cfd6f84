// Journals, their balance history for the dashboard charts, and the manual synchronization.
import { create } from 'zustand';
import type { ApiError, JournalView, StatementView, SyncProgressEvent, SyncSummary } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';

export interface BalancePoint {
  date: string;
  balance: number;
}

interface JournalsState {
  journals: JournalView[];
  loaded: boolean;
  error: ApiError | null;
  history: Record<number, BalancePoint[]>;
  syncing: boolean;
  lastSync: SyncSummary[] | null;
  /** Live progress per online account during a synchronization. */
  progress: Record<number, SyncProgressEvent>;
  load(): Promise<void>;
  loadHistory(journal: JournalView): Promise<void>;
  synchronize(connectionIds?: number[]): Promise<SyncSummary[] | ApiError>;
  onProgress(e: SyncProgressEvent): void;
  resetProgress(): void;
}

const DAYS = 90;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * The end-of-day balance over the last 90 days, walking back from the ledger balance through
 * the lines, read in pages from the end of the journal (lines are sorted by date). A journal
 * too busy for that (more than 20,000 lines in 90 days) is drawn from its statements' ends.
 */
async function balanceHistory(journal: JournalView): Promise<BalancePoint[]> {
  // The chart ends when the bank last spoke (the core's clock), not at the browser's clock.
  const end0 = journal.last_sync ? new Date(journal.last_sync) : new Date();
  const since = new Date(end0);
  since.setUTCDate(since.getUTCDate() - DAYS);
  const sinceDay = isoDay(since);
  const api = getApi();
  const PAGE = 2000;
  const MAX = 20_000;
  const byDay = new Map<string, number>();
  let end = journal.line_count;
  let read = 0;
  let reachedStart = end === 0;
  while (end > 0 && read < MAX) {
    const offset = Math.max(0, end - PAGE);
    const page = await unwrap(api.listLines({ journal_id: journal.id, offset, limit: end - offset }));
    read += page.length;
    for (const l of page) if (l.date > sinceDay) byDay.set(l.date, (byDay.get(l.date) ?? 0) + l.amount);
    end = offset;
    if (page.length === 0 || (page[0] && page[0].date <= sinceDay)) {
      reachedStart = true;
      break;
    }
    if (end === 0) reachedStart = true;
  }
  if (!reachedStart) return statementHistory(journal, await unwrap(api.listStatements({ journal_id: journal.id })), sinceDay, end0);
  const points: BalancePoint[] = [];
  let balance = journal.balance;
  const day = new Date(end0);
  for (let i = 0; i <= DAYS; i++) {
    const d = isoDay(day);
    points.push({ date: d, balance });
    balance -= byDay.get(d) ?? 0;
    day.setUTCDate(day.getUTCDate() - 1);
  }
  return points.reverse();
}

function statementHistory(journal: JournalView, statements: StatementView[], sinceDay: string, end: Date): BalancePoint[] {
  const points = statements
    .filter((s) => s.date_end >= sinceDay)
    .sort((a, b) => (a.date_end < b.date_end ? -1 : 1))
    .map((s) => ({ date: s.date_end, balance: s.balance_end }));
  points.push({ date: isoDay(end), balance: journal.balance });
  return points;
}

export const useJournals = create<JournalsState>()((set, get) => ({
  journals: [],
  loaded: false,
  error: null,
  history: {},
  syncing: false,
  lastSync: null,
  progress: {},
  async load() {
    try {
      const journals = await unwrap(getApi().listJournals({}));
      set({ journals, loaded: true, error: null });
    } catch (e) {
      set({ error: toApiError(e), loaded: true });
    }
  },
  async loadHistory(journal) {
    try {
      const points = await balanceHistory(journal);
      set({ history: { ...get().history, [journal.id]: points } });
    } catch {
      /* the chart shows its empty state */
    }
  },
  async synchronize(connectionIds) {
    set({ syncing: true, progress: {} });
    try {
      const summary = await unwrap(getApi().synchronize({ connection_ids: connectionIds, trigger: 'manual' }));
      set({ lastSync: summary });
      return summary;
    } catch (e) {
      return toApiError(e);
    } finally {
      set({ syncing: false });
      void get().load();
    }
  },
  onProgress(e) {
    set({ progress: { ...get().progress, [e.online_account_id]: e } });
  },
  resetProgress() {
    set({ progress: {} });
  },
}));
