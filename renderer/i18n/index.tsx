import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Locale } from '../../preload/contract/common';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export const catalogues: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translate(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  return formatMessage(catalogues[locale][key], locale, params);
}

const pluralRules = new Map<Locale, Intl.PluralRules>();
function pluralOf(locale: Locale, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(n);
}

/** The text between `{` at `open` and its matching `}` (nesting counted), or null when unbalanced. */
function braced(s: string, open: number): { inner: string; end: number } | null {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth += 1;
    else if (s[i] === '}' && --depth === 0) return { inner: s.slice(open + 1, i), end: i };
  }
  return null;
}

/**
 * Fills `{name}` placeholders and ICU-style plurals, the subset this product needs:
 * `{count, plural, =0 {no answers yet} one {# answer} other {# answers}}`. An exact `=n` wins,
 * then the locale's plural category (Intl.PluralRules), then `other`; `#` is the number.
 */
export function formatMessage(template: string, locale: Locale, params?: Record<string, string | number>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) break;
    out += template.slice(i, open);
    const b = braced(template, open);
    if (!b) {
      out += template.slice(open);
      return out;
    }
    const plural = /^\s*(\w+)\s*,\s*plural\s*,([\s\S]*)$/.exec(b.inner);
    if (plural) {
      const name = plural[1]!;
      const raw = params?.[name];
      const n = typeof raw === 'number' ? raw : Number(raw);
      out += params && name in params && Number.isFinite(n) ? formatMessage(pickPlural(plural[2]!, locale, n).replace(/#/g, String(raw)), locale, params) : template.slice(open, b.end + 1);
    } else {
      const name = b.inner.trim();
      out += params && name in params ? String(params[name]) : template.slice(open, b.end + 1);
    }
    i = b.end + 1;
  }
  return out + template.slice(i);
}

function pickPlural(options: string, locale: Locale, n: number): string {
  const cases = new Map<string, string>();
  let i = 0;
  while (i < options.length) {
    const m = /^\s*(=\d+|zero|one|two|few|many|other)\s*/.exec(options.slice(i));
    if (!m) break;
    const b = braced(options, i + m[0].length);
    if (!b) break;
    cases.set(m[1]!, b.inner);
    i = b.end + 1;
  }
  return cases.get(`=${n}`) ?? cases.get(pluralOf(locale, n)) ?? cases.get('other') ?? '';
}

interface I18n {
  locale: Locale;
  setLocale(l: Locale): void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, initial = 'zh-CN' }: { children: ReactNode; initial?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(initial);
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    document.documentElement.lang = l;
  }, []);
  // The window title follows the language too (screen readers read it first; it was bilingual).
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.title');
  }, [locale]);
  const t = useCallback<Translate>((key, params) => translate(locale, key, params), [locale]);
  const value = useMemo(() => ({ locale, setLocale, t }), [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

export function errorKey(code: string): MessageKey {
  const key = `error.${code}` as MessageKey;
  return key in en ? key : 'error.generic';
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function formatTime(epochMs: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(epochMs);
}
