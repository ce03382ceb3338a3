/**
 * The packs side of per-stage release (pack format v2): where the session flow
 * (main/services/session/stage-flow.ts) gets a stage's key. `offline` packs derive it from the
 * master key in the content (policy, not cryptography); `hr` packs ask the HR endpoint
 * (`releaseStage`), whose grant must be signed by the HR key the signed pack names (else the
 * provisioning config's) and echo the kiosk's own request. Keys are stored wrapped by the
 * KeyProtector, per session, by the registry.
 */
import { err, type Result } from '../../common/result';
import type { StageKeySource } from '../session/stage-flow';
import type { HrEndpointClient } from './hr-client';
import { packErrorText } from './pack-errors';
import type { PackRegistry } from './pack-registry';

export interface RegistryStageKeysOptions {
  readonly registry: PackRegistry;
  readonly hr?: Pick<HrEndpointClient, 'releaseStage'>;
  /** The HR key from the provisioning config, for packs that do not name their own. */
  readonly hrPublicKey?: string;
}

export class RegistryStageKeys implements StageKeySource {
  constructor(private readonly o: RegistryStageKeysOptions) {}

  offlineKey(packId: string, index: number): Result<Buffer> {
    return this.o.registry.offlineStageKey(packId, index);
  }

  record(sessionId: string, packId: string, index: number, key: Buffer, mode: 'offline' | 'hr'): Result<{ stageId: string; envelopeSha256: string }> {
    return this.o.registry.recordStageKey(sessionId, packId, index, key, mode);
  }

  async requestKey(r: Parameters<StageKeySource['requestKey']>[0]): Promise<Result<Buffer>> {
    const v = this.o.registry.manifest(r.packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${r.packId} is not installed on this kiosk`);
    if (v.manifest.stageContent?.release !== 'hr') return err('PACK_INVALID', `pack ${r.packId} is not released by the HR endpoint`);
    const hrPublicKey = v.manifest.hrEndpoint?.publicKey ?? this.o.hrPublicKey;
    if (!this.o.hr || !hrPublicKey) return err('STAGE_RELEASE_UNREACHABLE', `${packErrorText.STAGE_RELEASE_UNREACHABLE.en} (no HR endpoint is configured on this kiosk)`);
    return this.o.hr.releaseStage(
      { packId: r.packId, packVersion: v.manifest.version, packHash: v.hash, inviteCode: r.inviteCode, stageIndex: r.stageIndex, stageId: r.stageId, submittedStageId: r.submittedStageId },
      hrPublicKey,
    );
  }
}
