import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../../main/db/connection';
import {
  allNoShows,
  getSchedule,
  getScheduledInvite,
  insertNoShow,
  markNoShowReported,
  overdueUncheckedInvites,
  replaceSchedule,
  unreportedNoShows,
  type NoShowRow,
  type ScheduleInviteRow,
} from '../../../../main/db/queries/packs';

function db() {
  const d = new Database(':memory:');
  runMigrations(d);
  return d;
}

const schedule = (id: string, at: number) => ({ schedule_id: id, centre_id: 'centre-1', day: '2026-12-07', payload_hash: 'c'.repeat(64), key_id: 'ed25519:' + '0'.repeat(32), imported_at: at });
const invite = (code: string, scheduleId: string, notAfter: number): ScheduleInviteRow => ({
  invite_code: code,
  schedule_id: scheduleId,
  candidate_ref: `cand-${code}`,
  pack_id: 'pack',
  not_before: notAfter - 100,
  not_after: notAfter,
  resume_type: null,
  resume: null,
  resume_sha256: null,
  resume_kind: null,
  resume_text: null,
  resume_problem: null,
  accommodations: null,
});

describe('schedules and no-shows', () => {
  it('replaces a schedule and its invites as a whole', () => {
    const d = db();
    replaceSchedule(d, schedule('s1', 1), [invite('A001', 's1', 500), invite('B001', 's1', 300)]);
    expect(getSchedule(d, 's1')).toEqual(schedule('s1', 1));
    expect(getScheduledInvite(d, 'A001')).toEqual(invite('A001', 's1', 500));
    replaceSchedule(d, schedule('s1', 2), [invite('C001', 's1', 400)]);
    expect(getSchedule(d, 's1')!.imported_at).toBe(2);
    expect(getScheduledInvite(d, 'A001')).toBeUndefined();
    expect(getScheduledInvite(d, 'C001')).toEqual(invite('C001', 's1', 400));
  });

  it('finds overdue invites never checked in, and records each no-show once', () => {
    const d = db();
    replaceSchedule(d, schedule('s1', 1), [invite('A001', 's1', 500), invite('B001', 's1', 300), invite('C001', 's1', 900)]);
    expect(overdueUncheckedInvites(d, 600).map((i) => i.invite_code)).toEqual(['B001', 'A001']);
    const row = (code: string, at: number): NoShowRow => ({ invite_code: code, schedule_id: 's1', candidate_ref: 'c', pack_id: 'pack', not_before: 0, not_after: 300, detected_at: at, kiosk_state: '{"state":"idle"}', reported_at: null });
    expect(insertNoShow(d, row('B001', 700))).toBe(true);
    expect(insertNoShow(d, row('B001', 701))).toBe(false);
    expect(insertNoShow(d, row('A001', 650))).toBe(true);
    expect(overdueUncheckedInvites(d, 600)).toEqual([]);
    expect(unreportedNoShows(d).map((r) => r.invite_code)).toEqual(['A001', 'B001']);
    markNoShowReported(d, 'A001', 800);
    markNoShowReported(d, 'A001', 900);
    expect(unreportedNoShows(d).map((r) => r.invite_code)).toEqual(['B001']);
    expect(allNoShows(d).map((r) => [r.invite_code, r.reported_at])).toEqual([
      ['A001', 800],
      ['B001', null],
    ]);
  });
});
