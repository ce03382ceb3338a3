/**
 * Per-session analytics facts, maintained at ingest. `deriveFacts` is pure: from what one session
 * synced (its latest session snapshot, the journal events analytics reads, its score and review
 * records) it computes the session row, one row per answered question (latest attempt), one per
 * competency level (after review overrides) and one per pre-check check. `refreshSessionFacts`
 * reads those inputs for the sessions a batch touched and replaces their rows inside the ingest
 * transaction, so reports never parse journal payloads.
 *
 * Nothing seen or heard enters these facts: only states, reasons, times, the scorer's levels and
 * the reviewers' changes.
 */
import type pg from 'pg';
import { factPointsOfSessions, refreshSummaryCells } from './summaries';

/** Journal event types analytics reads (everything else is ignored). */
export const FACT_EVENT_TYPES = ['checked_in', 'interview_started', 'interview_completed', 'exit_confirmed', 'resumed', 'precheck_recorded'] as const;

export interface FactEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly payload: Record<string, unknown>;
}

export interface FactInput {
  readonly kioskId: string;
  readonly sessionId: string;
  readonly session: Record<string, unknown> | null;
  readonly events: readonly FactEvent[];
  readonly scores: ReadonlyArray<Record<string, unknown>>;
  readonly reviews: ReadonlyArray<Record<string, unknown>>;
  readonly invite: { readonly job: string; readonly centre: string } | null;
  readonly kioskName: string | null;
  /** Fallback start time (ms) when nothing synced carries one. */
  readonly receivedAt: number;
}

export interface SessionFact {
  readonly inviteCode: string | null;
  readonly job: string;
  readonly centre: string;
  readonly startedAt: number;
  readonly state: string;
  readonly completed: boolean;
  readonly exited: boolean;
  readonly exitReason: string | null;
  readonly exitQuestion: number | null;
  readonly exitAt: number | null;
  readonly exitElapsedMs: number | null;
  readonly returned: boolean;
  readonly resumes: number;
  readonly answers: number;
  readonly scoreMean: number | null;
  readonly selected: boolean | null;
}

export interface AnswerFact {
  readonly questionIndex: number;
  readonly questionId: string;
  readonly total: number;
  readonly band: string;
  readonly status: string;
  readonly forReview: boolean;
  readonly overrides: number;
}

export interface CompetencyFact {
  readonly questionIndex: number;
  readonly competencyId: string;
  readonly level: number;
  readonly overridden: boolean;
}

export interface PrecheckFact {
  readonly seq: number;
  readonly checkId: string;
  readonly device: string;
  readonly at: number;
  readonly status: string;
  readonly cause: string | null;
}

export interface Facts {
  readonly session: SessionFact;
  readonly answers: readonly AnswerFact[];
  readonly competencies: readonly CompetencyFact[];
  readonly prechecks: readonly PrecheckFact[];
}

const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function deriveFacts(input: FactInput): Facts {
  const s = input.session ?? {};
  const events = [...input.events].sort((a, b) => a.seq - b.seq);
  const first = (type: string) => events.find((e) => e.type === type);
  const started = first('interview_started') ?? first('checked_in') ?? events[0];
  const createdAt = int(s.createdAt);
  const startedAt = started?.at ?? createdAt ?? input.receivedAt;
  const exit = first('exit_confirmed');
  const state = str(s.state, 50) ?? (first('interview_completed') ? 'completed' : exit ? 'exited' : 'in_progress');
  const completed = state === 'completed' || first('interview_completed') !== undefined;
  const resumedEvents = events.filter((e) => e.type === 'resumed');
  const returned = exit !== undefined && resumedEvents.some((e) => e.seq > exit.seq);

  // Latest attempt per question; reviews (append-only) applied in order, the last one per competency wins.
  const latest = new Map<number, Record<string, unknown>>();
  for (const sc of input.scores) {
    const qi = int(sc.question_index);
    const attempt = int(sc.attempt) ?? 0;
    if (qi === null || qi < 0) continue;
    const prev = latest.get(qi);
    if (!prev || (int(prev.attempt) ?? 0) <= attempt) latest.set(qi, sc);
  }
  const reviews = [...input.reviews].sort((a, b) => (int(a.at) ?? 0) - (int(b.at) ?? 0) || (int(a.id) ?? 0) - (int(b.id) ?? 0));
  const answers: AnswerFact[] = [];
  const competencies: CompetencyFact[] = [];
  for (const [qi, sc] of [...latest.entries()].sort((a, b) => a[0] - b[0])) {
    const attempt = int(sc.attempt) ?? 0;
    const mine = reviews.filter((r) => int(r.question_index) === qi && (int(r.attempt) ?? 0) === attempt);
    const status = str(sc.status, 40) ?? 'scored';
    const band = str(sc.band, 40) ?? 'below';
    const total = num(sc.total);
    if (total === null) continue;
    answers.push({ questionIndex: qi, questionId: str(sc.question_id) ?? `q${qi}`, total, band, status, forReview: band === 'borderline' || status === 'needs_human_scoring', overrides: mine.length });
    const result = (typeof sc.result === 'object' && sc.result !== null ? sc.result : {}) as Record<string, unknown>;
    const levels = new Map<string, { level: number; overridden: boolean }>();
    for (const c of Array.isArray(result.competencies) ? (result.competencies as unknown[]).slice(0, 50) : []) {
      const cc = (c ?? {}) as Record<string, unknown>;
      const id = str(cc.competencyId, 100);
      const level = int(cc.level);
      if (id && level !== null) levels.set(id, { level, overridden: false });
    }
    for (const r of mine) {
      const id = str(r.competency_id, 100);
      const level = int(r.new_level);
      if (id && level !== null) levels.set(id, { level, overridden: true });
    }
    for (const [competencyId, v] of levels) competencies.push({ questionIndex: qi, competencyId, level: v.level, overridden: v.overridden });
  }
  const scored = answers.filter((a) => a.status === 'scored');
  const scoreMean = scored.length ? scored.reduce((t, a) => t + a.total, 0) / scored.length : null;

  const prechecks: PrecheckFact[] = [];
  for (const e of events) {
    if (e.type !== 'precheck_recorded' || !Array.isArray(e.payload.checks)) continue;
    const device = str(e.payload.mode, 20) ?? 'kiosk';
    for (const c of (e.payload.checks as unknown[]).slice(0, 100)) {
      const cc = (c ?? {}) as Record<string, unknown>;
      const id = str(cc.id, 60);
      const status = str(cc.status, 20);
      if (!id || !status) continue;
      prechecks.push({ seq: e.seq, checkId: id, device, at: e.at, status, cause: str(cc.remediationKey, 80) });
    }
  }

  return {
    session: {
      inviteCode: str(s.inviteCode),
      job: input.invite?.job ?? str(s.packId) ?? 'unknown',
      centre: input.invite?.centre ?? input.kioskName ?? 'unknown',
      startedAt,
      state,
      completed,
      exited: exit !== undefined || state === 'exited',
      exitReason: exit ? (str(exit.payload.reason, 50) ?? 'unknown') : state === 'exited' ? (str(s.exitReason, 50) ?? 'unknown') : null,
      exitQuestion: exit ? int(exit.payload.questionIndex) : null,
      exitAt: exit?.at ?? null,
      exitElapsedMs: exit && started && exit.at >= started.at ? exit.at - started.at : null,
      returned,
      resumes: Math.max(resumedEvents.length, int(s.resumeCount) ?? 0),
      answers: answers.length,
      scoreMean,
      selected: answers.length === 0 ? null : completed && answers.every((a) => a.band !== 'below'),
    },
    answers,
    competencies,
    prechecks,
  };
}

const parseJson = (t: unknown): Record<string, unknown> => {
  if (typeof t === 'object' && t !== null) return t as Record<string, unknown>;
  if (typeof t !== 'string') return {};
  try {
    const v = JSON.parse(t) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** Ids of console decisions as reviews: above any kiosk override id, so the two never collide. */
export const CONSOLE_REVIEW_ID_OFFSET = 1_000_000_000_000;

/**
 * Review decisions taken in the hub's console (console_journal `review_decision`, #14) on this
 * session's scored answers, as override records in the kiosk's shape: one per competency whose
 * level the reviewer changed, applied after the kiosk's own overrides in time order. Without them
 * the override-rate report counted only reviews done on the kiosk.
 */
async function consoleDecisionReviews(c: pg.PoolClient, kioskId: string, sessionId: string): Promise<Array<Record<string, unknown>>> {
  const rows = await c.query<{ id: string; at: Date; detail: Record<string, unknown>; score: Record<string, unknown> }>(
    `SELECT cj.id, cj.at, cj.detail, i.body AS score FROM console_journal cj
     JOIN review_subjects rs ON rs.review_id = cj.review_id
     JOIN items i ON i.kiosk_id = rs.kiosk_id AND i.idem_key = rs.idem_key AND i.kind = 'score'
     WHERE cj.action = 'review_decision' AND cj.kiosk_id = $1 AND cj.session_id = $2 ORDER BY cj.id`,
    [kioskId, sessionId],
  );
  const out: Array<Record<string, unknown>> = [];
  for (const r of rows.rows) {
    const qi = int(r.score.question_index);
    if (qi === null) continue;
    const levels = Array.isArray(r.detail.levels) ? (r.detail.levels as unknown[]).slice(0, 50) : [];
    for (const l of levels) {
      const lv = (l ?? {}) as Record<string, unknown>;
      const to = int(lv.to);
      const competencyId = str(lv.competencyId, 100);
      if (!competencyId || to === null || to === int(lv.from)) continue;
      out.push({ id: CONSOLE_REVIEW_ID_OFFSET + Number(r.id), question_index: qi, attempt: int(r.score.attempt) ?? 0, competency_id: competencyId, new_level: to, at: new Date(r.at).getTime(), source: 'console' });
    }
  }
  return out;
}

/** Recomputes the facts of the given sessions of one kiosk (call inside the ingest transaction). */
export async function refreshSessionFacts(c: pg.PoolClient, kioskId: string, sessionIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(sessionIds)];
  if (ids.length === 0) return;
  // The summary cells of the rows replaced and of the rows written (a session may change job or day).
  const before = await factPointsOfSessions(c, kioskId, ids);
  for (const sessionId of ids) {
    // One client inside a transaction: its queries run one after another.
    const sess = await c.query<{ body: Record<string, unknown> }>('SELECT body FROM hub_sessions WHERE kiosk_id=$1 AND session_id=$2', [kioskId, sessionId]);
    const evs = await c.query<{ seq: number; type: string; at: string; payload: string }>(
      'SELECT seq, type, at, payload FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 AND type = ANY($3) ORDER BY seq',
      [kioskId, sessionId, FACT_EVENT_TYPES as unknown as string[]],
    );
    const its = await c.query<{ kind: string; body: Record<string, unknown> }>("SELECT kind, body FROM items WHERE kiosk_id=$1 AND session_id=$2 AND kind IN ('score','review')", [kioskId, sessionId]);
    const consoleReviews = await consoleDecisionReviews(c, kioskId, sessionId);
    const kiosk = await c.query<{ name: string }>('SELECT name FROM kiosks WHERE id=$1', [kioskId]);
    const session = sess.rows[0]?.body ?? null;
    const events = evs.rows.map((e) => ({ seq: e.seq, type: e.type, at: Number(e.at), payload: parseJson(e.payload) }));
    if (!session && events.length === 0 && its.rows.length === 0) continue;
    const code = session && typeof session.inviteCode === 'string' ? session.inviteCode : null;
    const inv = code ? await c.query<{ job_id: string; centre: string }>('SELECT job_id, centre FROM invites WHERE code=$1', [code]) : null;
    const inviteRow = inv?.rows[0];
    const f = deriveFacts({
      kioskId,
      sessionId,
      session,
      events,
      scores: its.rows.filter((r) => r.kind === 'score').map((r) => r.body),
      reviews: [...its.rows.filter((r) => r.kind === 'review').map((r) => r.body), ...consoleReviews],
      invite: inviteRow ? { job: inviteRow.job_id, centre: inviteRow.centre } : null,
      kioskName: kiosk.rows[0]?.name ?? null,
      receivedAt: Date.now(),
    });
    await writeFacts(c, kioskId, sessionId, f);
  }
  await refreshSummaryCells(c, [...before, ...(await factPointsOfSessions(c, kioskId, ids))]);
}

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface HrColumns {
  readonly final_round: boolean | null;
  readonly offer: boolean | null;
  readonly probation: boolean | null;
  readonly demo: string | null;
}

async function hrColumnsOf(c: pg.PoolClient, code: string | null): Promise<HrColumns> {
  if (!code) return { final_round: null, offer: null, probation: null, demo: null };
  const o = await c.query<{ final_round: boolean | null; offer: boolean | null; probation: boolean | null }>('SELECT final_round, offer, probation FROM hr_outcomes WHERE invite_code=$1', [code]);
  const d = await c.query<{ demo: string }>('SELECT categories::text AS demo FROM hr_demographics WHERE invite_code=$1', [code]);
  return { final_round: o.rows[0]?.final_round ?? null, offer: o.rows[0]?.offer ?? null, probation: o.rows[0]?.probation ?? null, demo: d.rows[0]?.demo ?? null };
}

/**
 * Copies HR's outcomes and demographic categories onto the fact rows of the given invite codes
 * (after an import), so reports read one table. Demographics stay aggregate-only: no report shows
 * a row per person.
 */
export async function syncHrColumns(c: pg.PoolClient | pg.Pool, codes: readonly string[]): Promise<void> {
  for (const t of ['analytics_sessions', 'analytics_answers', 'analytics_competencies']) {
    await c.query(`UPDATE ${t} t SET final_round = o.final_round, offer = o.offer, probation = o.probation FROM hr_outcomes o WHERE o.invite_code = t.invite_code AND t.invite_code = ANY($1::text[])`, [codes]);
  }
  for (const t of ['analytics_sessions', 'analytics_answers']) {
    await c.query(`UPDATE ${t} t SET demo = d.categories::text FROM hr_demographics d WHERE d.invite_code = t.invite_code AND t.invite_code = ANY($1::text[])`, [codes]);
  }
  // The summaries of the changed rows, in the import's transaction.
  const points = await c.query<{ job: string; at: Date }>('SELECT DISTINCT job, started_at AS at FROM analytics_sessions WHERE invite_code = ANY($1::text[])', [codes]);
  await refreshSummaryCells(c, points.rows);
}

export async function writeFacts(c: pg.PoolClient, kioskId: string, sessionId: string, f: Facts): Promise<void> {
  for (const t of ['analytics_sessions', 'analytics_answers', 'analytics_competencies', 'analytics_prechecks']) {
    await c.query(`DELETE FROM ${t} WHERE kiosk_id=$1 AND session_id=$2`, [kioskId, sessionId]);
  }
  const s = f.session;
  const hr = await hrColumnsOf(c, s.inviteCode);
  await c.query(
    `INSERT INTO analytics_sessions (kiosk_id, session_id, invite_code, job, centre, started_at, state, completed, exited, exit_reason, exit_question, exit_at, exit_elapsed_ms, returned, resumes, answers, score_mean, selected, final_round, offer, probation, demo)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
    [kioskId, sessionId, s.inviteCode, s.job, s.centre, ts(s.startedAt), s.state, s.completed, s.exited, s.exitReason, s.exitQuestion, ts(s.exitAt), s.exitElapsedMs, s.returned, s.resumes, s.answers, s.scoreMean, s.selected, hr.final_round, hr.offer, hr.probation, hr.demo],
  );
  const qid = new Map<number, AnswerFact>();
  for (const a of f.answers) {
    qid.set(a.questionIndex, a);
    await c.query(
      `INSERT INTO analytics_answers (kiosk_id, session_id, question_index, question_id, invite_code, job, centre, started_at, total, band, status, for_review, overrides, final_round, offer, probation, demo)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [kioskId, sessionId, a.questionIndex, a.questionId, s.inviteCode, s.job, s.centre, ts(s.startedAt), a.total, a.band, a.status, a.forReview, a.overrides, hr.final_round, hr.offer, hr.probation, hr.demo],
    );
  }
  for (const k of f.competencies) {
    const a = qid.get(k.questionIndex);
    await c.query(
      `INSERT INTO analytics_competencies (kiosk_id, session_id, question_index, question_id, competency_id, invite_code, job, centre, started_at, level, overridden, for_review, final_round, offer, probation)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
      [kioskId, sessionId, k.questionIndex, a?.questionId ?? `q${k.questionIndex}`, k.competencyId, s.inviteCode, s.job, s.centre, ts(s.startedAt), k.level, k.overridden, a?.forReview ?? false, hr.final_round, hr.offer, hr.probation],
    );
  }
  for (const p of f.prechecks) {
    await c.query(
      `INSERT INTO analytics_prechecks (kiosk_id, session_id, seq, check_id, job, centre, device, at, status, cause) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING`,
      [kioskId, sessionId, p.seq, p.checkId, s.job, s.centre, p.device, ts(p.at), p.status, p.cause],
    );
  }
}
