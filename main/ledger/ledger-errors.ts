// Why a ledger file is not opened. The command line and the desktop app show these messages
// as they are: each one says what happened to the file (nothing) and what to do.

/** The file is not opened, and was left as it was. */
export class LedgerFileError extends Error {
  override readonly name: string = 'LedgerFileError';
}

/** Written by a newer Ledgerlink. */
export class LedgerVersionError extends LedgerFileError {
  override readonly name: string = 'LedgerVersionError';
}

/** SQLite's own check of the file found damage. */
export class LedgerDamagedError extends LedgerFileError {
  override readonly name: string = 'LedgerDamagedError';
}
