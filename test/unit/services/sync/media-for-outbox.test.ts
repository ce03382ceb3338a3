/**
 * Media reaches the hub only through the verified reader, and sealed (#13): an intact chunk is
 * sent with exactly the bytes stored on the kiosk (sealed under the session key), after they were
 * opened and the plaintext checked against the row's sha256; a chunk whose stored bytes no longer
 * open, or that cannot be opened with the sealer given, is never sent ('corrupt').
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaForOutbox } from '../../../../main/db/queries/outbox';
import { mediaDirOf } from '../../../../main/db/queries/media';
import { openSyncKiosk } from '../../../support/sync-kiosk';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('mediaForOutbox', () => {
  it('sends an intact chunk as recorded and refuses one whose file byte changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-outbox-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    const sessionId = await kiosk.interview(2, 2048);
    const row = kiosk.db
      .prepare('SELECT question_index, attempt, segment, seq, sha256, size, file, file_offset, stored_size FROM media_chunks WHERE session_id = ? ORDER BY question_index, seq LIMIT 1')
      .get(sessionId) as { question_index: number; attempt: number; segment: number; seq: number; sha256: string; size: number; file: string; file_offset: number; stored_size: number };
    const ref = { questionIndex: row.question_index, attempt: row.attempt, segment: row.segment, seq: row.seq };

    const intact = mediaForOutbox(kiosk.db, sessionId, ref, kiosk.chunkSealer);
    expect(intact).not.toBe('corrupt');
    expect(intact).not.toBe('missing');
    if (typeof intact === 'string') return;
    // The bytes as stored (sealed, IKS1), not the plaintext; the item names both.
    const stored = readFileSync(join(mediaDirOf(kiosk.db), row.file)).subarray(row.file_offset, row.file_offset + row.stored_size);
    expect(intact.data.equals(stored)).toBe(true);
    expect(intact.data.subarray(0, 4).toString('latin1')).toBe('IKS1');
    expect(hash('sha256', intact.data, 'hex')).not.toBe(row.sha256);
    expect(intact.meta).toMatchObject({
      sha256: row.sha256,
      size: row.size,
      format: 'IKS1',
      identity: `media-chunk:v1:${sessionId}:${ref.questionIndex}:${ref.attempt}:${ref.segment}:${ref.seq}`,
      sealedSize: stored.length,
      sealedSha256: hash('sha256', stored, 'hex'),
      sessionKey: null,
    });
    // Deterministic: a resent item carries the same body.
    expect(mediaForOutbox(kiosk.db, sessionId, ref, kiosk.chunkSealer)).toEqual(intact);
    // Without the key that opens it (the identity sealer), nothing is sent: it cannot be verified.
    expect(mediaForOutbox(kiosk.db, sessionId, ref)).toBe('corrupt');

    const file = join(mediaDirOf(kiosk.db), row.file);
    const bytes = readFileSync(file);
    bytes[row.file_offset + 100] = bytes[row.file_offset + 100]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(mediaForOutbox(kiosk.db, sessionId, ref, kiosk.chunkSealer)).toBe('corrupt');
    expect(mediaForOutbox(kiosk.db, sessionId, { ...ref, seq: 999 }, kiosk.chunkSealer)).toBe('missing');
  });
});
