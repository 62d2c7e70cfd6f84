// The bank side's memory: which consents exist and when each was last refreshed. A JSON file
// in stateDir, read fresh on every call and replaced atomically (temp file + rename), because
// several CLI processes use the same Demo Bank one after another.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const STATE_FILE_NAME = 'demo-bank.json';

const ConsentSchema = z.object({
  id: z.string(),
  institutionId: z.string(),
  accountIds: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastRefreshAt: z.string(),
});

const StateSchema = z.object({
  version: z.literal(1),
  consents: z.record(z.string(), ConsentSchema),
});

export type ConsentRecord = z.infer<typeof ConsentSchema>;
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
