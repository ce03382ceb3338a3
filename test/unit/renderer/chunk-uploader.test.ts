import { describe, expect, it } from 'vitest';
import type { IpcResult } from '../../../preload/contract/errors';
import type { ChunkAck } from '../../../preload/contract/session';
import { ChunkUploader, type PendingChunk } from '../../../renderer/recording/chunk-uploader';

const chunkAt = (seq: number): PendingChunk => ({ sessionId: 's', questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: new Uint8Array([seq]) });
const ackFor = (c: PendingChunk): IpcResult<ChunkAck> => ({ ok: true, value: { questionIndex: 1, attempt: 0, segment: 0, seq: c.seq, sha256: 'a'.repeat(64), bytes: 1, duplicate: false, committedChunks: c.seq + 1 } });

describe('ChunkUploader', () => {
  it('sends strictly in order and keeps a chunk until it is acknowledged', async () => {
    const sent: number[] = [];
    let failNext = 2;
    const up = new ChunkUploader(
      async (c) => {
        sent.push(c.seq);
        if (c.seq === 1 && failNext-- > 0) return { ok: false, error: { code: 'INTERNAL', message: 'connection to the kiosk was lost' } };
        return ackFor(c);
      },
      { sleep: async () => undefined },
    );
    for (let i = 0; i < 4; i++) up.enqueue(chunkAt(i));
    await up.whenIdle();
    expect(sent).toEqual([0, 1, 1, 1, 2, 3]);
    expect(up.acknowledged).toBe(4);
    expect(up.pending).toBe(0);
  });

  it('stops on a refusal a retry cannot fix and reports it, keeping the rest queued', async () => {
    const fatal: string[] = [];
    const up = new ChunkUploader(async (c) => (c.seq === 1 ? { ok: false, error: { code: 'STORAGE_FULL', message: 'full' } } : ackFor(c)), {
      onFatal: (code) => fatal.push(code),
      sleep: async () => undefined,
    });
    for (let i = 0; i < 3; i++) up.enqueue(chunkAt(i));
    await up.whenIdle();
    expect(fatal).toEqual(['STORAGE_FULL']);
    expect(up.acknowledged).toBe(1);
    expect(up.pending).toBe(2);
    expect(up.failure?.code).toBe('STORAGE_FULL');
  });

  it('treats a thrown transport error as retryable', async () => {
    let calls = 0;
    const up = new ChunkUploader(
      async (c) => {
        calls += 1;
        if (calls === 1) throw new Error('socket closed');
        return ackFor(c);
      },
      { sleep: async () => undefined },
    );
    up.enqueue(chunkAt(0));
    await up.whenIdle();
    expect(up.acknowledged).toBe(1);
    expect(calls).toBe(2);
  });
});
