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
  /** Drops the notices about one connection (waiting for the user, blocked, consent ending). */
  dismissConnection(connectionId: number): void;
}

// The window's preferences are core settings (ui.*), so every window opens the way the user
// left it. The page's storage keeps a copy so the first paint is already in the right language
// and theme, before the core has answered.
const PREFS = 'ledgerlink.prefs';
type Prefs = Pick<AppState, 'locale' | 'theme' | 'developerMode'>;
function loadPrefs(): Partial<Prefs> {
  try {
    return JSON.parse(localStorage.getItem(PREFS) ?? '{}') as Partial<Prefs>;
  } catch {
    return {};
  }
}
function savePrefs(s: Prefs) {
  try {
    localStorage.setItem(PREFS, JSON.stringify({ locale: s.locale, theme: s.theme, developerMode: s.developerMode }));
  } catch {
    /* private mode: the copy is only a head start */
  }
}

const THEMES: readonly Theme[] = ['system', 'light', 'dark'];
/** The preferences the core holds, where it holds valid ones. */
function prefsFromSettings(settings: Record<string, string>): Partial<Prefs> {
  const p: Partial<Prefs> = {};
  const lang = settings['ui.language'];
  if (lang === 'en' || lang === 'vi') p.locale = lang;
  const theme = settings['ui.theme'] as Theme | undefined;
  if (theme && THEMES.includes(theme)) p.theme = theme;
  const dev = settings['ui.developer_mode'];
  if (dev === 'on' || dev === 'off') p.developerMode = dev === 'on';
  return p;
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
    void get().saveSetting('ui.language', locale);
  },
  setTheme(theme) {
    set({ theme });
    savePrefs(get());
    void get().saveSetting('ui.theme', theme);
  },
  setDeveloperMode(developerMode) {
    set({ developerMode });
    savePrefs(get());
    void get().saveSetting('ui.developer_mode', developerMode ? 'on' : 'off');
  },
  async loadSettings() {
    let settings: Record<string, string>;
    try {
      settings = await unwrap(getApi().getSettings({}));
    } catch {
      return; /* shown by the offline banner */
    }
    const held = prefsFromSettings(settings);
    set({ settings, ...held });
    savePrefs(get());
    // Chosen in this window before the core kept them (or while it was unreachable): hand them over.
    const s = get();
    if (held.locale === undefined && prefs.locale !== undefined) void s.saveSetting('ui.language', s.locale);
    if (held.theme === undefined && prefs.theme !== undefined) void s.saveSetting('ui.theme', s.theme);
    if (held.developerMode === undefined && prefs.developerMode !== undefined) void s.saveSetting('ui.developer_mode', s.developerMode ? 'on' : 'off');
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
  dismissConnection(connectionId) {
    set({ notices: get().notices.filter((n) => !(n.event && 'connection_id' in n.event && n.event.connection_id === connectionId)) });
  },
}));

onBridgeStatus((bridge) => useApp.setState({ bridge }));
