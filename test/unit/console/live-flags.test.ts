/**
 * The proctor board's live flags (issue #15), from synced journal events: open camera and voice
 * flags with their age while the interview runs, background speech until its answer is submitted,
 * and an identity submission waiting for the proctor before the interview starts.
 */
import { describe, expect, it } from 'vitest';
import { liveFlags, type JournalEventLite } from '../../../hub/console/logic/live-flags';

const ev = (type: string, at: number, payload: Record<string, unknown> = {}): JournalEventLite => ({ type, at, payload });
const started = (kind: string, at: number, q = 1, attempt = 0) => ev('vision_flag', at, { status: 'started', kind, questionIndex: q, attempt, heldMs: 5000, startedAt: at - 5000, confidence: 0.9 });
const ended = (kind: string, at: number, reason = 'cleared', q = 1, attempt = 0) => ev('vision_flag', at, { status: 'ended', kind, questionIndex: q, attempt, durationMs: 8000, reason });

describe('live flags on the proctor board', () => {
  it('shows a started camera flag with its age from when the condition began, until it ends', () => {
    const evs = [ev('question_started', 1000, { questionIndex: 1 }), started('no_face', 10_000)];
    expect(liveFlags(evs, 'in_progress', 20_000)).toEqual([{ kind: 'no_face', since: 5_000, ageMs: 15_000, questionIndex: 1 }]);
    expect(liveFlags([...evs, ended('no_face', 21_000)], 'in_progress', 22_000)).toEqual([]);
  });

  it('an ended of another answer or kind does not close it; an interrupted ended does', () => {
    const evs = [started('multiple_faces', 10_000), ended('multiple_faces', 11_000, 'cleared', 1, 1), ended('no_face', 11_000)];
    expect(liveFlags(evs, 'in_progress', 12_000).map((f) => f.kind)).toEqual(['multiple_faces']);
    expect(liveFlags([...evs, ended('multiple_faces', 13_000, 'interrupted')], 'in_progress', 14_000)).toEqual([]);
  });

  it("shows \"can't hear\" until cleared, and background speech until that answer is submitted", () => {
    const evs = [ev('cant_hear_shown', 8_000, { questionIndex: 2, attempt: 0 }), ev('background_speech_flagged', 9_000, { questionIndex: 2, attempt: 0 })];
    expect(liveFlags(evs, 'in_progress', 10_000)).toEqual([
      { kind: 'cant_hear', since: 8_000, ageMs: 2_000, questionIndex: 2 },
      { kind: 'background_speech', since: 9_000, ageMs: 1_000, questionIndex: 2 },
    ]);
    const later = [...evs, ev('cant_hear_cleared', 11_000, { questionIndex: 2, attempt: 0 }), ev('answer_submitted', 12_000, { questionIndex: 2 })];
    expect(liveFlags(later, 'in_progress', 13_000)).toEqual([]);
    // Another question opening also ends the background finding.
    expect(liveFlags([...evs, ev('question_started', 12_000, { questionIndex: 3 })], 'in_progress', 13_000).map((f) => f.kind)).toEqual(['cant_hear']);
  });

  it('shows nothing live once the interview is not in progress (interrupted, completed)', () => {
    const evs = [started('looking_away', 10_000)];
    expect(liveFlags(evs, 'interrupted', 12_000)).toEqual([]);
    expect(liveFlags(evs, 'completed', 12_000)).toEqual([]);
  });

  it('an identity submission waits for the proctor before the interview starts, and not after the decision', () => {
    const evs = [ev('identity_offered', 1_000, { mode: 'required' }), ev('identity_id_entered', 2_000, { ordinal: 1, docType: 'prc_resident_id', masked: '****002X' })];
    expect(liveFlags(evs, 'prechecked', 62_000)).toEqual([{ kind: 'identity_pending', since: 2_000, ageMs: 60_000, method: 'id_number' }]);
    // A decision for another submission does not clear it; this one's does; a rejection then a photo waits again.
    expect(liveFlags([...evs, ev('identity_proctor_confirmed', 3_000, { ordinal: 2 })], 'prechecked', 4_000)).toHaveLength(1);
    expect(liveFlags([...evs, ev('identity_proctor_confirmed', 3_000, { ordinal: 1 })], 'prechecked', 4_000)).toEqual([]);
    const again = [...evs, ev('identity_proctor_rejected', 3_000, { ordinal: 1 }), ev('identity_photo_captured', 5_000, { ordinal: 2 })];
    expect(liveFlags(again, 'prechecked', 6_000)).toEqual([{ kind: 'identity_pending', since: 5_000, ageMs: 1_000, method: 'photo' }]);
    expect(liveFlags(evs, 'in_progress', 6_000)).toEqual([]);
  });

  it('ignores unknown kinds and malformed payloads, and never reports a negative age', () => {
    const evs = [ev('vision_flag', 10_000, { status: 'started', kind: 'emotion' }), ev('vision_flag', 10_000, { status: 'started', kind: 'no_face', startedAt: 'x' })];
    expect(liveFlags(evs, 'in_progress', 5_000)).toEqual([{ kind: 'no_face', since: 10_000, ageMs: 0 }]);
  });
});
