/**
 * Small promises of the session service pinned by hand (from the mutation sample's survivors):
 * a second "start" (a double click, a reloaded page) answers the interview in progress instead of
 * an error and starts nothing twice; a receipt id is RCP- and ten upper-case hex digits derived
 * from the session id alone.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { receiptIdFor } from '../../../../main/services/session/views';
import { makeFixture, must, startedSession } from '../../../support/session-fixture';

describe('start, again', () => {
  it('answers the open question and journals one start', () => {
    const f = makeFixture();
    const { sessionId, question } = startedSession(f);
    f.clock.advance(1_500);
    const again = must(f.service.start(sessionId));
    expect(again.kind).toBe('question');
    expect(again.kind === 'question' && again.question.questionIndex).toBe(question.questionIndex);
    const starts = (f.db.prepare(`SELECT count(*) AS n FROM journal WHERE session_id = ? AND type = 'question_started'`).get(sessionId) as { n: number }).n;
    expect(starts).toBe(1);
  });
});

describe('receiptIdFor', () => {
  it('is RCP- and the first ten hex digits of the session id\'s SHA-256, upper case', () => {
    const id = 'sess-0001';
    const hex = createHash('sha256').update(id, 'utf8').digest('hex');
    expect(receiptIdFor(id)).toBe(`RCP-${hex.slice(0, 10).toUpperCase()}`);
    expect(receiptIdFor(id)).toMatch(/^RCP-[0-9A-F]{10}$/);
    expect(receiptIdFor('sess-0002')).not.toBe(receiptIdFor(id));
  });
});
