/**
 * What check-in needs before the session service can create a session: the invite's pack
 * unlocked (online by the HR endpoint's key release for this invite, offline by the proctor's
 * unlock code, or — on a demo kiosk only — by the demo code) and the questions tailored to the
 * candidate's résumé. Async (network, PDF parsing), so it runs before the synchronous,
 * transactional `SessionService.checkIn`.
 */
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { getSessionByInvite } from '../../db/queries/sessions';
import type { HrEndpointClient } from './hr-client';
import { packErrorText } from './pack-errors';
import type { InviteDirectory } from './pack-provider';
import type { PackRegistry } from './pack-registry';
import type { Segmenter } from './resume-tags';
import { tailorInterview, type Tailoring } from './variants';

export interface CheckInPreparerDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: PackRegistry;
  readonly invites: InviteDirectory;
  readonly hr?: HrEndpointClient;
  /** The HR key from the provisioning config, for packs that do not name their own. */
  readonly hrPublicKey?: string;
  /** Demo provisioning only. */
  readonly demoUnlockCodes?: Readonly<Record<string, string>>;
  readonly segmenter: () => Promise<Segmenter>;
}

export class CheckInPreparer {
  private readonly log: Logger;

  constructor(private readonly deps: CheckInPreparerDeps) {
    this.log = deps.logger.scope('check-in');
  }

  /**
   * Unlocks and tailors. `ok(undefined)` means "nothing to prepare": the session service then
   * gives its own answer (unknown invite, existing session, outside the window, pack missing).
   */
  async prepare(inviteCode: string, unlockCode?: string): Promise<Result<Tailoring | undefined>> {
    const { registry, db, clock } = this.deps;
    const existing = getSessionByInvite(db, inviteCode);
    const invite = this.deps.invites.lookup(inviteCode);
    const packId = existing?.pack_id ?? invite?.packId;
    if (!packId) return ok(undefined);
    const now = clock.now();
    if (!existing && invite && ((invite.notBefore !== undefined && now < invite.notBefore) || (invite.notAfter !== undefined && now > invite.notAfter))) {
      // Outside its window: release no key; the session service explains the refusal.
      return ok(undefined);
    }
    if (registry.status(packId) === 'missing') return ok(undefined);
    // Validity is checked at every check-in, not only when the kiosk started.
    const usable = registry.usableNow(packId);
    if (!usable.ok) return usable;
    if (registry.status(packId) === 'locked') {
      const unlocked = await this.unlock(packId, inviteCode, unlockCode);
      if (!unlocked.ok) return unlocked;
    }
    if (existing || !invite) return ok(undefined);
    const pack = registry.get(packId);
    if (!pack) return err('PACK_LOCKED', packErrorText.PACK_LOCKED.en);
    const tailoring = await tailorInterview(pack, invite.resume, this.deps.segmenter, invite.extracted);
    if (tailoring.problem) this.log.warn('résumé unreadable; default questions', { packId });
    return ok(tailoring);
  }

  /**
   * Before a resume: the session's pack must still be valid now. A kiosk that has run since
   * before the pack expired does not let an expired pack carry on after an interruption.
   */
  checkResume(inviteCode: string): Result<void> {
    const existing = getSessionByInvite(this.deps.db, inviteCode);
    if (!existing) return ok(undefined);
    if (this.deps.registry.status(existing.pack_id) === 'missing') return ok(undefined);
    const usable = this.deps.registry.usableNow(existing.pack_id);
    return usable.ok ? ok(undefined) : usable;
  }

  private async unlock(packId: string, inviteCode: string, unlockCode: string | undefined): Promise<Result<unknown>> {
    const { registry } = this.deps;
    if (unlockCode) return registry.unlockWithCode(packId, unlockCode, 'unlock_code');
    const demo = this.deps.demoUnlockCodes?.[packId];
    if (demo) return registry.unlockWithCode(packId, demo, 'demo');
    const verified = registry.manifest(packId)!;
    const hrPublicKey = verified.manifest.hrEndpoint?.publicKey ?? this.deps.hrPublicKey;
    if (!this.deps.hr || !hrPublicKey || !verified.manifest.unlock.online) {
      return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (no HR endpoint is configured)`);
    }
    const key = await this.deps.hr.unlock({ inviteCode, packId, packHash: verified.hash, hrPublicKey });
    if (!key.ok) {
      this.log.warn('online unlock failed', { packId, code: key.error.code });
      return key;
    }
    return registry.unlockWithKey(packId, key.value, 'hr_endpoint');
  }
}
