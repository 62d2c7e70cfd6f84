// A vault in memory, for tests about what the core does with secrets rather than about the OS
// keychain itself (those use the private gnome-keyring of test/helpers/keyring.ts).
import type { Vault } from '../../main/vault/types';
import type { VaultOwner } from '../../main/vault/owner';

export class MemoryVault implements Vault {
  readonly data = new Map<string, string>();
  private key(owner: VaultOwner, name: string): string {
    return `${owner}\u0000${name}`;
  }
  async get(owner: VaultOwner, name: string): Promise<string | undefined> {
    return this.data.get(this.key(owner, name));
  }
  async set(owner: VaultOwner, name: string, value: string): Promise<void> {
    this.data.set(this.key(owner, name), value);
  }
  async delete(owner: VaultOwner, name: string): Promise<void> {
    this.data.delete(this.key(owner, name));
  }
  async list(owner: VaultOwner): Promise<string[]> {
    const prefix = `${owner}\u0000`;
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  }
}
