// The core on a fresh data folder, closed and removed when the test ends.
import { Core, type CoreOptions } from '../../main/core/index';
import { tempDir } from './ledger';

export function tempCore(t: { after(fn: () => unknown): void }, opts: Partial<CoreOptions> = {}): Core {
  const tmp = tempDir();
  const core = new Core({ dataDir: tmp.dir, ...opts });
  t.after(async () => {
    await core.close();
    tmp.cleanup();
  });
  return core;
}
