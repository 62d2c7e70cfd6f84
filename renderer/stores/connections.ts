// Connections (Online Synchronizations) and the chatter of connections and journals.
import { create } from 'zustand';
import type { ApiError, ChatterView, ConnectionState, ConnectionView, StateAction } from '../../preload/api';
import { getApi, toApiError, unwrap } from '../bridge';

export type ChatterKey = `c${number}` | `j${number}`;

interface ConnectionsState {
  connections: ConnectionView[];
  loaded: boolean;
  error: ApiError | null;
  chatter: Partial<Record<ChatterKey, ChatterView[]>>;
  load(): Promise<void>;
  loadChatter(key: ChatterKey): Promise<void>;
  onChatter(c: ChatterView): void;
  onState(e: { connection_id: number; state: ConnectionState; state_action: StateAction | null }): void;
  setAutoSync(id: number, on: boolean): Promise<ApiError | null>;
  disconnect(id: number): Promise<ApiError | null>;
}

export const useConnections = create<ConnectionsState>()((set, get) => ({
  connections: [],
  loaded: false,
  error: null,
  chatter: {},
  async load() {
    try {
      set({ connections: await unwrap(getApi().listConnections({})), loaded: true, error: null });
    } catch (e) {
      set({ error: toApiError(e), loaded: true });
    }
  },
  async loadChatter(key) {
    const id = Number(key.slice(1));
    try {
      const list = await unwrap(getApi().listChatter(key.startsWith('c') ? { connection_id: id } : { journal_id: id }));
      set({ chatter: { ...get().chatter, [key]: list } });
    } catch {
      /* the offline banner says why */
    }
  },
  onChatter(c) {
    const chatter = { ...get().chatter };
    const keys: ChatterKey[] = [];
    if (c.connection_id !== null) keys.push(`c${c.connection_id}`);
    if (c.journal_id !== null) keys.push(`j${c.journal_id}`);
    for (const k of keys) {
      const list = chatter[k];
      if (list && !list.some((x) => x.id === c.id)) chatter[k] = [...list, c];
    }
    set({ chatter });
  },
  onState(e) {
    set({
      connections: get().connections.map((c) => (c.id === e.connection_id ? { ...c, state: e.state, state_action: e.state_action } : c)),
    });
  },
  async setAutoSync(id, on) {
    try {
      await unwrap(getApi().setSetting({ key: `connection.${id}.auto_sync`, value: on ? 'on' : 'off' }));
      await get().load();
      return null;
    } catch (e) {
      return toApiError(e);
    }
  },
  async disconnect(id) {
    try {
      await unwrap(getApi().disconnect({ connection_id: id }));
      await get().load();
      return null;
    } catch (e) {
      return toApiError(e);
    }
  },
}));
