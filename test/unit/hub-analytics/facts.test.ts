/**
 * Per-session facts from what a kiosk synced: exits, returns, time in interview before leaving,
 * the latest attempt per question, review overrides applied in order, pre-check checks, and
 * hostile or partial records that must not crash the ingest transaction.
 */
import { describe, expect, it } from 'vitest';
import { deriveFacts, type FactInput } from '../../../hub/analytics/facts';

const base: FactInput = { kioskId: 'k', sessionId: 's', session: null, events: [], scores: [], reviews: [], invite: null, kioskName: 'Centre A', receivedAt: 999 };

describe('deriveFacts', () => {
  it('an exit, a return and a completion', () => {
    const f = deriveFacts({
      ...base,
      session: { inviteCode: 'I1', state: 'completed', packId: 'pack.sales', resumeCount: 1 },
      events: [
        { seq: 1, type: 'checked_in', at: 1_000, payload: {} },
        { seq: 2, type: 'interview_started', at: 2_000, payload: {} },
        { seq: 5, type: 'exit_confirmed', at: 62_000, payload: { reason: 'network', questionIndex: 2 } },
        { seq: 6, type: 'resumed', at: 90_000, payload: {} },
        { seq: 9, type: 'interview_completed', at: 120_000, payload: {} },
      ],
    });
    expect(f.session).toMatchObject({ inviteCode: 'I1', job: 'pack.sales', centre: 'Centre A', startedAt: 2_000, completed: true, exited: true, exitReason: 'network', exitQuestion: 2, exitAt: 62_000, exitElapsedMs: 60_000, returned: true, resumes: 1 });
  });

  it('a resume before the exit is not a return after it', () => {
    const f = deriveFacts({
      ...base,
      events: [
        { seq: 1, type: 'interview_started', at: 0, payload: {} },
        { seq: 2, type: 'resumed', at: 5, payload: {} },
        { seq: 3, type: 'exit_confirmed', at: 10, payload: { reason: 'health' } },
      ],
    });
    expect(f.session).toMatchObject({ exited: true, returned: false, state: 'exited', completed: false, exitQuestion: null });
  });

  it('the invite names the job and centre when the hub has it', () => {
    const f = deriveFacts({ ...base, session: { packId: 'p' }, invite: { job: 'job.x', centre: 'Pudong' } });
    expect(f.session).toMatchObject({ job: 'job.x', centre: 'Pudong', startedAt: 999 });
  });

  it('latest attempt per question, overrides applied in order, human-scored answers left out of the mean', () => {
    const f = deriveFacts({
      ...base,
      session: { state: 'completed' },
      scores: [
        { question_index: 0, attempt: 0, question_id: 'q0', status: 'scored', total: 40, band: 'below', result: { competencies: [{ competencyId: 'c', level: 1 }] } },
        { question_index: 0, attempt: 1, question_id: 'q0', status: 'scored', total: 70, band: 'pass', result: { competencies: [{ competencyId: 'c', level: 4 }] } },
        { question_index: 1, attempt: 0, question_id: 'q1', status: 'scored', total: 55, band: 'borderline', result: { competencies: [{ competencyId: 'c', level: 2 }, { competencyId: 'd', level: 3 }] } },
        { question_index: 2, attempt: 0, question_id: 'q2', status: 'needs_human_scoring', total: 0, band: 'below', result: {} },
      ],
      reviews: [
        { id: 2, question_index: 1, attempt: 0, competency_id: 'c', new_level: 4, at: 20 },
        { id: 1, question_index: 1, attempt: 0, competency_id: 'c', new_level: 3, at: 10 },
        { id: 3, question_index: 0, attempt: 0, competency_id: 'c', new_level: 5, at: 30 }, // an older attempt: ignored
      ],
    });
    expect(f.answers.map((a) => [a.questionId, a.total, a.forReview, a.overrides])).toEqual([
      ['q0', 70, false, 0],
      ['q1', 55, true, 2],
      ['q2', 0, true, 0],
    ]);
    expect(f.competencies).toContainEqual({ questionIndex: 1, competencyId: 'c', level: 4, overridden: true });
    expect(f.competencies).toContainEqual({ questionIndex: 1, competencyId: 'd', level: 3, overridden: false });
    expect(f.competencies).toContainEqual({ questionIndex: 0, competencyId: 'c', level: 4, overridden: false });
    expect(f.session.scoreMean).toBe((70 + 55) / 2);
    // q2 is banded below (no human score yet): not selected.
    expect(f.session.selected).toBe(false);
  });

  it('pre-check checks become rows with their cause', () => {
    const f = deriveFacts({
      ...base,
      events: [{ seq: 3, type: 'precheck_recorded', at: 50, payload: { mode: 'home', checks: [{ id: 'camera.frames', status: 'fail', remediationKey: 'precheck.fix.camera' }, { id: 'speakers', status: 'pass', remediationKey: null }, { bogus: true }] } }],
    });
    expect(f.prechecks).toEqual([
      { seq: 3, checkId: 'camera.frames', device: 'home', at: 50, status: 'fail', cause: 'precheck.fix.camera' },
      { seq: 3, checkId: 'speakers', device: 'home', at: 50, status: 'pass', cause: null },
    ]);
  });

  it('hostile or partial records are skipped, never thrown on', () => {
    const f = deriveFacts({
      ...base,
      session: { state: 42, inviteCode: ['x'] } as unknown as Record<string, unknown>,
      events: [{ seq: 1, type: 'precheck_recorded', at: 1, payload: { checks: 'nope' } }],
      scores: [{ question_index: 'a', total: 5 }, { question_index: 1, total: 'NaN' }, { question_index: 2, total: 50, result: { competencies: 'x' } }, { question_index: -1, total: 1 }],
      reviews: [{ question_index: 2, competency_id: 7, new_level: 'x' }],
    });
    expect(f.session.inviteCode).toBeNull();
    expect(f.answers.map((a) => a.questionIndex)).toEqual([2]);
    expect(f.competencies).toEqual([]);
    expect(f.prechecks).toEqual([]);
  });
});
