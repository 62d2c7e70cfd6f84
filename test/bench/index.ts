// npm run bench [-- --json]: every benchmark, one after the other, each in its own process so
// that one's memory does not weigh on the other's figures. Options go to both (the ingest
// benchmark also takes --rows, --rounds and --ids; see test/bench/run.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const catalogArgs = args.filter((a) => a === '--json');
let failed = false;
for (const [script, scriptArgs] of [['run.ts', args], ['catalog.ts', catalogArgs]] as const) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...scriptArgs], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
