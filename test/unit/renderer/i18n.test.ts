import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';

const rendererDir = fileURLToPath(new URL('../../../renderer', import.meta.url));
/** The arguments a message takes: `{name}` and the `{name, plural, …}` of ICU-style plurals. */
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)(?:\}|\s*,\s*plural\s*,)/g)].map((m) => m[1]))].sort();

function tsxFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? tsxFiles(p) : p.endsWith('.tsx') ? [p] : [];
  });
}

/** Text a component would render literally: JSX text with letters or CJK, or a literal accessible label. */
export function literalStrings(source: string): string[] {
  const found: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/>\s*([^<>{}`]*[A-Za-z\u4e00-\u9fff][^<>{}`]*?)\s*</g)) {
    const text = m[1]!.trim();
    // Skip TypeScript generics and arrow functions that the regex can catch between > and <.
    if (!text || /[=;()]|=>|\b(const|return|await|import|export|type)\b/.test(text)) continue;
    found.push(text);
  }
  for (const m of code.matchAll(/\b(aria-label|placeholder|title|alt)="([^"]*[A-Za-z\u4e00-\u9fff][^"]*)"/g)) found.push(`${m[1]}="${m[2]}"`);
  return found;
}

describe('message catalogues', () => {
  it('have exactly the same keys in zh-CN and en', () => {
    const missingInZh = Object.keys(en).filter((k) => !(k in zhCN));
    const missingInEn = Object.keys(zhCN).filter((k) => !(k in en));
    expect({ missingInZh, missingInEn }).toEqual({ missingInZh: [], missingInEn: [] });
  });

  it('have no empty message and the same placeholders in both languages', () => {
    const bad: string[] = [];
    for (const [key, text] of Object.entries(en)) {
      const zh = (zhCN as Record<string, string>)[key] ?? '';
      if (!text.trim() || !zh.trim()) bad.push(`${key}: empty`);
      if (placeholders(text).join() !== placeholders(zh).join()) bad.push(`${key}: {${placeholders(text)}} vs {${placeholders(zh)}}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('components', () => {
  it('render no literal user-facing strings (everything comes from the catalogues)', () => {
    const offenders = tsxFiles(rendererDir).flatMap((f) => literalStrings(readFileSync(f, 'utf8')).map((s) => `${path.relative(rendererDir, f)}: ${s}`));
    expect(offenders).toEqual([]);
  });

  it('the check itself catches a literal string', () => {
    expect(literalStrings('<button onClick={go}>Submit</button>')).toEqual(['Submit']);
    expect(literalStrings('<p>{t("a.b")}</p><input placeholder="请输入" />')).toEqual(['placeholder="请输入"']);
  });
});
