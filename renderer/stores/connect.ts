// The connect flow: institution → (phone number) → consent popup → accounts → first sync.
import { create } from 'zustand';
import type { ApiError, ConnectStart, ConnectionView, JournalView, OnlineAccountView, Result, AccountLink, SyncSummary } from '../../preload/api';
import { getApi, inDesktopApp, toApiError, unwrap } from '../bridge';
import { useJournals } from './journals';

export type ConnectStep = 'pick' | 'phone' | 'consent' | 'accounts' | 'progress';

export interface ChosenInstitution {
  name: string;
  provider: string;
  institutionId: string;
  beta: boolean;
}

type Reason = { kind: 'new'; institution: ChosenInstitution } | { kind: 'reactivate' | 'reconnect' | 'update'; connection: ConnectionView };

interface ConnectState {
  step: ConnectStep;
  reason: Reason | null;
  busy: boolean;
  error: ApiError | null;
  flow: ConnectStart | null;
  popupBlocked: boolean;
  connection: ConnectionView | null;
  accounts: OnlineAccountView[];
  journals: JournalView[];
  /** Online account ids being synchronized for the first time. */
  syncing: number[];
  summary: SyncSummary[] | null;
  reset(): void;
  choose(institution: ChosenInstitution): void;
  forConnection(kind: 'reconnect' | 'update' | 'reactivate', connection: ConnectionView): void;
  submitPhone(phone: string): Promise<void>;
  openPopup(): boolean;
  link(links: AccountLink[]): Promise<void>;
  showAccounts(connection: ConnectionView, accounts: OnlineAccountView[]): Promise<void>;
}

let generation = 0;
let popup: Window | null = null;

const initial = {
  step: 'pick' as ConnectStep,
  reason: null,
  busy: false,
  error: null,
  flow: null,
  popupBlocked: false,
  connection: null,
  accounts: [],
  journals: [],
  syncing: [],
  summary: null,
};

export const useConnect = create<ConnectState>()((set, get) => {
  /** Runs a start call, opens the consent popup and waits for the consent to complete. */
  async function begin(start: () => Promise<Result<ConnectStart>>) {
    const gen = ++generation;
    set({ step: 'consent', busy: true, error: null, flow: null, popupBlocked: false });
    const r = await start();
    if (gen !== generation) return;
    if (!r.ok) {
      if (r.error.code === 'phone_required') {
        // The phone step explains why; a re-activation with no registered number says so too.
        set({ step: 'phone', busy: false, error: get().reason?.kind === 'reactivate' && r.error.message ? r.error : null });
      } else if (r.error.code === 'invalid_phone' || r.error.code === 'phone_mismatch') {
        set({ step: 'phone', busy: false, error: r.error });
      } else set({ busy: false, error: r.error });
      return;
    }
    set({ flow: r.value });
    get().openPopup();
    const done = await getApi().finishConnect({ flow_id: r.value.flow_id });
    if (gen !== generation) return;
    try {
      popup?.close();
    } catch {
      /* already closed */
    }
    popup = null;
    if (!done.ok) {
      set({ busy: false, error: done.error });
      return;
    }
    await get().showAccounts(done.value.connection, done.value.accounts);
  }

  function startCall(phone?: string): Promise<Result<ConnectStart>> {
    const reason = get().reason;
    const api = getApi();
    if (!reason) return Promise.resolve({ ok: false, error: { code: 'invalid_argument', message: 'Choose a bank first.' } });
    switch (reason.kind) {
      case 'new':
        return api.startConnect({ provider: reason.institution.provider, institution_id: reason.institution.institutionId, ...(phone ? { phone } : {}) });
      case 'reconnect':
        return api.reconnect({ connection_id: reason.connection.id });
      case 'update':
        return api.updateCredentials({ connection_id: reason.connection.id });
      case 'reactivate':
        return phone
          ? api.reactivate({ connection_id: reason.connection.id, phone })
          : Promise.resolve({ ok: false, error: { code: 'phone_required', message: '' } });
    }
  }

  return {
    ...initial,
    reset() {
      generation++;
      set({ ...initial });
    },
    choose(institution) {
      set({ ...initial, reason: { kind: 'new', institution } });
      // The first connection asks the phone number before the bank's page (any provider; the
      // Demo Bank, a sandbox, lets the user skip it).
      void getApi().getSettings({}).then((r) => {
        if (r.ok && r.value.phone_registered !== 'yes') set({ step: 'phone' });
        else void begin(() => startCall());
      });
    },
    forConnection(kind, connection) {
      set({ ...initial, reason: { kind, connection } });
      if (kind === 'reactivate') set({ step: 'phone' });
      else void begin(() => startCall());
    },
    async submitPhone(phone) {
      await begin(() => startCall(phone.trim()));
    },
    openPopup() {
      const flow = get().flow;
      if (!flow) return false;
      popup = window.open(flow.consent_url, 'ledgerlink-consent', 'popup,width=520,height=720');
      // The desktop app opens the consent in its own session, which leaves the page no handle
      // on it (null); it has no popup blocker, and main closes the popup when the flow ends.
      const blocked = popup === null && !inDesktopApp();
      set({ popupBlocked: blocked });
      return !blocked;
    },
    async showAccounts(connection, accounts) {
      let journals: JournalView[] = [];
      try {
        journals = await unwrap(getApi().listJournals({}));
      } catch {
        /* only new journals can be offered */
      }
      const unlinked = accounts.filter((a) => a.journal_id === null);
      if (unlinked.length === 0) {
        // A renewal with nothing new to link: fetch at once and show the progress.
        set({ connection, accounts, journals, busy: false, step: 'progress', syncing: accounts.map((a) => a.id), summary: null });
        const s = await useJournals.getState().synchronize([connection.id]);
        set({ summary: Array.isArray(s) ? s : null, error: Array.isArray(s) ? null : s });
        return;
      }
      set({ connection, accounts, journals, busy: false, error: null, step: 'accounts' });
    },
    async link(links) {
      const connection = get().connection;
      if (!connection) return;
      const gen = generation;
      set({ busy: true, error: null });
      try {
        await unwrap(getApi().linkAccounts({ connection_id: connection.id, links }));
      } catch (e) {
        set({ busy: false, error: toApiError(e) });
        return;
      }
      if (gen !== generation) return;
      const ids = get().accounts.filter((a) => links.some((l) => l.provider_account_id === a.provider_account_id)).map((a) => a.id);
      useJournals.getState().resetProgress();
      set({ busy: false, step: 'progress', syncing: ids, summary: null });
      void useJournals.getState().load();
      const s = await useJournals.getState().synchronize([connection.id]);
      if (gen !== generation) return;
      set({ summary: Array.isArray(s) ? s : null, error: Array.isArray(s) ? null : s });
    },
  };
});
