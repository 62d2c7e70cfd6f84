// The bank side's memory: which consents exist, when each was last refreshed, the hashes of
// its OAuth tokens, the calls it counts against its limits, and whether it is locked. A JSON
// file in stateDir, read fresh on every call and replaced atomically (temp file + rename),
// because several CLI processes use the same Demo Bank one after another. It never holds a
// token itself: only sha256 hashes of the ones currently valid.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const STATE_FILE_NAME = 'demo-bank.json';

const TokensSchema = z.object({
  /** sha256 (hex) of the one valid access token. */
  accessHash: z.string(),
  accessExpiresAt: z.string(),
  /** sha256 (hex) of the one valid refresh token: the previous one died when this was issued. */
  refreshHash: z.string(),
  issuedAt: z.string(),
});

// The fields added after the first version are optional, so older files still read.
const ConsentSchema = z.object({
  id: z.string(),
  institutionId: z.string(),
  accountIds: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastRefreshAt: z.string(),
  /** OAuth institutions: the tokens currently valid for this consent. */
  tokens: TokensSchema.optional(),
  /** Per account: when each counted unattended synchronization started (last 24 h). */
  unattendedSyncs: z.record(z.string(), z.array(z.string())).optional(),
  /** Fraud watch: when each synchronization of the consent started (last hour). */
  recentSyncs: z.array(z.string()).optional(),
  /** When the bank locked the consent for suspicious activity; cleared by a new consent. */
  lockedAt: z.string().optional(),
});

const StateSchema = z.object({
  version: z.literal(1),
  consents: z.record(z.string(), ConsentSchema),
});

export type ConsentRecord = z.infer<typeof ConsentSchema>;
export type TokenRecord = z.infer<typeof TokensSchema>;
export type BankState = z.infer<typeof StateSchema>;

export class StateFile {
  readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, STATE_FILE_NAME);
  }

  read(): BankState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, consents: {} };
      throw e;
    }
    return StateSchema.parse(JSON.parse(text));
  }

  /** Reads, lets `change` edit the state, writes it back; returns what `change` returns. */
  update<T>(change: (state: BankState) => T): T {
    const state = this.read();
    const result = change(state);
    this.write(state);
    return result;
  }

  private write(state: BankState): void {
    mkdirSync(this.dir, { recursive: true });
    // A reader never sees half a file: rename replaces the old one in a single step.
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.path);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
  }
}
