// npm run bench [-- --json]: every benchmark, one after the other, each in its own process so
// that one's memory does not weigh on the other's figures: ingest (run.ts, which also takes
// --rows, --rounds and --ids), catalog search (catalog.ts), then the UI in Chromium (ui.ts;
// needs `npm run build:renderer`). --json makes each write bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const catalogArgs = args.filter((a) => a === '--json');
let failed = false;
for (const [script, scriptArgs] of [['run.ts', args], ['catalog.ts', catalogArgs], ['ui.ts', catalogArgs]] as const) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...scriptArgs], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
