// App-wide state: bridge status, language, theme, developer mode, the core's settings, and
// the notifications shown at the top of every screen.
import { create } from 'zustand';
import type { ApiError, NotificationEvent } from '../../preload/api';
import { getApi, getBridgeStatus, onBridgeStatus, unwrap, toApiError, type BridgeStatus } from '../bridge';
import type { Locale } from '../i18n';

export type Theme = 'system' | 'light' | 'dark';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  /** Either a notification of the core, or an error of a call. */
  event?: NotificationEvent;
  error?: ApiError;
  text?: string;
}

interface AppState {
  bridge: BridgeStatus;
  locale: Locale;
  theme: Theme;
  developerMode: boolean;
  settings: Record<string, string>;
  notices: Notice[];
  setLocale(l: Locale): void;
  setTheme(t: Theme): void;
  setDeveloperMode(on: boolean): void;
  loadSettings(): Promise<void>;
  saveSetting(key: string, value: string): Promise<ApiError | null>;
  notify(n: Omit<Notice, 'id'>): void;
  dismiss(id: number): void;
}

// The UI's own preferences live in the page's storage: they work before the core answers.
const PREFS = 'ledgerlink.prefs';
function loadPrefs(): { locale?: Locale; theme?: Theme; developerMode?: boolean } {
  try {
    return JSON.parse(localStorage.getItem(PREFS) ?? '{}') as { locale?: Locale; theme?: Theme; developerMode?: boolean };
  } catch {
    return {};
  }
}
function savePrefs(s: Pick<AppState, 'locale' | 'theme' | 'developerMode'>) {
  try {
    localStorage.setItem(PREFS, JSON.stringify({ locale: s.locale, theme: s.theme, developerMode: s.developerMode }));
  } catch {
    /* private mode: the preference lasts for this page */
  }
}

const prefs = loadPrefs();
let nextNotice = 1;

export const useApp = create<AppState>()((set, get) => ({
  bridge: getBridgeStatus(),
  locale: prefs.locale === 'vi' ? 'vi' : 'en',
  theme: prefs.theme ?? 'system',
  developerMode: prefs.developerMode ?? false,
  settings: {},
  notices: [],
  setLocale(locale) {
    set({ locale });
    savePrefs(get());
  },
  setTheme(theme) {
    set({ theme });
    savePrefs(get());
  },
  setDeveloperMode(developerMode) {
    set({ developerMode });
    savePrefs(get());
  },
  async loadSettings() {
    try {
      set({ settings: await unwrap(getApi().getSettings({})) });
    } catch {
      /* shown by the offline banner */
    }
  },
  async saveSetting(key, value) {
    try {
      set({ settings: await unwrap(getApi().setSetting({ key, value })) });
      return null;
    } catch (e) {
      return toApiError(e);
    }
  },
  notify(n) {
    const id = nextNotice++;
    set({ notices: [...get().notices.slice(-4), { ...n, id }] });
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
}));

onBridgeStatus((bridge) => useApp.setState({ bridge }));
