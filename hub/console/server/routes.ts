/**
 * The console's API (#14): the proctor board, resume codes, alert acknowledgements, the review
 * queue with blind review and second reviews, and the console journal. Permissions are in
 * auth/permissions.ts (the server refuses any route not listed there); the decisions are in the
 * pure modules of ../logic. Every change is one append-only console_journal row; a refused
 * request changes nothing (except a resume-code request the hub cannot serve, journaled on purpose
 * so the proctor's request is on record).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubDatabase } from '../../db/database';
import { HubError } from '../../errors';
import { boardOrder, deriveKioskState } from '../logic/kiosk-state';
import { LIVE_FLAG_EVENT_TYPES, liveFlags, type JournalEventLite } from '../logic/live-flags';
import { orderQueue, REVIEW_REASON_CODES, reviewReasonOf, type QueueEntry } from '../logic/review-queue';
import { redactForBlind, type ReviewDetail } from '../logic/redact';
import { orderAlerts, scheduleStatus } from '../logic/schedule';
import { resumeCodeFor } from './resume-code';
import { maskName, openReviewMaterial, SealedTamperedError, type HrKey } from './sealed-review';
import { parseByteRange, planRecording, recordingMime } from '../logic/recording';
import { checkAgainstJournal, journalChunkDigests, MediaUnopenableError, mediaSessionKey, openMediaChunk, readSealedObject, sealedChunkOf, type SealedRecordingChunk } from '../../storage/sealed-media';
import type { UploadStore } from '../../storage/upload-store';
import { refreshSessionFacts } from '../../analytics/facts';

export interface ConsoleDeps {
  readonly db: HubDatabase;
  readonly now: () => number;
  readonly parse: <T>(schema: z.ZodType<T>, value: unknown) => T;
  readonly auth: (req: FastifyRequest) => { readonly principal: string; readonly actor: string };
  /** The centre's resume-code secret; null: the hub cannot issue codes (requests are journaled). */
  readonly resumeSecret: Buffer | null;
  /** A kiosk silent for longer is offline (default 5 minutes). */
  readonly offlineAfterMs?: number;
  /** A candidate not checked in this long after the window opened is late (default 10 minutes). */
  readonly lateAfterMs?: number;
  /** Object storage, for a review's recording. */
  readonly uploads?: UploadStore;
  /** HR's X25519 key (HUB_HR_PRIVATE_KEY_FILE); null: sealed answers cannot be opened on this hub. */
  readonly hrKey?: HrKey | null;
}

export const RESUME_REASONS = ['crash', 'device', 'network', 'candidate_break', 'proctor_pause', 'other'] as const;
const RESUMABLE = new Set(['in_progress', 'interrupted', 'exited']);
const SCORE_FILTER = `i.kind = 'score' AND (i.body->>'band' = 'borderline' OR i.body->>'status' = 'needs_human_scoring' OR i.body->'result'->>'needsReview' = 'true')`;

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v)));
const reviewIdOf = (kioskId: string, key: string) => `r_${createHash('sha256').update(`${kioskId}\n${key}`).digest('hex').slice(0, 32)}`;
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function parsePayload(text: string): Record<string, unknown> {
  try {
    return obj(JSON.parse(text));
  } catch {
    return {};
  }
}

const idParam = z.object({ reviewId: z.string().regex(/^r_[0-9a-f]{32}$/) });
const decisionBody = z.object({
  levels: z.array(z.object({ competencyId: z.string().min(1).max(100), level: z.number().int().min(1).max(5) }).strict()).min(1).max(20),
  reasonCode: z.enum(REVIEW_REASON_CODES),
  note: z.string().max(2000).optional(),
  blind: z.boolean(),
}).strict();

export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { db, now, parse, auth } = deps;
  const offlineAfterMs = deps.offlineAfterMs ?? 5 * 60_000;
  const lateAfterMs = deps.lateAfterMs ?? 10 * 60_000;
  const journal = async (
    c: { query: HubDatabase['pool']['query'] },
    who: { principal: string; actor: string },
    row: { action: string; kioskId?: string | null; sessionId?: string | null; reviewId?: string | null; reason: string; detail: object },
  ) => {
    const r = await c.query<{ id: string; at: Date }>(
      'INSERT INTO console_journal (actor, role, action, kiosk_id, session_id, review_id, reason, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id, at',
      [who.actor, who.principal, row.action, row.kioskId ?? null, row.sessionId ?? null, row.reviewId ?? null, row.reason, JSON.stringify(row.detail)],
    );
    return { id: Number(r.rows[0]!.id), at: r.rows[0]!.at.toISOString() };
  };

  app.get('/v1/console/me', async (req) => {
    const a = auth(req);
    return { role: a.principal, user: a.actor.replace(/^user:/, '') };
  });

  // ---- proctor board ------------------------------------------------------------------------
  app.get('/v1/console/board', async (req) => {
    const q = parse(z.object({ tzOffsetMinutes: z.coerce.number().int().min(-840).max(840).default(480) }), req.query);
    const t = now();
    const kiosks = await db.pool.query<{ id: string; name: string; last_seen_at: Date | null; open_gaps: number; items: number }>(
      // Heartbeat: the kiosk's last ingest, or any later signed request (each leaves a nonce row).
      `SELECT k.id, k.name, GREATEST(k.last_seen_at, (SELECT max(n.seen_at) FROM kiosk_nonces n WHERE n.kiosk_id = k.id)) AS last_seen_at,
        (SELECT count(*)::int FROM chain_flags f WHERE f.kiosk_id = k.id AND f.kind = 'gap' AND f.resolved_at IS NULL) AS open_gaps,
        (SELECT count(*)::int FROM items i WHERE i.kiosk_id = k.id) AS items
       FROM kiosks k ORDER BY k.name LIMIT 500`,
    );
    const sessions = await db.pool.query<{ kiosk_id: string; session_id: string; invite_code: string; state: string; body: Record<string, unknown>; updated_at: Date; candidate_name: string | null; question_count: string | null }>(
      `SELECT DISTINCT ON (s.kiosk_id) s.kiosk_id, s.session_id, s.invite_code, s.state, s.body, s.updated_at, inv.candidate_name,
         (SELECT e.payload FROM journal_events e WHERE e.kiosk_id = s.kiosk_id AND e.session_id = s.session_id AND e.type = 'interview_started' ORDER BY e.seq LIMIT 1) AS question_count
       FROM hub_sessions s LEFT JOIN invites inv ON inv.code = s.invite_code
       ORDER BY s.kiosk_id, s.updated_at DESC`,
    );
    const byKiosk = new Map(sessions.rows.map((s) => [s.kiosk_id, s]));
    // Live flags (issue #15): the synced flag events of each kiosk's current session, newest 500 per session.
    const flagEvents = new Map<string, JournalEventLite[]>();
    if (sessions.rows.length > 0) {
      const ev = await db.pool.query<{ kiosk_id: string; session_id: string; type: string; at: string | number; payload: string }>(
        `SELECT e.kiosk_id, e.session_id, e.type, e.at, e.payload FROM (
           SELECT e.*, row_number() OVER (PARTITION BY e.kiosk_id, e.session_id ORDER BY e.seq DESC) AS rn
           FROM journal_events e
           WHERE (e.kiosk_id, e.session_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND e.type = ANY($3::text[])
         ) e WHERE e.rn <= 500 ORDER BY e.kiosk_id, e.session_id, e.seq`,
        [sessions.rows.map((s) => s.kiosk_id), sessions.rows.map((s) => s.session_id), [...LIVE_FLAG_EVENT_TYPES]],
      );
      for (const r of ev.rows) {
        const key = `${r.kiosk_id}\n${r.session_id}`;
        const list = flagEvents.get(key) ?? [];
        list.push({ type: r.type, at: Number(r.at), payload: parsePayload(r.payload) });
        flagEvents.set(key, list);
      }
    }
    const rows = kiosks.rows.map((k) => {
      const s = byKiosk.get(k.id);
      const qc = s?.question_count ? num(parsePayload(s.question_count).questionCount) : null;
      const state = deriveKioskState(
        { lastSeenAt: ms(k.last_seen_at), session: s ? { state: s.state, questionIndex: num(s.body.questionIndex), interruption: str(s.body.interruption) } : null, questionCount: qc },
        t,
        offlineAfterMs,
      );
      return {
        id: k.id,
        name: k.name,
        lastSeenAt: k.last_seen_at ? k.last_seen_at.toISOString() : null,
        state,
        // The hub cannot see what a kiosk has not sent: it knows only the holes in journals it holds.
        backlog: { knownGaps: k.open_gaps, itemsReceived: k.items },
        session: s
          ? { sessionId: s.session_id, inviteCode: s.invite_code, candidateName: s.candidate_name, state: s.state, resumeCount: num(s.body.resumeCount), snapshotAt: s.updated_at.toISOString() }
          : null,
        // Open flags for a person to look at, with their age (never a score).
        flags: s ? liveFlags(flagEvents.get(`${s.kiosk_id}\n${s.session_id}`) ?? [], s.state, t) : [],
      };
    });
    const incidents = await db.pool.query<{ kiosk_id: string; idem_key: string; kind: string; session_id: string | null; body: Record<string, unknown>; received_at: Date; kiosk_name: string | null }>(
      `SELECT i.kiosk_id, i.idem_key, i.kind, i.session_id, i.body, i.received_at, k.name AS kiosk_name
       FROM items i LEFT JOIN kiosks k ON k.id = i.kiosk_id
       WHERE i.kind IN ('incident','kiosk_incident') ORDER BY i.received_at DESC LIMIT 300`,
    );
    const acks = await db.pool.query<{ alert: string; actor: string; at: Date }>(
      "SELECT detail->>'alertId' AS alert, actor, at FROM console_journal WHERE action = 'alert_acknowledged' ORDER BY id DESC LIMIT 2000",
    );
    const ackOf = new Map<string, { actor: string; at: string }>();
    for (const a of acks.rows) if (!ackOf.has(a.alert)) ackOf.set(a.alert, { actor: a.actor, at: a.at.toISOString() });
    const alerts = orderAlerts(
      incidents.rows.map((i) => {
        const id = `${i.kiosk_id}/${i.idem_key}`;
        const ack = ackOf.get(id);
        return {
          id,
          kioskId: i.kiosk_id,
          kioskName: i.kiosk_name,
          key: i.idem_key,
          kind: str(i.body.kind) ?? i.kind,
          incidentId: str(i.body.id),
          sessionId: i.session_id,
          screen: str(i.body.screen) ?? str(obj(i.body.body).screen),
          at: num(i.body.at) ?? i.received_at.getTime(),
          acknowledged: ack !== undefined,
          acknowledgedBy: ack?.actor ?? null,
        };
      }),
    );
    const offset = q.tzOffsetMinutes * 60_000;
    const dayStart = Math.floor((t + offset) / 86_400_000) * 86_400_000 - offset;
    const invites = await db.pool.query<{ id: string; code: string; candidate_name: string; job_id: string; centre: string; location: string; window_start: string; window_end: string; status: string }>(
      `SELECT id, code, candidate_name, job_id, centre, location, window_start, window_end, status FROM invites
       WHERE window_start < $2 AND window_end > $1 ORDER BY window_start, id LIMIT 500`,
      [dayStart, dayStart + 86_400_000],
    );
    const schedule = invites.rows.map((r) => {
      const ws = Number(r.window_start);
      const we = Number(r.window_end);
      return { id: r.id, code: r.code, candidateName: r.candidate_name, jobId: r.job_id, centre: r.centre, location: r.location, windowStart: new Date(ws).toISOString(), windowEnd: new Date(we).toISOString(), status: scheduleStatus({ status: r.status, windowStart: ws, windowEnd: we }, t, lateAfterMs) };
    });
    return {
      generatedAt: new Date(t).toISOString(),
      offlineAfterMs,
      resumeCodes: deps.resumeSecret ? 'available' : 'unavailable',
      kiosks: boardOrder(rows),
      alerts,
      schedule,
    };
  });

  app.post('/v1/console/alerts/ack', async (req) => {
    const b = parse(z.object({ kioskId: z.string().min(1).max(200), key: z.string().min(1).max(300), note: z.string().max(500).optional() }).strict(), req.body);
    const who = auth(req);
    const hit = await db.pool.query("SELECT 1 FROM items WHERE kiosk_id=$1 AND idem_key=$2 AND kind IN ('incident','kiosk_incident')", [b.kioskId, b.key]);
    if (hit.rowCount !== 1) throw new HubError(404, 'ALERT_NOT_FOUND', 'no such alert');
    const alertId = `${b.kioskId}/${b.key}`;
    return db.transaction(async (c) => {
      const seen = await c.query("SELECT 1 FROM console_journal WHERE action='alert_acknowledged' AND detail->>'alertId' = $1", [alertId]);
      if ((seen.rowCount ?? 0) > 0) throw new HubError(409, 'ALREADY_ACKNOWLEDGED', 'this alert was already acknowledged');
      const j = await journal(c, who, { action: 'alert_acknowledged', kioskId: b.kioskId, reason: b.note?.trim() || 'acknowledged', detail: { alertId } });
      return { ok: true, journalId: j.id, at: j.at };
    });
  });

  app.post('/v1/console/resume-codes', async (req, reply) => {
    const b = parse(
      z.object({ kioskId: z.string().min(1).max(200), sessionId: z.string().min(1).max(200), reason: z.enum(RESUME_REASONS), note: z.string().max(500).optional() }).strict(),
      req.body,
    );
    const who = auth(req);
    const s = await db.pool.query<{ state: string; body: Record<string, unknown>; updated_at: Date }>('SELECT state, body, updated_at FROM hub_sessions WHERE kiosk_id=$1 AND session_id=$2', [b.kioskId, b.sessionId]);
    const row = s.rows[0];
    if (!row) throw new HubError(404, 'SESSION_NOT_FOUND', 'no such session on this kiosk');
    if (!RESUMABLE.has(row.state)) throw new HubError(409, 'SESSION_NOT_RESUMABLE', `the session is ${row.state}`);
    const resumeCount = num(row.body.resumeCount);
    if (resumeCount === null || !Number.isInteger(resumeCount) || resumeCount < 0) throw new HubError(409, 'RESUME_COUNT_UNKNOWN', 'the synced session does not carry its resume count');
    const detail = { resumeCount, state: row.state, snapshotAt: row.updated_at.toISOString(), note: b.note ?? null };
    if (!deps.resumeSecret) {
      await journal(db.pool, who, { action: 'resume_code_refused', kioskId: b.kioskId, sessionId: b.sessionId, reason: b.reason, detail: { ...detail, missing: 'HUB_RESUME_CODE_SECRET' } });
      throw new HubError(503, 'RESUME_CODES_UNAVAILABLE', 'this hub holds no centre resume-code secret (HUB_RESUME_CODE_SECRET); the request is journaled');
    }
    const code = resumeCodeFor(deps.resumeSecret, b.sessionId, resumeCount);
    const j = await journal(db.pool, who, { action: 'resume_code_issued', kioskId: b.kioskId, sessionId: b.sessionId, reason: b.reason, detail });
    return reply.code(201).send({ code, kioskId: b.kioskId, sessionId: b.sessionId, resumeCount, snapshotAt: detail.snapshotAt, journalId: j.id, issuedAt: j.at });
  });

  // ---- review ------------------------------------------------------------------------------
  const reviewCounts = async (ids: readonly string[]) => {
    const r = await db.pool.query<{ review_id: string; decisions: number; seconds: number }>(
      `SELECT review_id, count(*) FILTER (WHERE action='review_decision')::int AS decisions, count(*) FILTER (WHERE action='second_review_requested')::int AS seconds
       FROM console_journal WHERE review_id = ANY($1) GROUP BY review_id`,
      [ids],
    );
    return new Map(r.rows.map((x) => [x.review_id, x]));
  };

  app.get('/v1/console/review', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }), req.query);
    const scores = await db.pool.query<{ kiosk_id: string; idem_key: string; body: Record<string, unknown>; received_at: Date }>(
      `SELECT i.kiosk_id, i.idem_key, i.body, i.received_at FROM items i WHERE ${SCORE_FILTER} ORDER BY i.received_at LIMIT $1`,
      [q.limit],
    );
    const entries: Array<QueueEntry & { questionId: string | null; band: string | null; total: number | null }> = [];
    const ids = scores.rows.map((s) => reviewIdOf(s.kiosk_id, s.idem_key));
    if (ids.length > 0) {
      await db.pool.query(
        'INSERT INTO review_subjects (review_id, kiosk_id, idem_key) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING',
        [ids, scores.rows.map((s) => s.kiosk_id), scores.rows.map((s) => s.idem_key)],
      );
    }
    const counts = await reviewCounts(ids);
    scores.rows.forEach((s, i) => {
      const result = obj(s.body.result);
      const reason = reviewReasonOf({ status: s.body.status, band: s.body.band, needsReview: result.needsReview });
      if (!reason) return;
      const c = counts.get(ids[i]!);
      entries.push({ reviewId: ids[i]!, reason, receivedAt: s.received_at.getTime(), decisions: c?.decisions ?? 0, secondRequests: c?.seconds ?? 0, questionId: str(s.body.question_id), band: str(s.body.band), total: num(s.body.total) });
    });
    const extra = new Map(entries.map((e) => [e.reviewId, e]));
    const flags = await db.pool.query<{ kiosk_id: string; session_id: string; seq: number; at: string; payload: string }>(
      "SELECT kiosk_id, session_id, seq, at, payload FROM journal_events WHERE type = 'integrity_finding' ORDER BY at DESC LIMIT 200",
    );
    const chain = await db.pool.query<{ id: string; kiosk_id: string; session_id: string; kind: string; flagged_at: Date }>(
      'SELECT id, kiosk_id, session_id, kind, flagged_at FROM chain_flags WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 200',
    );
    return {
      queue: orderQueue(entries).map((e) => ({ ...e, questionId: extra.get(e.reviewId)?.questionId ?? null, band: extra.get(e.reviewId)?.band ?? null, total: extra.get(e.reviewId)?.total ?? null })),
      // Flags go to a person and never into a score: listed for the reviewer to look at, nothing more.
      flags: [
        ...flags.rows.map((f) => ({ source: 'integrity_finding', kioskId: f.kiosk_id, sessionId: f.session_id, at: new Date(Number(f.at)).toISOString(), kind: str(parsePayload(f.payload).kind) ?? str(parsePayload(f.payload).finding) ?? 'finding' })),
        ...chain.rows.map((f) => ({ source: 'chain_flag', kioskId: f.kiosk_id, sessionId: f.session_id, at: f.flagged_at.toISOString(), kind: f.kind })),
      ],
    };
  });

  const loadSubject = async (reviewId: string) => {
    const r = await db.pool.query<{ kiosk_id: string; idem_key: string; body: Record<string, unknown>; received_at: Date }>(
      `SELECT i.kiosk_id, i.idem_key, i.body, i.received_at FROM review_subjects rs JOIN items i ON i.kiosk_id = rs.kiosk_id AND i.idem_key = rs.idem_key WHERE rs.review_id = $1`,
      [reviewId],
    );
    const s = r.rows[0];
    if (!s) throw new HubError(404, 'REVIEW_NOT_FOUND', 'no such review item (open the queue first)');
    return s;
  };
  const decisionsOf = async (reviewId: string) => {
    const r = await db.pool.query<{ actor: string; at: Date; action: string; reason: string; detail: Record<string, unknown> }>(
      "SELECT actor, at, action, reason, detail FROM console_journal WHERE review_id = $1 AND action IN ('review_decision','second_review_requested') ORDER BY id",
      [reviewId],
    );
    return r.rows;
  };

  app.get('/v1/console/review/:reviewId', async (req) => {
    const p = parse(idParam, req.params);
    const q = parse(z.object({ blind: z.enum(['0', '1']).default('0') }), req.query);
    const s = await loadSubject(p.reviewId);
    const result = obj(s.body.result);
    const sessionId = str(s.body.sessionId) ?? str(s.body.session_id) ?? '';
    const questionIndex = num(s.body.question_index) ?? 0;
    const attempt = num(s.body.attempt) ?? 0;
    const who = await db.pool.query<{ invite_code: string; candidate_name: string | null; candidate_ref: string | null }>(
      "SELECT s.invite_code, inv.candidate_name, s.body->>'candidateRef' AS candidate_ref FROM hub_sessions s LEFT JOIN invites inv ON inv.code = s.invite_code WHERE s.kiosk_id=$1 AND s.session_id=$2",
      [s.kiosk_id, sessionId],
    );
    const media = await db.pool.query<{ idem_key: string; body: Record<string, unknown> }>(
      "SELECT idem_key, body FROM items WHERE kiosk_id=$1 AND session_id=$2 AND kind='media_chunk' AND (body->>'questionIndex')::int = $3 AND (body->>'attempt')::int = $4 ORDER BY (body->>'segment')::int NULLS FIRST, (body->>'seq')::int NULLS FIRST, idem_key LIMIT 500",
      [s.kiosk_id, sessionId, questionIndex, attempt],
    );
    const log = await decisionsOf(p.reviewId);
    const detail: ReviewDetail = {
      reviewId: p.reviewId,
      blind: false,
      questionId: str(s.body.question_id) ?? str(result.questionId) ?? '',
      questionIndex,
      attempt,
      reason: reviewReasonOf({ status: s.body.status, band: s.body.band, needsReview: result.needsReview }) ?? 'borderline',
      band: str(s.body.band),
      total: num(s.body.total),
      status: str(s.body.status),
      // The kiosk syncs the scorer's evidence, not the typed answer; a body that carries it is shown.
      answerText: str(s.body.answerText) ?? str(result.answerText),
      competencies: Array.isArray(result.competencies) ? result.competencies.slice(0, 20) : [],
      reasons: Array.isArray(result.reasons) ? result.reasons.slice(0, 50) : [],
      decisions: log.map((d) => ({ action: d.action, reviewer: d.actor.replace(/^user:/, ''), at: d.at.toISOString(), reason: d.reason, levels: d.detail.levels ?? null, round: d.detail.round ?? null, blind: d.detail.blind ?? null, note: d.detail.note ?? null })),
      secondRequests: log.filter((d) => d.action === 'second_review_requested').length,
      candidate: { name: who.rows[0]?.candidate_name ?? null, inviteCode: who.rows[0]?.invite_code ?? '', candidateRef: who.rows[0]?.candidate_ref ?? null },
      source: { kioskId: s.kiosk_id, sessionId },
      // In recording order: a segment's chunks concatenate into one playable file.
      media: media.rows.map((m) => ({ key: m.idem_key, segment: num(m.body.segment) ?? 0, seq: num(m.body.seq) ?? 0, mimeType: str(m.body.mimeType), size: num(m.body.size) })),
    };
    return q.blind === '1' ? redactForBlind(detail) : detail;
  });

  const candidateNameOf = async (kioskId: string, sessionId: string): Promise<string | null> => {
    const r = await db.pool.query<{ candidate_name: string | null }>('SELECT inv.candidate_name FROM hub_sessions s LEFT JOIN invites inv ON inv.code = s.invite_code WHERE s.kiosk_id=$1 AND s.session_id=$2', [kioskId, sessionId]);
    return r.rows[0]?.candidate_name ?? null;
  };

  // The answer's words, the transcript and the rubric, opened with HR's key for this request only
  // (nothing opened is stored); the read is audited like every candidate-data route.
  app.get('/v1/console/review/:reviewId/answer', async (req) => {
    const p = parse(idParam, req.params);
    const q = parse(z.object({ blind: z.enum(['0', '1']).default('0') }), req.query);
    const s = await loadSubject(p.reviewId);
    const at = { sessionId: str(s.body.sessionId) ?? str(s.body.session_id) ?? '', questionIndex: num(s.body.question_index) ?? -1, attempt: num(s.body.attempt) ?? -1 };
    let opened;
    try {
      opened = openReviewMaterial(s.body.review, at, deps.hrKey ?? null);
    } catch (err) {
      if (err instanceof SealedTamperedError) throw new HubError(422, 'SEALED_TEXT_INVALID', `${err.message}; nothing of this answer is shown`);
      throw err;
    }
    let rubric: unknown = null;
    if (opened.rubric.state === 'opened') {
      try {
        rubric = JSON.parse(opened.rubric.text) as unknown;
      } catch {
        throw new HubError(422, 'SEALED_TEXT_INVALID', 'the rubric opened but is not JSON; nothing of this answer is shown');
      }
    }
    const name = q.blind === '1' ? await candidateNameOf(s.kiosk_id, at.sessionId) : null;
    const words = (part: typeof opened.answer) => (part.state === 'opened' ? { state: part.state, text: q.blind === '1' ? maskName(part.text, name) : part.text } : part);
    return {
      reviewId: p.reviewId,
      blind: q.blind === '1',
      mode: opened.mode,
      hrKey: deps.hrKey ? 'available' : 'missing',
      answer: words(opened.answer),
      transcript: words(opened.transcript),
      rubric: opened.rubric.state === 'opened' ? { state: 'opened', rubric } : opened.rubric,
    };
  });

  // One recorded segment of the answer, its chunks joined in order. Each chunk rests sealed in
  // object storage (#13): it is read, checked against the sealed sha256 verified on arrival, opened
  // with HR's key (the session key unwrapped from the item's HR wrap, the identity recomputed from
  // the item's fields) and its plaintext checked against the sha256 the kiosk recorded — every chunk
  // before the first byte is sent, and again as it is streamed. Plaintext exists only in the
  // response. Without HR's key nothing is played (and the answer says so). Range requests are
  // honoured (over the plaintext) so the player can seek.
  app.get('/v1/console/review/:reviewId/recording/:segment', async (req, reply) => {
    const p = parse(idParam.extend({ segment: z.coerce.number().int().min(0).max(10_000) }), req.params);
    if (!deps.uploads) throw new HubError(503, 'STORAGE_UNAVAILABLE', 'this hub has no object storage configured');
    const uploads = deps.uploads;
    const s = await loadSubject(p.reviewId);
    const sessionId = str(s.body.sessionId) ?? str(s.body.session_id) ?? '';
    const r = await db.pool.query<{ idem_key: string; body: Record<string, unknown>; storage_key: string | null; size: string | null; sha256: string | null }>(
      `SELECT i.idem_key, i.body, o.storage_key, o.size, o.sha256 FROM items i LEFT JOIN media_objects o ON o.kiosk_id = i.kiosk_id AND o.idem_key = i.idem_key
       WHERE i.kiosk_id=$1 AND i.session_id=$2 AND i.kind='media_chunk' AND (i.body->>'questionIndex')::int = $3 AND (i.body->>'attempt')::int = $4 AND (i.body->>'segment')::int = $5
       ORDER BY (i.body->>'seq')::int LIMIT 5001`,
      [s.kiosk_id, sessionId, num(s.body.question_index) ?? -1, num(s.body.attempt) ?? -1, p.segment],
    );
    if (r.rows.length === 0) throw new HubError(404, 'RECORDING_NOT_FOUND', 'no recording of this answer in that segment');
    if (r.rows.length > 5000) throw new HubError(413, 'RECORDING_TOO_LARGE', 'this segment has more chunks than the hub plays');
    const chunks: SealedRecordingChunk[] = [];
    // Each item against its chunk_committed event in the verified journal, when that has arrived.
    const digests = await journalChunkDigests((sql, params) => db.pool.query<{ payload: string }>(sql, params), s.kiosk_id, sessionId);
    for (const row of r.rows) {
      const c = sealedChunkOf(row);
      if (!c) throw new HubError(422, 'RECORDING_INVALID', `chunk ${row.idem_key} is missing or does not match what the kiosk sent; nothing is played`);
      try {
        checkAgainstJournal(c, digests);
      } catch (err) {
        if (err instanceof MediaUnopenableError) throw new HubError(422, 'RECORDING_INVALID', `chunk ${c.key}: ${err.message}; nothing is played`);
        throw err;
      }
      chunks.push(c);
    }
    const dataKey = mediaKeyOrRefuse(sessionId, r.rows[0]!.body);
    const readOpened = async (c: SealedRecordingChunk): Promise<Buffer> => {
      try {
        return openMediaChunk(dataKey, await readSealedObject(uploads, c), { identity: c.identity, sha256: c.sha256, size: c.size });
      } catch (err) {
        if (err instanceof MediaUnopenableError) throw new HubError(422, 'RECORDING_INVALID', `chunk ${c.key}: ${err.message}; nothing is played`);
        throw err;
      }
    };
    try {
      for (const c of chunks) (await readOpened(c)).fill(0);
    } catch (err) {
      dataKey.fill(0);
      throw err;
    }
    const total = chunks.reduce((a, c) => a + c.size, 0);
    const range = parseByteRange(req.headers.range, total);
    if (range === 'unsatisfiable') {
      dataKey.fill(0);
      return reply.code(416).header('content-range', `bytes */${total}`).send({ error: { code: 'RANGE_NOT_SATISFIABLE', message: 'the range is outside the recording' } });
    }
    const want = range ?? { start: 0, end: total - 1 };
    const plan = planRecording(chunks.map((c) => c.size), want);
    async function* body(): AsyncGenerator<Buffer> {
      // Re-checked as streamed: an object changed after the first pass ends the response early.
      try {
        for (const step of plan) yield (await readOpened(chunks[step.index]!)).subarray(step.from, step.to);
      } finally {
        dataKey.fill(0);
      }
    }
    const mode = str(obj(s.body.review).mode);
    reply
      .code(range ? 206 : 200)
      .header('content-type', recordingMime(str(r.rows[0]!.body.mimeType), mode === 'audio' ? 'audio' : 'video'))
      .header('accept-ranges', 'bytes')
      .header('content-length', String(want.end - want.start + 1))
      .header('cache-control', 'no-store');
    if (range) reply.header('content-range', `bytes ${want.start}-${want.end}/${total}`);
    return reply.send(Readable.from(body()));
  });

  /** The session's data key for its media, from the chunk item's HR wrap; refused with a clear reason. */
  const mediaKeyOrRefuse = (sessionId: string, body: Record<string, unknown>): Buffer => {
    const sessionKey = body.sessionKey;
    try {
      return mediaSessionKey(sessionKey, sessionId, deps.hrKey ?? null);
    } catch (err) {
      if (err instanceof MediaUnopenableError) {
        if (err.reason === 'bad_hr_wrap') throw new HubError(422, 'RECORDING_INVALID', `${err.message}; nothing is played`);
        throw new HubError(409, err.reason === 'no_hr_key' ? 'HR_KEY_MISSING' : 'HR_KEY_UNAVAILABLE', `${err.message}; nothing is played`);
      }
      throw err;
    }
  };

  app.post('/v1/console/review/:reviewId/decisions', async (req, reply) => {
    const p = parse(idParam, req.params);
    const raw = obj(req.body);
    if (typeof raw.reasonCode !== 'string' || raw.reasonCode.trim() === '') throw new HubError(400, 'REASON_REQUIRED', 'a review decision needs a reason code');
    const b = parse(decisionBody, req.body);
    const who = auth(req);
    const s = await loadSubject(p.reviewId);
    const comps = (Array.isArray(obj(s.body.result).competencies) ? (obj(s.body.result).competencies as unknown[]) : []).map(obj);
    const levelOf = new Map(comps.map((c) => [str(c.competencyId) ?? '', num(c.level)]));
    const seen = new Set<string>();
    for (const l of b.levels) {
      if (!levelOf.has(l.competencyId)) throw new HubError(400, 'UNKNOWN_COMPETENCY', `this answer was not scored on ${l.competencyId}`);
      if (seen.has(l.competencyId)) throw new HubError(400, 'DUPLICATE_COMPETENCY', `${l.competencyId} given twice`);
      seen.add(l.competencyId);
    }
    if (b.blind) {
      // A blind decision from someone who opened this item with the name showing is refused.
      // So is one from someone who played the recording or read the words with the name unmasked.
      const base = `/v1/console/review/${p.reviewId}`;
      const peeked = await db.pool.query(
        `SELECT 1 FROM audit_log WHERE actor=$1 AND (
           (action='GET /v1/console/review/:reviewId' AND (target = $2 OR target LIKE $3) AND target <> $4)
           OR (action='GET /v1/console/review/:reviewId/answer' AND (target = $5 OR target LIKE $6) AND target <> $7)
           OR (action='GET /v1/console/review/:reviewId/recording/:segment' AND target LIKE $8)) LIMIT 1`,
        [who.actor, base, `${base}?%`, `${base}?blind=1`, `${base}/answer`, `${base}/answer?%`, `${base}/answer?blind=1`, `${base}/recording/%`],
      );
      if ((peeked.rowCount ?? 0) > 0) throw new HubError(409, 'BLIND_BROKEN', 'you opened this answer with the candidate shown: record it as a non-blind review');
    }
    const sessionId = str(s.body.sessionId) ?? str(s.body.session_id);
    const out = await db.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [p.reviewId]);
      const prior = await c.query<{ action: string; actor: string }>("SELECT action, actor FROM console_journal WHERE review_id=$1 AND action IN ('review_decision','second_review_requested') ORDER BY id", [p.reviewId]);
      const decisions = prior.rows.filter((r) => r.action === 'review_decision');
      const needed = 1 + prior.rows.filter((r) => r.action === 'second_review_requested').length;
      if (decisions.length >= needed) throw new HubError(409, 'REVIEW_NOT_OPEN', 'this item has all the reviews it asked for; request a second review first');
      if (decisions.some((d) => d.actor === who.actor)) throw new HubError(409, 'SAME_REVIEWER', 'a second review must come from another reviewer');
      const round = decisions.length + 1;
      const levels = b.levels.map((l) => ({ competencyId: l.competencyId, from: levelOf.get(l.competencyId) ?? null, to: l.level }));
      const written = await journal(c, who, { action: 'review_decision', kioskId: s.kiosk_id, sessionId, reviewId: p.reviewId, reason: b.reasonCode, detail: { round, blind: b.blind, levels, note: b.note ?? null } });
      // The override-rate report counts console decisions too: the session's facts (and their
      // summaries) are recomputed in the same transaction as the decision.
      if (sessionId) await refreshSessionFacts(c, s.kiosk_id, [sessionId]);
      return { round, ...written };
    });
    return reply.code(201).send({ reviewId: p.reviewId, round: out.round, journalId: out.id, at: out.at });
  });

  app.post('/v1/console/review/:reviewId/second-review', async (req, reply) => {
    const p = parse(idParam, req.params);
    const b = parse(z.object({ reason: z.string().trim().min(1).max(500) }).strict(), req.body);
    const who = auth(req);
    const s = await loadSubject(p.reviewId);
    const out = await db.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [p.reviewId]);
      const prior = await c.query<{ action: string }>("SELECT action FROM console_journal WHERE review_id=$1 AND action IN ('review_decision','second_review_requested')", [p.reviewId]);
      const decisions = prior.rows.filter((r) => r.action === 'review_decision').length;
      const needed = 1 + prior.rows.filter((r) => r.action === 'second_review_requested').length;
      if (decisions < needed) throw new HubError(409, 'REVIEW_STILL_OPEN', 'the review asked for is not recorded yet');
      if (needed >= 3) throw new HubError(409, 'TOO_MANY_REVIEWS', 'at most two second reviews per answer');
      return journal(c, who, { action: 'second_review_requested', kioskId: s.kiosk_id, sessionId: str(s.body.sessionId) ?? str(s.body.session_id), reviewId: p.reviewId, reason: b.reason, detail: { round: needed + 1 } });
    });
    return reply.code(201).send({ reviewId: p.reviewId, journalId: out.id, at: out.at });
  });

  app.get('/v1/console/journal', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }), req.query);
    const r = await db.pool.query('SELECT id, at, actor, role, action, kiosk_id, session_id, review_id, reason, detail FROM console_journal ORDER BY id DESC LIMIT $1', [q.limit]);
    return { entries: r.rows.map((e: Record<string, unknown>) => ({ ...e, id: Number(e.id) })) };
  });
}
