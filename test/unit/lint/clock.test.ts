// main/ reads time only through the injected clock: lint refuses `new Date()` and `Date.now()`
// there, except in main/common/clock.ts (where the real clock is made) and the allow-listed
// old migration. Elapsed time goes through performance.now(), which lint lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '..', '..', '..') });

async function clockProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

test('main/ never reads the wall clock: new Date() and Date.now() are refused', async () => {
  for (const file of ['main/providers/plaid/errors.ts', 'main/sync/x.ts', 'main/core/y.ts', 'main/electron/z.ts']) {
    assert.match((await clockProblems(file, 'export const at = new Date().toISOString();\n')).join(), /injected clock/, file);
    assert.match((await clockProblems(file, 'export const at = new Date(Date.now() + 5);\n')).join(), /injected clock/, file);
  }
});

test('dates built from a value, the injected clock and performance.now() stay allowed', async () => {
  const code = [
    "export const a = new Date('2026-01-01T00:00:00Z');",
    'export const b = (now: () => Date) => new Date(now().getTime() + 60_000);',
    'export const c = Date.parse(\'2026-01-01\');',
    'export const d = performance.now();',
    '',
  ].join('\n');
  assert.deepEqual(await clockProblems('main/sync/x.ts', code), []);
});

test('only main/common/clock.ts makes the real clock; code outside main/ is not concerned', async () => {
  assert.deepEqual(await clockProblems('main/common/clock.ts', 'export const systemClock = (): Date => new Date();\n'), []);
  assert.deepEqual(await clockProblems('test/helpers/x.ts', 'export const t = Date.now();\n'), []);
});
