/**
 * Who this page is, for main's page presence: a random id per load, an id per tab or window that
 * survives its reloads (sessionStorage), and whether the browser calls this load a reload.
 */
const TAB_KEY = 'kiosk.tabId';

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const pageId: string = randomId();

export function tabId(): string {
  try {
    const existing = sessionStorage.getItem(TAB_KEY);
    if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
    const fresh = randomId();
    sessionStorage.setItem(TAB_KEY, fresh);
    return fresh;
  } catch {
    return pageId;
  }
}

export function wasReloaded(): boolean {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  return nav?.type === 'reload';
}
