/**
 * Voice activity as HR sees it (issue #15, audio half): the pack's audio policy for the page, and
 * the journal record of what the page's detector derived — the "we can't hear you" hint shown and
 * cleared, a speech summary per spoken answer (one per recorded stretch when a recording was
 * interrupted and resumed), and background-speech flags where the pack asks.
 * Information and flags for a human: nothing here is read by the scorer (a fairness test checks
 * that no scoring module reaches the audio code).
 *
 * A hostile page can send anything: each report is checked against the session (its state, its
 * open question, the question's answer mode, the pack's policy), bounded per answer, and nothing
 * is written when a check fails.
 */
import type { AudioPolicyView, SpeechReportRequest } from '../../../preload/contract/audio';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { getSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';
import { audioPolicyOf } from '../packs/pack-schema';

/** Hint events journaled per answer at most (a page reporting in a loop cannot flood the journal). */
export const MAX_HINT_EVENTS_PER_ANSWER = 40;
/**
 * Summaries per answer at most: a recording interrupted (device lost, reload, crash) and resumed
 * in the same attempt is summarised once per stretch; each is journaled with its `part`.
 */
export const MAX_SUMMARIES_PER_ANSWER = 8;
/** Answers per session whose report counters are kept (beyond it, the oldest are forgotten). */
const MAX_TRACKED_ANSWERS = 2000;

export interface SpeechReporterDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
}

export class SpeechReporter {
  /** Per session and answer: hint events journaled, whether a summary was, and whether the hint shows. */
  private readonly seen = new Map<string, { hints: number; summaries: number; showing: boolean }>();

  constructor(private readonly deps: SpeechReporterDeps) {}

  policy(sessionId: string): Result<AudioPolicyView> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not available`);
    return ok({ ...audioPolicyOf(p.pack) });
  }

  report(r: SpeechReportRequest): Result<{ recorded: boolean }> {
    const s = getSession(this.deps.db, r.sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p || p.hash !== s.pack_hash) return err('PACK_NOT_FOUND', 'the interview pack is not available');
    const q = p.questions[r.questionIndex];
    if (!q) return err('QUESTION_MISMATCH', `question ${r.questionIndex} is not in the pack`);
    if (q.question.mode === 'text') return err('ANSWER_MODE_MISMATCH', 'voice activity is for spoken answers only');
    const policy = audioPolicyOf(p.pack);
    if (!policy.vad) return err('ILLEGAL_TRANSITION', 'this interview pack has voice activity turned off');
    const key = `${r.sessionId}:${r.questionIndex}:${r.attempt}`;
    const seen = this.seen.get(key) ?? { hints: 0, summaries: 0, showing: false };

    if (r.kind === 'speech_summary') {
      // The summary may arrive just after the answer was submitted: the open question or any before it.
      if (!['in_progress', 'interrupted', 'completed'].includes(s.state)) return err('ILLEGAL_TRANSITION', `the interview is ${s.state}`);
      if (r.questionIndex > s.question_index) return err('QUESTION_MISMATCH', `question ${r.questionIndex} has not been reached`);
      if (r.backgroundSpeech.length > 0 && policy.backgroundSpeech !== 'flag') return err('ILLEGAL_TRANSITION', 'this interview pack does not ask for background-speech flags');
      if (seen.summaries >= MAX_SUMMARIES_PER_ANSWER) return ok({ recorded: false });
      const at = this.deps.clock.now();
      const base = { questionIndex: r.questionIndex, attempt: r.attempt, engine: r.engine };
      transact(this.deps.db, () => {
        this.deps.journal.append(
          r.sessionId,
          'speech_summary',
          {
            ...base,
            part: seen.summaries,
            durationMs: r.durationMs,
            speakingMs: r.speakingMs,
            segments: r.segments,
            leadingSilenceMs: r.leadingSilenceMs,
            longestPauseMs: r.longestPauseMs,
            longPauses: r.longPauses,
            noiseFloorDbfs: r.noiseFloorDbfs,
            backgroundSpeechFlags: r.backgroundSpeech.length,
          },
          at,
        );
        for (const f of r.backgroundSpeech) {
          this.deps.journal.append(
            r.sessionId,
            'background_speech_flagged',
            { ...base, startMs: f.startMs, endMs: f.endMs, durationMs: f.endMs - f.startMs, levelDbfs: f.levelDbfs, dropDb: f.dropDb, confidence: f.confidence, review: 'human' },
            at,
          );
        }
      });
      this.remember(key, { ...seen, summaries: seen.summaries + 1 });
      return ok({ recorded: true });
    }

    // The hint: only on the answer being recorded now.
    if (s.state !== 'in_progress') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}, not in progress`);
    if (r.questionIndex !== s.question_index) return err('QUESTION_MISMATCH', `question ${r.questionIndex} is not the open question`);
    const showing = r.kind === 'cant_hear_shown';
    if (seen.showing === showing || seen.hints >= MAX_HINT_EVENTS_PER_ANSWER) return ok({ recorded: false });
    transact(this.deps.db, () =>
      this.deps.journal.append(r.sessionId, r.kind, { questionIndex: r.questionIndex, attempt: r.attempt, atMs: r.atMs, engine: r.engine, seconds: policy.cantHearSeconds }, this.deps.clock.now()),
    );
    this.remember(key, { ...seen, hints: seen.hints + 1, showing });
    return ok({ recorded: true });
  }

  /** Whether a "can't hear" hint of the session is shown and not cleared (in this process). */
  isShowing(sessionId: string): boolean {
    for (const [key, v] of this.seen) if (v.showing && key.startsWith(`${sessionId}:`)) return true;
    return false;
  }

  /** A new page shows the session (restart, resume, takeover): the old page's hint state is dropped. */
  forget(sessionId: string): void {
    for (const key of [...this.seen.keys()]) if (key.startsWith(`${sessionId}:`)) this.seen.delete(key);
  }

  private remember(key: string, v: { hints: number; summaries: number; showing: boolean }): void {
    this.seen.delete(key);
    this.seen.set(key, v);
    if (this.seen.size > MAX_TRACKED_ANSWERS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
