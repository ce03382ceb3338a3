import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';
import { findJsxLiterals } from '../../support/jsx-literals';

const rendererDir = fileURLToPath(new URL('../../../renderer', import.meta.url));
/** The arguments a message takes: `{name}` and the `{name, plural, …}` of ICU-style plurals. */
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)(?:\}|\s*,\s*plural\s*,)/g)].map((m) => m[1]))].sort();

function tsxFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? tsxFiles(p) : p.endsWith('.tsx') ? [p] : [];
  });
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
    const files = tsxFiles(rendererDir);
    expect(files.length).toBeGreaterThan(5); // the check looked at the real screens
    const offenders = files.flatMap((f) =>
      findJsxLiterals(readFileSync(f, 'utf8'), f).map((x) => `${path.relative(rendererDir, f)}:${x.line} ${x.kind} ${JSON.stringify(x.text)}`),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the literal-string check itself (it reads the syntax tree)', () => {
  const texts = (src: string) => findJsxLiterals(src).map((x) => `${x.kind}:${x.text}`);

  it.each([
    ['JSX text', '<button onClick={go}>Submit</button>', 'jsx-text:Submit'],
    ['Chinese JSX text', '<p>提交答案</p>', 'jsx-text:提交答案'],
    ['a single-quoted child', "<p>{'Next question'}</p>", 'jsx-expression:Next question'],
    ['a double-quoted child', '<p>{"下一题"}</p>', 'jsx-expression:下一题'],
    ['a template child', '<p>{`Question ${n}`}</p>', 'jsx-expression:Question'],
    ['a plain template child', '<p>{`Done`}</p>', 'jsx-expression:Done'],
    ['both branches of a conditional', "<p>{ok ? 'Yes' : t('no')}</p>", 'jsx-expression:Yes'],
    ['the operand of &&', "<p>{late && 'Hurry up'}</p>", 'jsx-expression:Hurry up'],
    ['a fragment child', "<>{'Skip'}</>", 'jsx-expression:Skip'],
    ['aria-label="…"', '<button aria-label="Close" />', 'attribute:Close'],
    ["aria-label={'…'}", "<button aria-label={'Close'} />", 'attribute:Close'],
    ['aria-label={"…"}', '<button aria-label={"关闭"} />', 'attribute:关闭'],
    ['title={`…`}', '<span title={`${n} left`} />', 'attribute:left'],
    ['placeholder', '<input placeholder="请输入邀请码" />', 'attribute:请输入邀请码'],
    ['alt', '<img alt="Logo" src={src} />', 'attribute:Logo'],
    ['aria-valuetext with a unit', '<div aria-valuetext={`${db} dB`} />', 'attribute:dB'],
  ])('flags %s', (_name, src, expected) => {
    expect(texts(src)).toContain(expected);
  });

  it('lets catalogue lookups, non-letters, comments and non-user-facing attributes through', () => {
    expect(
      texts(`
        // <p>Commented out</p>
        const C = () => (
          <div className="box" data-testid="question-box" role="meter" aria-valuenow={3} style={{ width: '50%' }}>
            {t('a.b')} {' '} {'·'} {n} {\`\${n}/\${m}\`}
            <input aria-label={t('x.y')} placeholder={t('x.z')} type="text" />
            {/* Some comment */}
          </div>
        );
        const generic = <T,>(x: T) => x;
      `),
    ).toEqual([]);
  });
});
