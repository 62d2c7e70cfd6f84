// Every chatter message the core writes with a key has its sentence in both languages of the
// renderer, so no user ever sees the English fallback in Vietnamese (or a raw key). Read as
// text: the renderer's dictionary and the core's sources, the way a reviewer would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function dictionaryKeys(name: 'en' | 'vi'): Set<string> {
  const src = readFileSync(join(ROOT, 'renderer', 'i18n.ts'), 'utf8');
  const start = src.indexOf(name === 'en' ? 'const en = {' : 'const vi: Dict = {');
  assert.ok(start >= 0, `the ${name} dictionary is found`);
  const body = src.slice(start, src.indexOf('\n}', start));
  return new Set([...body.matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]!));
}

/** The members of a string-literal union type declared in `file`. */
function unionMembers(file: string, typeName: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const at = src.indexOf(`type ${typeName} =`);
  assert.ok(at >= 0, `${typeName} is declared in ${file}`);
  const decl = src.slice(at, src.indexOf(';', at));
  return [...decl.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
}

// Keys built from a value: each template with where its values come from. A new template in
// the core fails the test until it is listed here.
const TEMPLATES: Record<string, () => string[]> = {
  'outcome.${pe.code}': () => unionMembers('main/providers/errors.ts', 'ProviderErrorCode').map((c) => `outcome.${c}`),
  // Only renewals post this message (a new connection has its own flow).
  'connection.${flow.mode}': () => unionMembers('main/core/lifecycle.ts', 'Mode').filter((m) => m !== 'new').map((m) => `connection.${m}`),
};

test('every message key the core writes has an English and a Vietnamese sentence', () => {
  const keys = new Set<string>();
  for (const file of sources(join(ROOT, 'main'))) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/\bkey: (`[^`]+`|[^,}\n]+)/g)) {
      const expr = m[1]!;
      const template = /`([^`]+)`/.exec(expr);
      if (template) {
        const expand = TEMPLATES[template[1]!];
        assert.ok(expand, `${file}: the template key ${template[1]} is listed in TEMPLATES`);
        for (const k of expand()) keys.add(k);
        continue;
      }
      for (const q of expr.matchAll(/'([a-z_]+\.[a-z_.]+)'/g)) keys.add(q[1]!);
    }
  }
  assert.ok(keys.size >= 20, `the core's message keys were found (${keys.size})`);
  assert.ok(keys.has('sync.recorded_pending') && keys.has('line.match_undone') && keys.has('outcome.login_required'));
  for (const lang of ['en', 'vi'] as const) {
    const dict = dictionaryKeys(lang);
    const missing = [...keys].filter((k) => !dict.has(`core.${k}`)).sort();
    assert.deepEqual(missing, [], `${lang}: core messages without a sentence`);
  }
});
