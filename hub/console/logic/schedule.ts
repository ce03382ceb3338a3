/** Today's schedule on the proctor board: who has checked in, who is late, pure. */
export type ScheduleStatus = 'checked_in' | 'late' | 'upcoming' | 'no_show' | 'cancelled' | 'in_window';

export function scheduleStatus(inv: { readonly status: string; readonly windowStart: number; readonly windowEnd: number }, now: number, lateAfterMs: number): ScheduleStatus {
  if (inv.status === 'checked_in') return 'checked_in';
  if (inv.status === 'no_show') return 'no_show';
  if (inv.status === 'cancelled') return 'cancelled';
  if (now > inv.windowStart + lateAfterMs) return 'late';
  if (now >= inv.windowStart) return 'in_window';
  return 'upcoming';
}

/** Alerts (raised hands, incidents, integrity flags): unacknowledged first, oldest first, then by id. */
export function orderAlerts<T extends { readonly id: string; readonly at: number; readonly acknowledged: boolean }>(alerts: readonly T[]): T[] {
  return [...alerts].sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged) || (a.acknowledged ? b.at - a.at : a.at - b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
