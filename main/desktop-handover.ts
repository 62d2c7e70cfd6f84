// What `ledgerlink start` and the desktop app it runs agree on (a module of its own: the tests
// replace electron-binary.ts to pretend Electron is missing).

/**
 * The desktop app's exit code when Electron cannot load the ledger's native SQLite module
 * (better-sqlite3 built for Node, as in a development checkout): `ledgerlink start` then
 * serves the same UI in the browser instead of leaving the user with nothing.
 */
export const EXIT_NATIVE_MODULE = 78;
/** Set by `ledgerlink start` for the Electron it runs: it will take over on EXIT_NATIVE_MODULE. */
export const STARTED_BY_CLI_ENV = 'LEDGERLINK_STARTED_BY_CLI';
