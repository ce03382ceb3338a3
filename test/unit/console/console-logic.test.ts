/**
 * The console's pure parts: a kiosk's board state, the review queue's order and status, blind
 * redaction, today's schedule and alert order, role navigation, the static path check, the
 * catalogues, and resume codes checked against the kiosk's own verifier.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boardOrder, deriveKioskState, type KioskSnapshot } from '../../../hub/console/logic/kiosk-state';
import { orderQueue, reviewReasonOf, reviewStatus, type QueueEntry } from '../../../hub/console/logic/review-queue';
import { redactForBlind, type ReviewDetail } from '../../../hub/console/logic/redact';
import { orderAlerts, scheduleStatus } from '../../../hub/console/logic/schedule';
import { landingScreen, screensFor } from '../../../hub/console/logic/nav';
import { resolveConsolePath } from '../../../hub/console/server/static';
import { resumeCodeFor, resumeSecretFromEnv } from '../../../hub/console/server/resume-code';
import { CATALOGUES } from '../../../hub/console/web/i18n';
import { HmacResumeCodes, DEMO_PROCTOR_SECRET } from '../../../main/services/session/resume-codes';

const NOW = 1_800_000_000_000;
const OFF = 300_000;
const snap = (over: Partial<KioskSnapshot> = {}): KioskSnapshot => ({ lastSeenAt: NOW - 1000, session: null, questionCount: null, ...over });
const sess = (state: string, questionIndex: number | null = null, interruption: string | null = null) => ({ state, questionIndex, interruption });

describe('kiosk state on the proctor board', () => {
  it('maps session states to idle, pre-check, question n of m and interrupted', () => {
    expect(deriveKioskState(snap(), NOW, OFF)).toMatchObject({ kind: 'idle', heartbeatAgeMs: 1000 });
    for (const s of ['checked_in', 'consented', 'prechecked']) expect(deriveKioskState(snap({ session: sess(s) }), NOW, OFF).kind).toBe('precheck');
    expect(deriveKioskState(snap({ session: sess('in_progress', 2), questionCount: 5 }), NOW, OFF)).toMatchObject({ kind: 'question', question: 3, of: 5 });
    // A question count that cannot be right (not above the index) is not shown.
    expect(deriveKioskState(snap({ session: sess('in_progress', 5), questionCount: 5 }), NOW, OFF)).toMatchObject({ kind: 'question', question: 6 });
    expect(deriveKioskState(snap({ session: sess('in_progress', 5), questionCount: 5 }), NOW, OFF).of).toBeUndefined();
    expect(deriveKioskState(snap({ session: sess('interrupted', 1, 'crash') }), NOW, OFF)).toMatchObject({ kind: 'interrupted', interruption: 'crash' });
    expect(deriveKioskState(snap({ session: sess('exited', 1) }), NOW, OFF)).toMatchObject({ kind: 'interrupted', interruption: 'exit' });
    for (const s of ['completed', 'expired', 'no_show', 'weird']) expect(deriveKioskState(snap({ session: sess(s) }), NOW, OFF).kind).toBe('idle');
  });

  it('is offline once the heartbeat is older than the threshold (exactly at it: still online), keeping what it last knew', () => {
    expect(deriveKioskState(snap({ lastSeenAt: NOW - OFF }), NOW, OFF).kind).toBe('idle');
    expect(deriveKioskState(snap({ lastSeenAt: NOW - OFF - 1 }), NOW, OFF)).toEqual({ kind: 'offline', heartbeatAgeMs: OFF + 1 });
    expect(deriveKioskState(snap({ lastSeenAt: null }), NOW, OFF)).toEqual({ kind: 'offline', heartbeatAgeMs: null });
    expect(deriveKioskState(snap({ lastSeenAt: NOW - 10 * OFF, session: sess('in_progress', 0), questionCount: 3 }), NOW, OFF)).toMatchObject({ kind: 'offline', lastKnown: 'question', question: 1, of: 3 });
  });

  it('orders the board: interrupted, offline mid-session, live, offline idle, idle; by name within', () => {
    const k = (name: string, s: KioskSnapshot) => ({ name, state: deriveKioskState(s, NOW, OFF) });
    const order = boardOrder([
      k('a-idle', snap()),
      k('b-live', snap({ session: sess('in_progress', 0) })),
      k('c-off', snap({ lastSeenAt: null })),
      k('d-int', snap({ session: sess('interrupted') })),
      k('e-offlive', snap({ lastSeenAt: 0, session: sess('prechecked') })),
      k('a-live', snap({ session: sess('checked_in') })),
    ]).map((x) => x.name);
    expect(order).toEqual(['d-int', 'e-offlive', 'a-live', 'b-live', 'c-off', 'a-idle']);
  });
});

describe('review queue', () => {
  it('needs a person for needs_human_scoring (or needsReview) and borderline, not for pass or below', () => {
    expect(reviewReasonOf({ status: 'needs_human_scoring', band: 'pass' })).toBe('needs_human_scoring');
    expect(reviewReasonOf({ status: 'scored', band: 'pass', needsReview: true })).toBe('needs_human_scoring');
    expect(reviewReasonOf({ status: 'scored', band: 'borderline' })).toBe('borderline');
    expect(reviewReasonOf({ status: 'scored', band: 'pass' })).toBeNull();
    expect(reviewReasonOf({ status: 'scored', band: 'below' })).toBeNull();
  });

  it('one review is needed, plus one per second-review request', () => {
    const e: QueueEntry = { reviewId: 'r1', reason: 'borderline', receivedAt: 1, decisions: 0, secondRequests: 0 };
    expect(reviewStatus(e)).toMatchObject({ needed: 1, open: true, now: 'borderline' });
    expect(reviewStatus({ ...e, decisions: 1 })).toMatchObject({ open: false, now: 'done' });
    expect(reviewStatus({ ...e, decisions: 1, secondRequests: 1 })).toMatchObject({ needed: 2, open: true, now: 'second_review' });
    expect(reviewStatus({ ...e, decisions: 2, secondRequests: 1 })).toMatchObject({ open: false, now: 'done' });
  });

  it('orders second reviews, then human scoring, then borderline, oldest first; done last, newest first', () => {
    const q = orderQueue([
      { reviewId: 'b-new', reason: 'borderline', receivedAt: 20, decisions: 0, secondRequests: 0 },
      { reviewId: 'done-old', reason: 'borderline', receivedAt: 1, decisions: 1, secondRequests: 0 },
      { reviewId: 'h', reason: 'needs_human_scoring', receivedAt: 30, decisions: 0, secondRequests: 0 },
      { reviewId: 'b-old', reason: 'borderline', receivedAt: 10, decisions: 0, secondRequests: 0 },
      { reviewId: 'second', reason: 'borderline', receivedAt: 40, decisions: 1, secondRequests: 1 },
      { reviewId: 'done-new', reason: 'needs_human_scoring', receivedAt: 5, decisions: 1, secondRequests: 0 },
    ]).map((x) => x.reviewId);
    expect(q).toEqual(['second', 'h', 'b-old', 'b-new', 'done-new', 'done-old']);
  });

  it('the order is a total order: any permutation of the same entries sorts the same', () => {
    const entry = fc.record({
      reviewId: fc.string({ minLength: 1, maxLength: 4 }),
      reason: fc.constantFrom('borderline' as const, 'needs_human_scoring' as const),
      receivedAt: fc.integer({ min: 0, max: 5 }),
      decisions: fc.integer({ min: 0, max: 2 }),
      secondRequests: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.reviewId, maxLength: 12 }), (entries) => {
        const a = orderQueue(entries).map((e) => e.reviewId);
        const b = orderQueue([...entries].reverse()).map((e) => e.reviewId);
        expect(a).toEqual(b);
        // Every open item comes before every done one.
        const opens = orderQueue(entries).map((e) => e.open);
        expect(opens.indexOf(false) === -1 || opens.slice(opens.indexOf(false)).every((o) => !o)).toBe(true);
      }),
    );
  });
});

describe('blind review redaction', () => {
  const detail: ReviewDetail = {
    reviewId: 'r_x',
    blind: false,
    questionId: 'Q1',
    questionIndex: 0,
    attempt: 0,
    reason: 'borderline',
    band: 'borderline',
    total: 55,
    status: 'scored',
    answerText: 'I led the migration.',
    competencies: [{ competencyId: 'c1', level: 2, evidence: [{ text: 'led', candidateName: '张三', sessionId: 'S1' }] }],
    reasons: [],
    decisions: [{ reviewer: 'rev1', reason: 'rubric_gap' }],
    secondRequests: 0,
    candidate: { name: '张三', inviteCode: 'INV-1', candidateRef: 'ref-9' },
    source: { kioskId: 'k_1', sessionId: 'S1' },
    media: [{ key: 'media:S1:0:0:0:1', segment: 0, seq: 1, mimeType: 'video/webm', size: 10 }],
  };
  it('removes name, invite code, candidate ref, kiosk and session ids and the recording, at any depth; keeps the words and levels', () => {
    const r = redactForBlind(detail);
    const text = JSON.stringify(r);
    for (const secret of ['张三', 'INV-1', 'ref-9', 'k_1', '"S1"', 'media:S1']) expect(text).not.toContain(secret);
    expect(r).toMatchObject({ blind: true, mediaWithheld: true, answerText: 'I led the migration.', questionId: 'Q1', reviewId: 'r_x' });
    expect(r.candidate).toBeUndefined();
    expect(r.media).toBeUndefined();
    expect(JSON.stringify(r.competencies)).toContain('"level":2');
    expect(JSON.stringify(r.decisions)).toContain('rev1');
  });
  it('says nothing was withheld when there was no recording', () => {
    expect(redactForBlind({ ...detail, media: [] }).mediaWithheld).toBe(false);
  });
});

describe('schedule and alerts', () => {
  const inv = (status: string, ws: number) => ({ status, windowStart: ws, windowEnd: ws + 3600_000 });
  it('late only after the grace period past the window start; check-in, no-show and cancel win', () => {
    const g = 600_000;
    expect(scheduleStatus(inv('scheduled', NOW + 1), NOW, g)).toBe('upcoming');
    expect(scheduleStatus(inv('scheduled', NOW), NOW, g)).toBe('in_window');
    expect(scheduleStatus(inv('scheduled', NOW - g), NOW, g)).toBe('in_window');
    expect(scheduleStatus(inv('scheduled', NOW - g - 1), NOW, g)).toBe('late');
    expect(scheduleStatus(inv('checked_in', NOW - 10 * g), NOW, g)).toBe('checked_in');
    expect(scheduleStatus(inv('no_show', NOW), NOW, g)).toBe('no_show');
    expect(scheduleStatus(inv('cancelled', NOW), NOW, g)).toBe('cancelled');
  });
  it('alerts: waiting ones first, oldest first; acknowledged after, newest first', () => {
    const a = orderAlerts([
      { id: 'ack-old', at: 1, acknowledged: true },
      { id: 'new', at: 9, acknowledged: false },
      { id: 'ack-new', at: 8, acknowledged: true },
      { id: 'old', at: 2, acknowledged: false },
    ]).map((x) => x.id);
    expect(a).toEqual(['old', 'new', 'ack-new', 'ack-old']);
  });
});

describe('navigation by role', () => {
  it('each role sees its screens only; an unknown role sees none; a forbidden request lands on the first allowed', () => {
    expect(screensFor('proctor')).toEqual(['board']);
    expect(screensFor('recruiter')).toEqual(['review', 'analytics']);
    expect(screensFor('auditor')).toEqual(['analytics', 'journal']);
    expect(screensFor('hr_admin')).toEqual(['board', 'review', 'analytics', 'journal']);
    expect(screensFor('kiosk')).toEqual([]);
    expect(screensFor('__proto__')).toEqual([]);
    expect(landingScreen('proctor', 'review')).toBe('board');
    expect(landingScreen('auditor', 'journal')).toBe('journal');
    expect(landingScreen('nobody', 'board')).toBeNull();
  });
});

describe('console static path check', () => {
  const files = new Set(['index.html', 'assets/index-abc.js', 'assets/index-abc.css']);
  it('serves listed files, index for client routes, refuses traversal, dot files, odd characters and unknown assets', () => {
    expect(resolveConsolePath('', files)).toBe('index');
    expect(resolveConsolePath('assets/index-abc.js', files)).toBe('assets/index-abc.js');
    expect(resolveConsolePath('board', files)).toBe('index');
    for (const bad of ['../package.json', 'assets/../../hub/server.ts', '..', '.env', 'assets/.hidden', 'a\\b', 'a%2e%2e/b', 'assets//x.js', '/etc/passwd', 'x'.repeat(400), 'assets/missing.js', 'a b', 'a\u0000b']) {
      expect(resolveConsolePath(bad, files), bad).toBeNull();
    }
  });
});

describe('catalogues', () => {
  it('zh-CN and en have the same keys, every value non-empty and with the same placeholders', () => {
    const zh = CATALOGUES['zh-CN'];
    const en = CATALOGUES.en;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[k].trim().length, k).toBeGreaterThan(0);
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(zh[k]), k).toEqual(ph(en[k]));
    }
  });
});

describe('resume codes issued on the hub', () => {
  it('the kiosk verifier accepts the hub code for that session and resume only', () => {
    for (let i = 0; i < 20; i++) {
      const secret = randomBytes(32);
      const kiosk = new HmacResumeCodes(secret);
      const sid = `S-${randomBytes(6).toString('hex')}`;
      const count = i % 4;
      const code = resumeCodeFor(secret, sid, count);
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
      expect(kiosk.verify(sid, count, code)).toBe(true);
      expect(kiosk.verify(sid, count + 1, code)).toBe(false);
      expect(kiosk.verify(`${sid}x`, count, code)).toBe(false);
      expect(new HmacResumeCodes(randomBytes(32)).verify(sid, count, code)).toBe(false);
    }
  });
  it('the secret: absent is null, short is refused, the public demo secret only with HUB_DEMO=1', () => {
    expect(resumeSecretFromEnv({})).toBeNull();
    expect(() => resumeSecretFromEnv({ HUB_RESUME_CODE_SECRET: Buffer.alloc(8).toString('base64') })).toThrow(/16 bytes/);
    const demo = DEMO_PROCTOR_SECRET.toString('base64');
    expect(() => resumeSecretFromEnv({ HUB_RESUME_CODE_SECRET: demo })).toThrow(/demo/);
    expect(resumeSecretFromEnv({ HUB_RESUME_CODE_SECRET: demo, HUB_DEMO: '1' })?.equals(DEMO_PROCTOR_SECRET)).toBe(true);
  });
});
