/**
 * Who a secret belongs to: the app itself (provider keys, the user's phone number) or one
 * connection (its access and refresh tokens). Every backend keys a secret by owner and name
 * through these helpers, so the encoding is written once.
 */
export type VaultOwner = number | 'app';

/** `app` or `connection:<id>`: the owner's part of a secret's key. */
export function ownerKey(owner: VaultOwner): string {
  if (owner === 'app') return 'app';
  if (typeof owner === 'number' && Number.isSafeInteger(owner) && owner > 0) return `connection:${owner}`;
  throw new TypeError(`vault owner must be 'app' or a connection id (a positive integer), got ${String(owner)}`);
}

export function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a secret needs a non-empty name');
  return name;
}

/** The keychain account of one secret: `app:<name>` or `connection:<id>:<name>`. */
export function accountName(owner: VaultOwner, name: string): string {
  return `${ownerKey(owner)}:${checkName(name)}`;
}

/**
 * The names an owner holds among a backend's account names. The prefix ends with ':', so
 * connection 1 never sees connection 12's secrets.
 */
export function namesOf(owner: VaultOwner, accounts: Iterable<string>): string[] {
  const prefix = `${ownerKey(owner)}:`;
  const names: string[] = [];
  for (const account of accounts) {
    if (account.startsWith(prefix) && account.length > prefix.length) names.push(account.slice(prefix.length));
  }
  return names.sort();
}
