// The rooms stay apart because lint refuses the imports that would join them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '..', '..', '..') });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test("only main/electron/ may import 'electron'", async () => {
  const code = "import { app } from 'electron';\nexport const a = app;\n";
  assert.match((await problems('main/core/window.ts', code)).join(), /Only main\/electron\//);
  assert.match((await problems('main/sync/x.ts', "import { ipcMain } from 'electron/main';\nexport const a = ipcMain;\n")).join(), /Only main\/electron\//);
  assert.deepEqual(await problems('main/electron/window.ts', code), []);
});

test('the renderer never imports main/ nor Node modules', async () => {
  assert.match((await problems('renderer/pages/Dashboard.ts', "import { Core } from '../../main/core/index';\nexport const c = Core;\n")).join(), /never imports main\//);
  assert.match((await problems('renderer/stores/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).join(), /no Node modules/);
  assert.deepEqual(await problems('renderer/stores/x.ts', "import type { JournalView } from '../../preload/api';\nexport type J = JournalView;\n"), []);
});

test('the contract imports nothing', async () => {
  assert.match((await problems('preload/api.ts', "import type { Db } from '../main/ledger/db';\nexport type D = Db;\n")).join(), /type-only contract/);
});
