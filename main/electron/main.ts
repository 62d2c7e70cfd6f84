// Electron's entry (built into dist/electron/main.mjs, the package's "main"). The one module
// that imports 'electron': it hands the real modules to the rest of the shell, which only
// knows them through their types and so also runs under plain Node with a fake in the tests.
// Nothing here may await before startDesktopApp: the app:// scheme must be registered before
// Electron's `ready`.
import { BrowserWindow, app, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { STARTED_BY_CLI_ENV } from '../desktop-handover';
import { startDesktopApp } from './desktop-app';

// The folder holding package.json: the repository in development, app.asar when packaged.
const root = app.getAppPath();

startDesktopApp(
  { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess },
  {
    rendererDir: join(root, 'dist', 'renderer'),
    preload: join(root, 'dist', 'electron', 'preload.cjs'),
    startedByCli: process.env[STARTED_BY_CLI_ENV] === '1',
  },
);
