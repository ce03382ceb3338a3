/**
 * Every remediation and title key the pre-check can produce exists in both catalogues, so a
 * candidate never sees a raw key in either language.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIds } from '../../../../preload/contract/precheck';
import { en } from '../../../../renderer/i18n/en';
import { zhCN } from '../../../../renderer/i18n/zh-CN';

const ROOT = path.resolve(__dirname, '../../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function producedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of sources(path.join(ROOT, 'main/services/precheck'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/'(precheck\.fix\.[\w.]+)'/g)) keys.add(m[1]!);
    // Keys built from a device kind: `precheck.fix.${kind}.missing` and the like.
    for (const m of text.matchAll(/`precheck\.fix\.\$\{kind\}\.(\w+)`/g)) for (const kind of ['camera', 'microphone']) keys.add(`precheck.fix.${kind}.${m[1]}`);
  }
  for (const p of ['denied', 'missing', 'busy', 'error']) for (const kind of ['camera', 'microphone']) keys.add(`precheck.fix.${kind}.${p}`);
  return keys;
}

describe('pre-check texts', () => {
  it('has every remediation key main can produce in zh-CN and en', () => {
    const keys = [...producedKeys()];
    expect(keys.length).toBeGreaterThan(40);
    const missing = keys.filter((k) => !(k in en) || !(k in zhCN) || !(zhCN as Record<string, string>)[k]);
    expect(missing).toEqual([]);
  });

  it('has a title for every check in both languages', () => {
    for (const id of checkIds) {
      expect(en).toHaveProperty([`precheck.check.${id}`]);
      expect(zhCN).toHaveProperty([`precheck.check.${id}`]);
    }
  });

  it('keeps the precheck keys of both catalogues identical', () => {
    const mine = (o: object) => Object.keys(o).filter((k) => k.startsWith('precheck.') || k.startsWith('systemCheck.')).sort();
    expect(mine(zhCN)).toEqual(mine(en));
  });
});
