import { describe, expect, it } from 'vitest';
import { getProgress } from '../../../../main/db/queries/sessions';
import { chunk, makeFixture, must, startedSession } from '../../../support/session-fixture';

function videoQuestion(f: ReturnType<typeof makeFixture>) {
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
  must(f.service.beginAnswer(sessionId, 1));
  return sessionId;
}

describe('SessionService: a device lost mid-answer', () => {
  it('stops the answer clock while the camera is gone and records device_lost', () => {
    const f = makeFixture();
    const sessionId = videoQuestion(f);
    f.clock.advance(5_000);
    const lost = must(f.service.deviceLost(sessionId, 1, 'camera'));
    expect(lost.answerRemainingMs).toBe(120_000 - 5_000);
    f.clock.advance(30_000);
    f.service.tick();
    const still = must(f.service.current(sessionId));
    expect(still.kind === 'question' && still.question.answerRemainingMs).toBe(120_000 - 5_000);
    const types = (f.db.prepare(`SELECT type FROM journal WHERE session_id = ?`).all(sessionId) as Array<{ type: string }>).map((r) => r.type);
    expect(types).toContain('device_lost');
  });

  it('continues the clock and recording in a new segment when the device is back', async () => {
    const f = makeFixture();
    const sessionId = videoQuestion(f);
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk() }));
    f.clock.advance(2_000);
    must(f.service.deviceLost(sessionId, 1, 'camera'));
    f.clock.advance(20_000);
    const back = must(f.service.deviceRestored(sessionId, 1));
    expect(back).toMatchObject({ segment: 1, nextSeq: 0, committedChunks: 1 });
    expect(back.answerRemainingMs).toBe(120_000 - 2_000);
    f.clock.advance(3_000);
    f.service.tick();
    expect(getProgress(f.db, sessionId, 1)!.elapsed_ms).toBe(5_000);
    const restored = f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'device_restored'`).get(sessionId) as { payload: string };
    expect(JSON.parse(restored.payload)).toMatchObject({ device: 'camera', lostMs: 20_000, segment: 1 });
  });
});
