/**
 * Signed day schedules (main/services/packs/schedule.ts) under unit tests, so mutation testing
 * sees them (until now only integration tests covered them): what verification refuses and with
 * which code, the import grace boundary to the millisecond, what an import stores and how the
 * directory reads it back, and the no-show sweep with the kiosk's state. Expected values are written
 * out here; résumé parsing is a stub parser (the real one runs in a child process and has its own
 * tests), so this file checks only what schedule.ts does with its answers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/common/clock';
import { openDatabase, type Db } from '../../main/db/connection';
import { allNoShows } from '../../main/db/queries/packs';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { writeEnvelope } from '../../main/services/packs/pack-format';
import { parseProvisioning, trustStoreOf } from '../../main/services/packs/provisioning';
import type { ParseOutcome, ResumeDocumentParser } from '../../main/services/packs/resume-parser';
import { buildSchedule, importSchedule, noShowEventOf, SCHEDULE_SCHEMA_VERSION, ScheduleInviteDirectory, sweepNoShows, verifySchedule, type KioskStateSnapshot } from '../../main/services/packs/schedule';

const root = path.resolve(import.meta.dirname, '../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const CENTRE = 'demo-centre-sh';
const key = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;

const DAY = 24 * 3600 * 1000;
const START = '2026-12-07T01:00:00.000Z';
const END = '2026-12-07T09:00:00.000Z';
const END_MS = Date.parse(END);
const hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function payload(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'interview-schedule',
    schemaVersion: 1,
    scheduleId: 'day-1',
    centreId: CENTRE,
    day: '2026-12-07',
    issuedAt: '2026-12-06T00:00:00.000Z',
    invites: [{ code: 'ABCD-1234', candidateRef: 'cand-1', packId: 'software-engineer', window: { start: START, end: END } }],
    ...over,
  };
}
const signed = (p: Record<string, unknown>) => Buffer.from(writeEnvelope('schedule', p, key));
const at = (ms: number) => new ManualClock(ms);

const dirs: string[] = [];
const dbs: Db[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'sched-unit-'));
  dirs.push(d);
  return d;
}
function db(): Db {
  const d = openDatabase(path.join(tempDir(), 'k.sqlite'));
  dbs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stub parser: the text it returns or the reason it refuses, per document text. */
class StubParser implements ResumeDocumentParser {
  readonly seen: string[] = [];
  async parse(kind: 'text' | 'pdf' | 'docx', data: Uint8Array): Promise<ParseOutcome> {
    const text = Buffer.from(data).toString('utf8');
    this.seen.push(`${kind}:${text}`);
    if (text.startsWith('BAD')) return { ok: false, reason: 'stub refused it' };
    return { ok: true, text: `read ${text}`, sha256: hex(data) };
  }
  async close(): Promise<void> {}
}

function code(r: { ok: boolean; error?: { code: string } }): string | undefined {
  return r.ok ? undefined : r.error!.code;
}

describe('verifySchedule', () => {
  it('accepts a good schedule and returns its payload, hash and signing key', () => {
    const r = verifySchedule(signed(payload()), trust, CENTRE, at(END_MS));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.payload.scheduleId).toBe('day-1');
    expect(r.value.keyId).toBe(key.keyId);
    expect(r.value.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a schedule for another centre, naming both', () => {
    const r = verifySchedule(signed(payload({ centreId: 'other-centre' })), trust, CENTRE, at(END_MS));
    expect(code(r)).toBe('SCHEDULE_WRONG_CENTRE');
    expect(!r.ok && r.error.message).toContain('other-centre');
    expect(!r.ok && r.error.message).toContain(CENTRE);
  });

  it('imports up to a day after the last window ends, to the millisecond, and not after', () => {
    expect(verifySchedule(signed(payload()), trust, CENTRE, at(END_MS + DAY)).ok).toBe(true);
    const late = verifySchedule(signed(payload()), trust, CENTRE, at(END_MS + DAY + 1));
    expect(code(late)).toBe('PACK_EXPIRED');
    expect(!late.ok && late.error.message).toContain(`schedule day-1 ended ${END}`);
  });

  it('the grace counts from the latest window of all the invites', () => {
    const later = '2026-12-07T20:00:00.000Z';
    const p = payload({
      invites: [
        { code: 'ABCD-1234', candidateRef: 'c-1', packId: 'software-engineer', window: { start: START, end: later } },
        { code: 'ABCD-5678', candidateRef: 'c-2', packId: 'software-engineer', window: { start: START, end: END } },
      ],
    });
    expect(verifySchedule(signed(p), trust, CENTRE, at(Date.parse(later) + DAY)).ok).toBe(true);
    expect(code(verifySchedule(signed(p), trust, CENTRE, at(Date.parse(later) + DAY + 1)))).toBe('PACK_EXPIRED');
  });

  it('a newer schema version is refused as from the future, not as invalid; the current one is fine', () => {
    expect(SCHEDULE_SCHEMA_VERSION).toBe(1);
    const r = verifySchedule(signed(payload({ schemaVersion: 2 })), trust, CENTRE, at(END_MS));
    expect(code(r)).toBe('PACK_SCHEMA_FROM_FUTURE');
    expect(!r.ok && r.error.message).toContain('schedule schema 2 is newer than 1');
    expect(code(verifySchedule(signed(payload({ schemaVersion: 0 })), trust, CENTRE, at(END_MS)))).toBe('PACK_INVALID');
    expect(code(verifySchedule(signed(payload({ schemaVersion: '2' })), trust, CENTRE, at(END_MS)))).toBe('PACK_INVALID');
  });

  it('refuses a malformed payload with the first problem and where it is', () => {
    const dup = verifySchedule(
      signed(payload({ invites: [0, 1].map((n) => ({ code: 'ABCD-1234', candidateRef: `c-${n}`, packId: 'software-engineer', window: { start: START, end: END } })) })),
      trust,
      CENTRE,
      at(END_MS),
    );
    expect(code(dup)).toBe('PACK_INVALID');
    expect(!dup.ok && dup.error.message).toContain('invites[1].code');
    expect(!dup.ok && dup.error.message).toContain('duplicate invite code ABCD-1234');
    const backwards = verifySchedule(
      signed(payload({ invites: [{ code: 'ABCD-1234', candidateRef: 'c', packId: 'software-engineer', window: { start: END, end: START } }] })),
      trust,
      CENTRE,
      at(END_MS),
    );
    expect(!backwards.ok && backwards.error.message).toContain('window.end must be after window.start');
    const empty = verifySchedule(
      signed(payload({ invites: [{ code: 'ABCD-1234', candidateRef: 'c', packId: 'software-engineer', window: { start: START, end: START } }] })),
      trust,
      CENTRE,
      at(END_MS),
    );
    expect(code(empty)).toBe('PACK_INVALID');
  });

  it('refuses a résumé whose bytes do not match its sha256, naming the invite', () => {
    const data = Buffer.from('Senior Java engineer');
    const good = { mediaType: 'text/plain', data: data.toString('base64'), sha256: hex(data) };
    const inv = (resume: unknown) => ({ code: 'ABCD-1234', candidateRef: 'c', packId: 'software-engineer', window: { start: START, end: END }, resume });
    expect(verifySchedule(signed(payload({ invites: [inv(good)] })), trust, CENTRE, at(END_MS)).ok).toBe(true);
    const bad = verifySchedule(
      signed(payload({ invites: [{ ...inv(undefined), resume: undefined, code: 'ABCD-0000' }, inv({ ...good, sha256: hex('something else') })].map((i) => JSON.parse(JSON.stringify(i)) as unknown) })),
      trust,
      CENTRE,
      at(END_MS),
    );
    expect(code(bad)).toBe('PACK_INVALID');
    expect(!bad.ok && bad.error.message).toContain('invites[1].resume');
    expect(!bad.ok && bad.error.message).toContain('résumé does not match its sha256');
  });
});

describe('buildSchedule', () => {
  it('signs a schedule that verifies, with codes upper-cased and each résumé typed by its bytes', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'cv.txt'), 'Go and Kafka');
    writeFileSync(path.join(dir, 'cv.pdf'), '%PDF-1.4 not really');
    writeFileSync(path.join(dir, 'cv.docx'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
    const window = { start: START, end: END };
    const built = buildSchedule(
      {
        scheduleId: 'day-2',
        centreId: CENTRE,
        day: '2026-12-07',
        invites: [
          { code: 'abcd-0001', candidateRef: 'c-1', packId: 'software-engineer', window, resumeFile: 'cv.txt' },
          { code: 'abcd-0002', candidateRef: 'c-2', packId: 'software-engineer', window, resumeFile: 'cv.pdf' },
          { code: 'abcd-0003', candidateRef: 'c-3', packId: 'software-engineer', window, resumeFile: 'cv.docx' },
          { code: 'abcd-0004', candidateRef: 'c-4', packId: 'software-engineer', window },
        ],
      },
      dir,
      key,
      new Date('2026-12-06T12:00:00Z'),
    );
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.value).toMatchObject({ scheduleId: 'day-2', centreId: CENTRE, day: '2026-12-07', inviteCount: 4 });
    const v = verifySchedule(Buffer.from(built.value.text), trust, CENTRE, at(END_MS));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const p = v.value.payload;
    expect(p).toMatchObject({ kind: 'interview-schedule', schemaVersion: 1, issuedAt: '2026-12-06T12:00:00.000Z' });
    expect(p.invites.map((i) => i.code)).toEqual(['ABCD-0001', 'ABCD-0002', 'ABCD-0003', 'ABCD-0004']);
    expect(p.invites.map((i) => i.resume?.mediaType)).toEqual([
      'text/plain',
      'application/pdf',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      undefined,
    ]);
    expect(p.invites[0]!.resume).toEqual({ mediaType: 'text/plain', data: Buffer.from('Go and Kafka').toString('base64'), sha256: hex('Go and Kafka') });
    expect('resume' in p.invites[3]!).toBe(false);
  });

  it('refuses a source that does not parse, and a payload the schedule schema refuses, each with where', () => {
    const noDay = buildSchedule({ scheduleId: 'day-2', centreId: CENTRE, invites: [] }, tempDir(), key);
    expect(code(noDay)).toBe('PACK_INVALID');
    expect(!noDay.ok && noDay.error.message).toContain('day');
    const none = buildSchedule({ scheduleId: 'day-2', centreId: CENTRE, day: '2026-12-07', invites: [] }, tempDir(), key);
    expect(code(none)).toBe('PACK_INVALID');
    expect(!none.ok && none.error.message).toContain('invites');
  });
});

describe('importSchedule and the invite directory', () => {
  it('stores every invite with its window; résumés are read once, at import, or keep the reason', async () => {
    const good = Buffer.from('Go and Kafka');
    const bad = Buffer.from('BAD document');
    const inv = (c: string, data?: Buffer) => ({
      code: c,
      candidateRef: `ref-${c}`,
      packId: 'software-engineer',
      window: { start: START, end: END },
      ...(data ? { resume: { mediaType: 'text/plain', data: data.toString('base64'), sha256: hex(data) } } : {}),
    });
    const d = db();
    const parser = new StubParser();
    const clock = at(END_MS - 1000);
    const r = await importSchedule(d, signed(payload({ invites: [inv('ABCD-0001', good), inv('ABCD-0002', bad), inv('ABCD-0003')] })), trust, CENTRE, clock, parser);
    expect(r).toEqual({ ok: true, value: { scheduleId: 'day-1', invites: 3, resumesRead: 1, resumesUnreadable: 1 } });
    expect(parser.seen).toEqual(['text:Go and Kafka', 'text:BAD document']);
    const dir = new ScheduleInviteDirectory(d);
    expect(dir.lookup('ABCD-0001')).toEqual({
      code: 'ABCD-0001',
      candidateRef: 'ref-ABCD-0001',
      packId: 'software-engineer',
      notBefore: Date.parse(START),
      notAfter: END_MS,
      scheduleId: 'day-1',
      resume: { mediaType: 'text/plain', data: good },
      extracted: { ok: true, kind: 'text', text: 'read Go and Kafka', sha256: hex(good) },
    });
    expect(dir.lookup('ABCD-0002')!.extracted).toEqual({ ok: false, problem: 'the text résumé could not be read: stub refused it' });
    const plain = dir.lookup('ABCD-0003')!;
    expect('resume' in plain).toBe(false);
    expect('extracted' in plain).toBe(false);
    expect(dir.lookup('ZZZZ-9999')).toBeUndefined();
    const row = d.prepare('SELECT centre_id, day, key_id, imported_at FROM schedules WHERE schedule_id = ?').get('day-1');
    expect(row).toEqual({ centre_id: CENTRE, day: '2026-12-07', key_id: key.keyId, imported_at: END_MS - 1000 });
  });

  it('a refused schedule changes nothing', async () => {
    const d = db();
    const r = await importSchedule(d, signed(payload({ centreId: 'other-centre' })), trust, CENTRE, at(END_MS), new StubParser());
    expect(code(r)).toBe('SCHEDULE_WRONG_CENTRE');
    expect(new ScheduleInviteDirectory(d).lookup('ABCD-1234')).toBeUndefined();
  });
});

describe('no-shows', () => {
  const kiosk: KioskStateSnapshot = { kioskId: 'k-7', centreId: CENTRE, appVersion: '9.9.9', provisioning: 'demo', packStatus: (id) => (id === 'software-engineer' ? 'ready' : 'missing') };

  it('an invite whose window has ended unchecked becomes one no-show with the kiosk state; the sweep is idempotent', async () => {
    const d = db();
    const later = '2026-12-07T12:00:00.000Z';
    const p = payload({
      invites: [
        { code: 'ABCD-0001', candidateRef: 'c-1', packId: 'software-engineer', window: { start: START, end: END } },
        { code: 'ABCD-0002', candidateRef: 'c-2', packId: 'sales', window: { start: START, end: later } },
      ],
    });
    expect((await importSchedule(d, signed(p), trust, CENTRE, at(END_MS - 1), new StubParser())).ok).toBe(true);
    // At the window's last millisecond nobody is late yet.
    expect(sweepNoShows(d, at(END_MS), kiosk)).toEqual([]);
    const first = sweepNoShows(d, at(END_MS + 1), kiosk);
    expect(first).toEqual([
      {
        type: 'no_show',
        inviteCode: 'ABCD-0001',
        scheduleId: 'day-1',
        candidateRef: 'c-1',
        packId: 'software-engineer',
        window: { start: START, end: END },
        detectedAt: new Date(END_MS + 1).toISOString(),
        kioskState: { kioskId: 'k-7', centreId: CENTRE, appVersion: '9.9.9', provisioning: 'demo', packStatus: 'ready', sessionsInProgress: 0 },
      },
    ]);
    expect(sweepNoShows(d, at(END_MS + 2), kiosk)).toEqual([]);
    const second = sweepNoShows(d, at(Date.parse(later) + 5), kiosk);
    expect(second.map((e) => [e.inviteCode, e.kioskState.packStatus])).toEqual([['ABCD-0002', 'missing']]);
    const stored = allNoShows(d);
    expect(stored.map((r) => noShowEventOf(r))).toEqual([...first, ...second]);
  });
});
