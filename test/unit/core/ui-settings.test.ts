// The window's preferences (language, theme, developer mode) are core settings: checked, kept
// in the ledger, and the same for every window that opens it later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../../../main/core/index';
import { tempDir } from '../../helpers/ledger';

test('language, theme and developer mode are checked, stored, and there after a restart', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const core = new Core({ dataDir: tmp.dir });
  const before = await core.api.getSettings({});
  assert.ok(before.ok);
  assert.equal(before.value['ui.language'], undefined, 'nothing chosen yet: the window decides');

  for (const [key, value] of [['ui.language', 'vi'], ['ui.theme', 'dark'], ['ui.developer_mode', 'on']] as const) {
    const r = await core.api.setSetting({ key, value });
    assert.ok(r.ok, `${key}=${value}: ${JSON.stringify(r)}`);
    assert.equal(r.value[key], value);
  }
  for (const [key, value] of [['ui.language', 'fr'], ['ui.theme', 'pink'], ['ui.developer_mode', 'yes'], ['ui.constructor', 'x'], ['ui.toString', 'x']] as const) {
    const r = await core.api.setSetting({ key, value });
    assert.equal(r.ok, false, `${key}=${value} is refused`);
    assert.equal(!r.ok && r.error.code, 'invalid_argument');
  }
  await core.close();

  const again = new Core({ dataDir: tmp.dir });
  t.after(() => again.close());
  const after = await again.api.getSettings({});
  assert.ok(after.ok);
  assert.deepEqual([after.value['ui.language'], after.value['ui.theme'], after.value['ui.developer_mode']], ['vi', 'dark', 'on']);
});
