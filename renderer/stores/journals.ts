// Journals, their balance history for the dashboard charts, and the manual synchronization.
import { create } from 'zustand';
import type { ApiError, JournalView, SyncProgressEvent, SyncSummary } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';

export interface BalancePoint {
  date: string;
  /** Minor units (the chart's shape); balance_decimal is the same amount to show. */
  balance: number;
  balance_decimal: string;
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


/** The end-of-day balance over the last 90 days, computed by the core in one query. */
async function balanceHistory(journal: JournalView): Promise<BalancePoint[]> {
  return unwrap(getApi().balanceHistory({ journal_id: journal.id, days: DAYS + 1 }));
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
