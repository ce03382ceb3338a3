/**
 * Admission: check-in with an invite code, consent to the versioned notice, the device check and
 * the full pre-check, a request for another date, and the start of the interview (run as an
 * operation sequence: the session starts, then the first question opens with its clock).
 */
import { randomUUID } from 'node:crypto';
import type { RescheduleReason, RescheduleReceipt } from '../../../preload/contract/precheck';
import type { CurrentView, SessionView } from '../../../preload/contract/session';
import { err, ok, type Result } from '../../common/result';
import { recordInviteAccommodations } from './accommodations';
import { identityBlocksStart } from '../identity/identity-check';
import { insertSessionVariants } from '../../db/queries/packs';
import { getSession, getSessionByInvite, insertIncident, insertSession, updateSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { devicesNeeded, totalQuestionsOf, type LoadedPack } from '../packs/pack-provider';
import { untailored, type Tailoring } from '../packs/variants';
import type { PrecheckRunSummary } from '../precheck/precheck-service';
import type { AnswerClock } from './answer-clock';
import { newIncidentId, type SessionContext } from './context';
import type { Interruptions } from './interruption';
import { runSequence } from './operation-sequence';
import { canTransition, isTerminal } from './state-machine';
import type { SessionViews } from './views';

export class Admission {
  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
    private readonly interruptions: Interruptions,
  ) {}

  /**
   * `tailoring` (from CheckInPreparer) picks each question's résumé variant; without it every
   * question uses its own prompt. The choice and the tags behind it are journaled for HR.
   */
  checkIn(inviteCode: string, locale: 'zh-CN' | 'en', tailoring?: Tailoring): Result<SessionView> {
    const { db, journal } = this.ctx.deps;
    const now = this.ctx.now();
    const existing = getSessionByInvite(db, inviteCode);
    if (existing) {
      const fresh = this.interruptions.expireIfOverdue(existing, now);
      if (isTerminal(fresh.state)) {
        return err('INVITE_USED', 'this invite code has already been used for an interview that has ended');
      }
      // Re-entering the code of an interrupted or left interview keeps the language the candidate
      // chose: the welcome screen's default must not turn their "welcome back" into another language.
      const returning = fresh.state === 'interrupted' || fresh.state === 'exited';
      if (fresh.locale !== locale && !returning) updateSession(db, fresh.id, { locale, updated_at: now });
      return ok(this.views.sessionView(getSession(db, fresh.id)!));
    }
    const invite = this.ctx.deps.invites.lookup(inviteCode);
    if (!invite) return err('INVITE_NOT_FOUND', 'no interview is scheduled for this invite code');
    if ((invite.notBefore !== undefined && now < invite.notBefore) || (invite.notAfter !== undefined && now > invite.notAfter)) {
      return err('INVITE_NOT_FOUND', 'this invite code is not valid at this time');
    }
    const pack = this.ctx.deps.packs.get(invite.packId);
    if (!pack) return err('PACK_NOT_FOUND', `the interview pack ${invite.packId} is not installed on this kiosk`);
    const id = randomUUID();
    return this.ctx.guard(id, () => {
      transact(db, () => {
        insertSession(db, {
          id,
          invite_code: inviteCode,
          candidate_ref: invite.candidateRef,
          pack_id: pack.pack.id,
          pack_hash: pack.hash,
          locale,
          state: 'checked_in',
          question_index: 0,
          resume_count: 0,
          interrupted_at: null,
          interruption: null,
          exit_reason: null,
          failed_codes: 0,
          created_at: now,
          updated_at: now,
        });
        recordInviteAccommodations(db, journal, id, invite.accommodations, now);
        const t = tailoring ?? untailored(pack);
        insertSessionVariants(db, t.choices.map((c) => ({ session_id: id, question_index: c.questionIndex, question_id: c.questionId, variant_id: c.variantId, matched_tags: JSON.stringify(c.matchedTags) })));
        journal.append(id, 'checked_in', {
          packId: pack.pack.id,
          packVersion: pack.pack.version,
          packHash: pack.hash,
          locale,
          tailoring: {
            resume: t.source,
            resumeSha256: t.resumeSha256,
            problem: t.problem ?? null,
            tags: t.tags.map((h) => ({ tag: h.tagId, count: h.count, matched: h.matched })),
            variants: t.choices.map((c) => ({ questionIndex: c.questionIndex, questionId: c.questionId, variantId: c.variantId, chosenBy: c.matchedTags })),
          },
        }, now);
      });
      return ok(this.views.sessionView(getSession(db, id)!));
    });
  }

  giveConsent(sessionId: string, accepted: boolean, consentVersion: string, declineReason?: string): Result<SessionView> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      if (consentVersion !== pack.pack.policy.consentVersion) {
        return err('INVALID_INPUT', `consent text version ${consentVersion} is not the one this interview requires`);
      }
      if (!accepted) {
        if (!canTransition(s.state, 'exit')) return this.ctx.illegal(s, 'exit');
        transact(this.ctx.db, () => {
          this.ctx.deps.journal.append(s.id, 'consent_declined', { consentVersion, reason: declineReason ?? null }, now);
          this.ctx.transition(s, 'exit', now, { exit_reason: 'consent_declined', interrupted_at: now, interruption: 'exit' });
        });
        return err('CONSENT_DECLINED', 'consent was declined; the interview will not start');
      }
      if (!canTransition(s.state, 'consent')) return this.ctx.illegal(s, 'consent');
      transact(this.ctx.db, () => {
        this.ctx.deps.journal.append(s.id, 'consent_given', { consentVersion }, now);
        this.ctx.transition(s, 'consent', now);
      });
      return ok(this.views.sessionView(getSession(this.ctx.db, s.id)!));
    });
  }

  /** Records the renderer's device check; the interview's answer modes decide what is required. */
  reportPrecheck(sessionId: string, camera: string, microphone: string): Result<SessionView> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'precheck')) return this.ctx.illegal(s, 'precheck');
      const { camera: needsCamera, microphone: needsMic } = devicesNeeded(pack);
      const blocking: string[] = [];
      if (needsCamera && camera !== 'ok') blocking.push('camera');
      if (needsMic && microphone !== 'ok') blocking.push('microphone');
      transact(this.ctx.db, () => {
        this.ctx.deps.journal.append(s.id, 'precheck_recorded', { camera, microphone, blocking }, now);
        if (blocking.length === 0) this.ctx.transition(s, 'precheck', now);
      });
      if (blocking.length > 0) return err('PRECHECK_FAILED', `required devices are not ready: ${blocking.join(', ')}`);
      return ok(this.views.sessionView(getSession(this.ctx.db, s.id)!));
    });
  }

  /** The pack whose policy a session's pre-check applies, if the session may run it now. */
  precheckPack(sessionId: string): Result<LoadedPack> {
    return this.ctx.withSession(sessionId, (s, pack) => (canTransition(s.state, 'precheck') ? ok(pack) : this.ctx.illegal(s, 'precheck')));
  }

  /**
   * Journals a full pre-check run (every check's status, value and fix); unless a blocking check
   * failed, the session becomes `prechecked`. A failed run leaves it `consented` for a retry.
   */
  recordPrecheckRun(sessionId: string, run: PrecheckRunSummary): Result<SessionView> {
    return this.ctx.withSession(sessionId, (s, _pack, now) => {
      if (!canTransition(s.state, 'precheck')) return this.ctx.illegal(s, 'precheck');
      transact(this.ctx.db, () => {
        this.ctx.deps.journal.append(s.id, 'precheck_recorded', { ...run, checks: run.checks.map((c) => ({ ...c })) }, now);
        if (run.overall !== 'NOT_READY') this.ctx.transition(s, 'precheck', now);
      });
      return ok(this.views.sessionView(getSession(this.ctx.db, s.id)!));
    });
  }

  /** The candidate asks HR for another date instead of starting now; journaled and filed for HR. */
  requestReschedule(sessionId: string, reason: RescheduleReason, text: string | undefined, runId: string | undefined): Result<RescheduleReceipt> {
    return this.ctx.withSession(sessionId, (s, _pack, now) => {
      if (s.state !== 'checked_in' && s.state !== 'consented' && s.state !== 'prechecked') {
        return err('ILLEGAL_TRANSITION', `a reschedule can be requested only before the interview starts (the session is ${s.state})`);
      }
      const requestId = newIncidentId(now).replace(/^INC-/, 'RSC-');
      transact(this.ctx.db, () => {
        const entry = this.ctx.deps.journal.append(s.id, 'reschedule_requested', { requestId, reason, text: text ?? null, runId: runId ?? null, state: s.state }, now);
        insertIncident(this.ctx.db, {
          id: requestId,
          session_id: s.id,
          kind: 'reschedule',
          at: now,
          body: JSON.stringify({ reason, text: text ?? null, runId: runId ?? null, journalSeq: entry.seq }),
        });
      });
      return ok({ requestId, sessionId: s.id, at: now, reason });
    });
  }

  /**
   * Starts the interview: the session becomes `in_progress` (journaled) and the first question
   * opens with its clock. Both run in one transaction, and the in-memory clock is dropped again
   * if that transaction fails, so no half-started session remains.
   */
  start(sessionId: string): Result<CurrentView> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      if (s.state === 'in_progress') return ok(this.views.currentView(s, pack, now));
      if (!canTransition(s.state, 'start')) return this.ctx.illegal(s, 'start');
      // The pack's identity check (issue #15) comes first: confirmed by a proctor, or skipped where optional.
      if (identityBlocksStart(this.ctx.db, s.id, pack.pack.policy)) return err('IDENTITY_REQUIRED', 'this interview starts after the identity check at check-in');
      const started = runSequence([
        {
          name: 'start-session-and-open-first-question',
          perform: () => {
            try {
              transact(this.ctx.db, () => {
                this.ctx.deps.journal.append(s.id, 'interview_started', { questionCount: totalQuestionsOf(pack) }, now);
                this.ctx.transition(s, 'start', now);
                this.clock.openQuestion(s.id, pack, 0, now);
              });
            } catch (e) {
              // The transaction rolled back; the clock it armed must not tick on its own.
              this.clock.delete(s.id);
              throw e;
            }
            return ok(undefined);
          },
          revert: () => this.clock.delete(s.id),
        },
      ]);
      if (!started.ok) return started;
      return ok(this.views.currentView(getSession(this.ctx.db, s.id)!, pack, now));
    });
  }
}
