/**
 * Finds literal user-facing text in TSX by reading its syntax tree with the TypeScript compiler
 * API (never by pattern-matching the source text): JSX text, string and template literals rendered
 * as JSX children (`{'…'}`, `{"…"}`, `{`…`}`, including both branches of `?:` and the operands of
 * `&&`, `||` and `??`), and the same in user-facing attributes. Text counts as user-facing when it
 * contains a letter of any script. Calls (such as `t('key')`) are not looked into: their argument is
 * a catalogue key, not text.
 */
import ts from 'typescript';

/** Attributes a person reads or hears (screen readers included). */
export const USER_FACING_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-roledescription',
  'aria-valuetext',
  'aria-placeholder',
  'title',
  'placeholder',
  'alt',
  'label',
]);

const LETTER = /\p{L}/u;

export interface LiteralFinding {
  readonly line: number;
  readonly kind: 'jsx-text' | 'jsx-expression' | 'attribute';
  readonly text: string;
}

/** String pieces an expression renders as-is; empty when it renders nothing literal. */
function renderedLiterals(e: ts.Expression): string[] {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isTemplateExpression(e)) return [e.head.text, ...e.templateSpans.map((s) => s.literal.text)];
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e)) return renderedLiterals(e.expression);
  if (ts.isConditionalExpression(e)) return [...renderedLiterals(e.whenTrue), ...renderedLiterals(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return renderedLiterals(e.right);
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.PlusToken) {
      return [...renderedLiterals(e.left), ...renderedLiterals(e.right)];
    }
  }
  return [];
}

export function findJsxLiterals(source: string, fileName = 'component.tsx'): LiteralFinding[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: LiteralFinding[] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (n: ts.Node, kind: LiteralFinding['kind'], texts: string[]) => {
    for (const t of texts) if (LETTER.test(t)) found.push({ line: lineOf(n), kind, text: t.trim() });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isJsxText(n)) {
      add(n, 'jsx-text', [n.text]);
    } else if (ts.isJsxExpression(n) && n.expression && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent))) {
      add(n, 'jsx-expression', renderedLiterals(n.expression));
    } else if (ts.isJsxAttribute(n)) {
      const name = n.name.getText(sf);
      if (USER_FACING_ATTRIBUTES.has(name) && n.initializer) {
        const init = n.initializer;
        if (ts.isStringLiteral(init)) add(n, 'attribute', [init.text]);
        else if (ts.isJsxExpression(init) && init.expression) add(n, 'attribute', renderedLiterals(init.expression));
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}
