import type { Lang } from './i18n';

export function fmtTime(lang: Lang, iso: string | number | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
export function fmtClock(lang: Lang, iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
}
