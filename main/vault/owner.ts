/**
 * Who a secret belongs to: the app itself (provider keys, the user's phone number) or one
 * connection (its access and refresh tokens). Every backend keys a secret by owner and name
 * through these helpers, so the encoding is written once.
 */
export type VaultOwner = number | 'app';

/**
 * Secrets are filed under the id of the ledger they belong to (`ledger:<id>:`), so two data
 * folders on one computer (two companies, each with its own connection 1) never read or
 * delete each other's tokens. No scope is the layout of versions before that: it is only read
 * to move those entries under their ledger (main/core/legacy-secrets.ts).
 */
export function checkScope(scope: string | undefined): string | undefined {
  if (scope === undefined) return undefined;
  if (!/^[A-Za-z0-9-]{8,64}$/.test(scope)) throw new TypeError('a vault scope must be a ledger id (8 to 64 letters, digits or dashes)');
  return scope;
}

/** `app` or `connection:<id>`, behind `ledger:<scope>:` when scoped: the owner's part of a secret's key. */
export function ownerKey(owner: VaultOwner, scope?: string): string {
  const prefix = scope === undefined ? '' : `ledger:${checkScope(scope)}:`;
  if (owner === 'app') return `${prefix}app`;
  if (typeof owner === 'number' && Number.isSafeInteger(owner) && owner > 0) return `${prefix}connection:${owner}`;
  throw new TypeError(`vault owner must be 'app' or a connection id (a positive integer), got ${String(owner)}`);
}

export function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a secret needs a non-empty name');
  return name;
}

/** The keychain account of one secret: `[ledger:<scope>:]app:<name>` or `[ledger:<scope>:]connection:<id>:<name>`. */
export function accountName(owner: VaultOwner, name: string, scope?: string): string {
  return `${ownerKey(owner, scope)}:${checkName(name)}`;
}

/**
 * The names an owner holds among a backend's account names. The prefix ends with ':', so
 * connection 1 never sees connection 12's secrets.
 */
export function namesOf(owner: VaultOwner, accounts: Iterable<string>, scope?: string): string[] {
  const prefix = `${ownerKey(owner, scope)}:`;
  const names: string[] = [];
  for (const account of accounts) {
    if (account.startsWith(prefix) && account.length > prefix.length) names.push(account.slice(prefix.length));
  }
  return names.sort();
}
