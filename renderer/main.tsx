// The renderer's entry: wires the bridge's live events into the stores and routes the pages.
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { getApi } from './bridge';
import { Layout } from './components/Layout';
import { localeTag } from './i18n';
import { Connect } from './pages/Connect';
import { Connections } from './pages/Connections';
import { Dashboard } from './pages/Dashboard';
import { Journal } from './pages/Journal';
import { Settings } from './pages/Settings';
import { useRoute } from './router';
import { useApp, type Theme } from './stores/app';
import { useConnections } from './stores/connections';
import { useJournals } from './stores/journals';

const api = getApi();
api.on('syncProgress', (e) => useJournals.getState().onProgress(e));
api.on('chatter', (c) => useConnections.getState().onChatter(c));
api.on('connectionState', (e) => {
  useConnections.getState().onState(e);
  // A connection working again: what it asked of the user is done, so its notices go.
  if (e.state === 'connected') useApp.getState().dismissConnection(e.connection_id);
  void useJournals.getState().load();
});
api.on('notification', (n) => {
  const level = n.type === 'blocked' || n.type === 'error' ? 'error' : n.type === 'online' ? 'info' : 'warning';
  useApp.getState().notify({ level, event: n });
  if ('connection_id' in n) void useConnections.getState().load();
});

// Reload what is on screen when the bridge comes back.
let wasOpen = useApp.getState().bridge === 'open';
useApp.subscribe((s) => {
  const open = s.bridge === 'open';
  if (open && !wasOpen) {
    void s.loadSettings();
    void useJournals.getState().load();
    void useConnections.getState().load();
  }
  wasOpen = open;
});

const DARK = '(prefers-color-scheme: dark)';
/** The stylesheet knows light and dark; "system" follows the computer's setting as it changes. */
function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme === 'system' ? (window.matchMedia(DARK).matches ? 'dark' : 'light') : theme;
}
// Before the first render, from the page's copy of the preference: no flash of the wrong theme.
applyTheme(useApp.getState().theme);

function App() {
  const route = useRoute();
  const locale = useApp((s) => s.locale);
  const theme = useApp((s) => s.theme);
  useEffect(() => {
    document.documentElement.lang = localeTag(locale).slice(0, 2);
  }, [locale]);
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system') return;
    const media = window.matchMedia(DARK);
    const follow = () => applyTheme('system');
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [theme]);
  useEffect(() => {
    void useApp.getState().loadSettings();
  }, []);
  let page;
  switch (route.page) {
    case 'dashboard':
      page = <Dashboard />;
      break;
    case 'connect':
      page = <Connect />;
      break;
    case 'journal':
      page = <Journal key={route.id} id={route.id} />;
      break;
    case 'connections':
      page = <Connections />;
      break;
    case 'settings':
      page = <Settings />;
      break;
  }
  return (
    <Layout route={route}>
      {page}
    </Layout>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
