/**
 * Media reaches the hub only through the verified reader: a chunk whose bytes on disk no longer
 * match its sha256 is never sent (`mediaForOutbox` answers 'corrupt'), and an intact one is sent
 * with exactly the bytes that were recorded.
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
      .prepare('SELECT question_index, attempt, segment, seq, sha256, file, file_offset FROM media_chunks WHERE session_id = ? ORDER BY question_index, seq LIMIT 1')
      .get(sessionId) as { question_index: number; attempt: number; segment: number; seq: number; sha256: string; file: string; file_offset: number };
    const ref = { questionIndex: row.question_index, attempt: row.attempt, segment: row.segment, seq: row.seq };

    const intact = mediaForOutbox(kiosk.db, sessionId, ref);
    expect(intact).not.toBe('corrupt');
    expect(intact).not.toBe('missing');
    if (typeof intact === 'string') return;
    expect(hash('sha256', intact.data, 'hex')).toBe(row.sha256);

    const file = join(mediaDirOf(kiosk.db), row.file);
    const bytes = readFileSync(file);
    bytes[row.file_offset + 100] = bytes[row.file_offset + 100]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(mediaForOutbox(kiosk.db, sessionId, ref)).toBe('corrupt');
    expect(mediaForOutbox(kiosk.db, sessionId, { ...ref, seq: 999 })).toBe('missing');
  });
});
