/**
 * Where secrets live (provider keys, access and refresh tokens, the user's phone number):
 * the OS keychain, never SQLite, never a log, never the renderer. The backends arrive with
 * the vault work; the core only depends on this interface.
 */
export interface Vault {
  get(connectionId: number | 'app', name: string): Promise<string | undefined>;
  set(connectionId: number | 'app', name: string, value: string): Promise<void>;
  delete(connectionId: number | 'app', name: string): Promise<void>;
  list(connectionId: number | 'app'): Promise<string[]>;
  /**
   * The same store as versions before secrets were filed per ledger saw it (no ledger scope):
   * only to move those entries under their ledger. Absent where there is nothing to move.
   */
  legacy?(): Vault;
  /** Ends what the backend keeps running (the keychain's child process). */
  close?(): Promise<void>;
}
