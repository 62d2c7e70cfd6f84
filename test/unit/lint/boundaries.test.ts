// The rooms stay apart because lint refuses the imports that would join them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '..', '..', '..') });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
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

test("the preload imports only 'electron', the shared name lists and the contract's types", async () => {
  const file = 'preload/index.ts';
  assert.deepEqual(await problems(file, "import { contextBridge } from 'electron';\nexport const c = contextBridge;\n"), []);
  assert.deepEqual(await problems(file, "import { API_METHODS } from './methods';\nexport const m = API_METHODS;\n"), []);
  assert.deepEqual(await problems(file, "import type { ApiMethod } from './api';\nexport type M = ApiMethod;\n"), []);
  assert.match((await problems(file, "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).join(), /sandboxed/);
  assert.match((await problems(file, "import { Core } from '../main/core/index';\nexport const c = Core;\n")).join(), /sandboxed/);
  assert.match((await problems(file, "import { getApi } from '../renderer/bridge';\nexport const g = getApi;\n")).join(), /sandboxed/);
  assert.match((await problems(file, "import { z } from 'zod';\nexport const v = z;\n")).join(), /sandboxed/);
});

test('the shared name lists import only types from the contract', async () => {
  const file = 'preload/methods.ts';
  assert.deepEqual(await problems(file, "import type { ApiMethod } from './api';\nexport type M = ApiMethod;\n"), []);
  assert.match((await problems(file, "import { ApiMethod } from './api';\nexport const m = ApiMethod;\n")).join(), /only types from \.\/api/);
  assert.match((await problems(file, "import { app } from 'electron';\nexport const a = app;\n")).join(), /only types from \.\/api/);
  assert.match((await problems(file, "import type { Core } from '../main/core/index';\nexport type C = Core;\n")).join(), /only types from \.\/api/);
});
