// Rotating refresh tokens: a crash at any step of storing the new token never leaves the user
// with a token the provider refuses (which would mean consenting at the bank again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vault } from '../../../main/vault/types';
import type { VaultOwner } from '../../../main/vault/owner';
import { deleteSecret, readSecret, rotateSecret } from '../../../main/vault/rotation';
import { MemoryVault } from '../../helpers/memory-vault';


class Crash extends Error {}

/** The process dies after `writesLeft` more writes (set or delete): later calls all fail. */
class CrashingVault implements Vault {
  constructor(private readonly inner: Vault, private writesLeft: number) {}
  private write(): void {
    if (this.writesLeft <= 0) throw new Crash('simulated crash');
    this.writesLeft--;
  }
  get(owner: VaultOwner, name: string): Promise<string | undefined> {
    if (this.writesLeft < 0) throw new Crash('dead');
    return this.inner.get(owner, name);
  }
  async set(owner: VaultOwner, name: string, value: string): Promise<void> {
    this.write();
    await this.inner.set(owner, name, value);
  }
  async delete(owner: VaultOwner, name: string): Promise<void> {
    this.write();
    await this.inner.delete(owner, name);
  }
  list(owner: VaultOwner): Promise<string[]> {
    return this.inner.list(owner);
  }
}

/** A provider that, like Ponto, issues a new refresh token on every use and kills the old one. */
class RotatingProvider {
  private n = 0;
  valid = this.issue();
  private issue(): string {
    return `rt-${++this.n}-${Math.random().toString(36).slice(2)}`;
  }
  refresh(token: string | undefined): string {
    if (token === undefined || token !== this.valid) throw new Error(`invalid_grant: refresh token ${token} is not valid`);
    this.valid = this.issue();
    return this.valid;
  }
}

const OWNER = 4;
const NAME = 'refresh_token';

/** One refresh whose storage crashes after `writes` writes, then a restart that refreshes again. */
async function refreshCrashingAfter(writes: number): Promise<{ vault: MemoryVault; provider: RotatingProvider }> {
  const vault = new MemoryVault();
  const provider = new RotatingProvider();
  await rotateSecret(vault, OWNER, NAME, provider.valid); // the token from the consent

  const issued = provider.refresh(await readSecret(vault, OWNER, NAME));
  await rotateSecret(new CrashingVault(vault, writes), OWNER, NAME, issued).catch((e: unknown) => {
    if (!(e instanceof Crash)) throw e;
  });

  // Restart: the stored token must be the one the provider accepts now.
  const stored = await readSecret(vault, OWNER, NAME);
  assert.equal(stored, provider.valid, `crash after ${writes} write(s): the stored token is the provider's current one`);
  assert.doesNotThrow(() => provider.refresh(stored), 'the next refresh is accepted');
  return { vault, provider };
}

for (const [writes, step] of [[1, 'writing <name>.next'], [2, 'writing <name>'], [3, 'deleting <name>.next (no crash)']] as const) {
  test(`a crash right after ${step} keeps a token the provider accepts`, async () => {
    const { vault } = await refreshCrashingAfter(writes);
    assert.deepEqual(await vault.list(OWNER), [NAME], 'an interrupted rotation is completed by the next read');
  });
}

test('the crash simulation catches a rotation that drops the old token first', async () => {
  // Sanity check of the harness above: the naive order (delete, then set) locks the user out.
  const vault = new MemoryVault();
  const provider = new RotatingProvider();
  await vault.set(OWNER, NAME, provider.valid);
  const issued = provider.refresh(await vault.get(OWNER, NAME));
  const crashing = new CrashingVault(vault, 1);
  await assert.rejects(async () => {
    await crashing.delete(OWNER, NAME);
    await crashing.set(OWNER, NAME, issued);
  }, Crash);
  const stored = await vault.get(OWNER, NAME);
  assert.throws(() => provider.refresh(stored), /invalid_grant/, 'locked out: the old token is gone and the new one was never stored');
});

test('a long run of refreshes with crashes at random steps never breaks the chain', async () => {
  const vault = new MemoryVault();
  const provider = new RotatingProvider();
  await rotateSecret(vault, OWNER, NAME, provider.valid);
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let crashes = 0;
  for (let i = 0; i < 300; i++) {
    const issued = provider.refresh(await readSecret(vault, OWNER, NAME)); // throws if the chain broke
    const writes = random() < 0.5 ? 1 + Math.floor(random() * 3) : 99;
    try {
      await rotateSecret(new CrashingVault(vault, writes), OWNER, NAME, issued);
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      crashes++;
    }
  }
  assert.ok(crashes > 50, `crashes were simulated (${crashes})`);
  assert.equal(await readSecret(vault, OWNER, NAME), provider.valid);
});

test('a crash while completing an interrupted rotation still returns the new token', async () => {
  const vault = new MemoryVault();
  await vault.set(OWNER, NAME, 'old');
  await vault.set(OWNER, `${NAME}.next`, 'new');
  assert.equal(await readSecret(new CrashingVault(vault, 0), OWNER, NAME), 'new');
  assert.equal(await readSecret(new CrashingVault(vault, 1), OWNER, NAME), 'new');
  assert.equal(await readSecret(vault, OWNER, NAME), 'new');
  assert.deepEqual(await vault.list(OWNER), [NAME]);
  assert.equal(await vault.get(OWNER, NAME), 'new');
});

test('secrets of other owners and names are not touched; deleteSecret removes the pending value too', async () => {
  const vault = new MemoryVault();
  await rotateSecret(vault, OWNER, NAME, 'mine');
  await rotateSecret(vault, OWNER + 1, NAME, 'theirs');
  await vault.set(OWNER, 'access_token', 'access');
  await vault.set(OWNER, `${NAME}.next`, 'pending');
  await deleteSecret(vault, OWNER, NAME);
  assert.equal(await readSecret(vault, OWNER, NAME), undefined);
  assert.deepEqual(await vault.list(OWNER), ['access_token']);
  assert.equal(await readSecret(vault, OWNER + 1, NAME), 'theirs');
});
