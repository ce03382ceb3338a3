/**
 * The kiosk's client for its HR endpoint (docs/hr-endpoint.openapi.yaml): content-key release at
 * check-in, the day's signed schedule, and no-show reports. Every call is bounded by a timeout;
 * an unreachable endpoint is an expected condition (offline test centres), reported as a value.
 */
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import { hrContract, type HrContract } from '../contract/hr-contract';
import { packErrorText } from './pack-errors';
import { incidentIdOf, newUnlockRequest, noShowIdempotencyKey, openGrant, parseHrError, type KioskIncident, type NoShowWireEvent } from './hr-protocol';
import { newStageKeyRequest, openStageGrant, type StageKeyGrant, type StageKeyRequest } from './stage-content';

export interface HrClientOptions {
  readonly baseUrl: string;
  readonly kioskToken: string;
  readonly kioskId: string;
  readonly centreId: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly contract?: HrContract;
  /** Bounds the work of one delivery cycle (splitting a refused batch costs about 2·log2(maxItems) requests). */
  readonly maxNoShowRequestsPerCycle?: number;
}

export interface UnlockTarget {
  readonly inviteCode: string;
  readonly packId: string;
  readonly packHash: string;
  /** The key that must have signed the answer (from the signed pack, else the provisioning config). */
  readonly hrPublicKey: string;
}

/** Where the no-show outbox keeps its state; both calls must be durable when they return. */
export interface NoShowOutboxSink {
  /** HR acknowledged these invite codes: never send them again. */
  acknowledged(inviteCodes: readonly string[]): void;
  /** This event is malformed for the document or refused alone as malformed: keep it, never send it again, show it. */
  quarantined(inviteCode: string, reason: string): void;
}

export interface NoShowDelivery {
  readonly acknowledged: number;
  readonly quarantined: number;
  /** Still owed to HR after this cycle (retried on the next one). */
  readonly pending: number;
  readonly requests: number;
  /** Why the cycle stopped early: the endpoint is down, refuses the kiosk, or the cycle's request budget is spent. */
  readonly stoppedBy: string | undefined;
}

/** A quarantined no-show as stored on the kiosk (its strings may be what HR refused). */
export interface QuarantinedNoShow {
  readonly inviteCode: string;
  readonly scheduleId: string;
  readonly candidateRef: string;
  readonly packId: string;
  readonly quarantinedAt: number;
  readonly reason: string;
}

export interface IncidentDelivery {
  readonly reported: number;
  readonly refused: number;
  readonly pending: number;
  readonly stoppedBy: string | undefined;
}

const SUBJECT_MAX = 256;

type CallResult = { reached: true; status: number; contentType: string | undefined; json: unknown; text: string } | { reached: false; error: string };

export class HrEndpointClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly contract: HrContract;

  constructor(private readonly options: HrClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.contract = options.contract ?? hrContract();
  }

  private url(p: string): string {
    return this.options.baseUrl.replace(/\/+$/, '') + p;
  }

  private async call(method: 'GET' | 'POST', p: string, body?: string, headers: Record<string, string> = {}): Promise<CallResult> {
    try {
      const res = await this.fetchImpl(this.url(p), {
        method,
        headers: { authorization: `Bearer ${this.options.kioskToken}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      const text = (await res.text()).slice(0, 10 * 1024 * 1024);
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: the contract check decides whether that matters
      }
      return { reached: true, status: res.status, contentType: res.headers.get('content-type') ?? undefined, json, text };
    } catch (e) {
      return { reached: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** A refusal's code and message, when the endpoint answered one the document allows. */
  private refusalText(operationId: string, r: { status: number; contentType: string | undefined; json: unknown }): string {
    const e = parseHrError(operationId, r.status, r.contentType, r.json);
    return e ? `${e.code}: ${e.message.slice(0, 200)}` : `HTTP ${r.status}`;
  }

  /** Asks for the content key of `target.packId` for this invite on this kiosk. */
  async unlock(target: UnlockTarget): Promise<Result<Buffer>> {
    const { request, secret } = newUnlockRequest({
      inviteCode: target.inviteCode,
      packId: target.packId,
      packHash: target.packHash,
      kioskId: this.options.kioskId,
      centreId: this.options.centreId,
    });
    // What the document refuses is never sent: the endpoint would answer 400 anyway.
    const invalid = this.contract.checkRequestBody('unlockPack', request);
    if (invalid) return err('UNLOCK_REFUSED', `${packErrorText.UNLOCK_REFUSED.en} (the request does not fit the HR document: ${invalid})`);
    const r = await this.call('POST', '/v1/unlock', JSON.stringify(request));
    if (!r.reached) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (${r.error})`);
    // Documented meaning of the classes: 5xx = endpoint down (proctor's code), 4xx = refused.
    if (r.status >= 400 && r.status < 500) return err('UNLOCK_REFUSED', `${packErrorText.UNLOCK_REFUSED.en} (${this.refusalText('unlockPack', r)})`);
    if (r.status !== 200) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (HR endpoint answered ${r.status})`);
    const opened = openGrant(r.json, request, secret, target.hrPublicKey);
    // An answer we cannot trust is treated like no answer: the proctor's code still works.
    if (!opened.ok) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (${opened.reason})`);
    return ok(opened.key);
  }

  /**
   * Asks for the key of stage `stageIndex` of a pack sealed stage by stage (`releaseStage`), after
   * `submittedStageId` was submitted. The answer must be signed by `hrPublicKey` and echo exactly
   * this request (fresh X25519 key and nonce); anything else is refused. Unreachable, 5xx or an
   * answer that cannot be trusted → `STAGE_RELEASE_UNREACHABLE` (retry); a documented 4xx refusal →
   * `STAGE_RELEASE_REFUSED`.
   */
  async releaseStage(fields: Omit<StageKeyRequest, 'kioskId' | 'kioskPublicKey' | 'nonce'>, hrPublicKey: string): Promise<Result<Buffer>> {
    const { request, secret } = newStageKeyRequest({ ...fields, kioskId: this.options.kioskId });
    const invalid = this.contract.checkRequestBody('releaseStage', request);
    if (invalid) return err('STAGE_RELEASE_REFUSED', `${packErrorText.STAGE_RELEASE_REFUSED.en} (the request does not fit the HR document: ${invalid})`);
    const r = await this.call('POST', '/v1/stages/release', JSON.stringify(request));
    if (!r.reached) return err('STAGE_RELEASE_UNREACHABLE', `${packErrorText.STAGE_RELEASE_UNREACHABLE.en} (${r.error})`);
    if (r.status >= 400 && r.status < 500) return err('STAGE_RELEASE_REFUSED', `${packErrorText.STAGE_RELEASE_REFUSED.en} (${this.refusalText('releaseStage', r)})`);
    if (r.status !== 200) return err('STAGE_RELEASE_UNREACHABLE', `${packErrorText.STAGE_RELEASE_UNREACHABLE.en} (HR endpoint answered ${r.status})`);
    const bad = this.contract.checkResponse('releaseStage', 200, r.contentType, r.json);
    if (bad) return err('STAGE_RELEASE_REFUSED', `${packErrorText.STAGE_RELEASE_REFUSED.en} (the answer does not fit the HR document: ${bad})`);
    const opened = openStageGrant(r.json as { grant: StageKeyGrant; signature: string }, request, secret, hrPublicKey);
    if (!opened.ok) return err('STAGE_RELEASE_REFUSED', `${packErrorText.STAGE_RELEASE_REFUSED.en} (${opened.reason})`);
    return ok(opened.key);
  }

  /** The signed schedule file for a day (verify it with `verifySchedule` before use). */
  async fetchSchedule(day: string): Promise<Result<Buffer>> {
    const r = await this.call('GET', `/v1/centres/${encodeURIComponent(this.options.centreId)}/schedules/${encodeURIComponent(day)}`);
    if (!r.reached) return err('UNLOCK_CODE_REQUIRED', `HR endpoint unreachable (${r.error})`);
    if (r.status !== 200) return err('PACK_NOT_FOUND', `no schedule for ${day} (${this.refusalText('getSchedule', r)})`);
    const bad = this.contract.checkResponse('getSchedule', 200, r.contentType, r.json);
    if (bad) return err('PACK_NOT_FOUND', `the schedule answer does not fit the HR document (${bad})`);
    return ok(Buffer.from(r.text, 'utf8'));
  }

  /** Sends one batch as documented; returns the answer for `deliverNoShows` to act on. */
  async sendNoShowBatch(events: readonly NoShowWireEvent[]): Promise<CallResult> {
    const key = noShowIdempotencyKey(events.map((e) => e.inviteCode));
    return this.call('POST', '/v1/no-shows', JSON.stringify({ events }), { 'idempotency-key': key });
  }

  /**
   * Delivers what the kiosk owes HR: events the document refuses are quarantined without being
   * sent; the rest go in batches of at most the document's `maxItems`. A batch refused as
   * malformed (400, 409 on its key, 413) is split in halves until the refused event is alone, and
   * that one is quarantined, so one bad event never holds back the others and nothing is retried
   * forever. 5xx, no answer, 401 and other refusals stop the cycle; everything not acknowledged
   * stays pending for the next one. Nothing is dropped: every event ends acknowledged, quarantined
   * (kept, listed) or pending.
   */
  async deliverNoShows(events: readonly NoShowWireEvent[], sink: NoShowOutboxSink): Promise<NoShowDelivery> {
    const budget = this.options.maxNoShowRequestsPerCycle ?? 100;
    let acknowledged = 0;
    let quarantined = 0;
    let requests = 0;
    let stoppedBy: string | undefined;
    const sendable: NoShowWireEvent[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      const bad = seen.has(e.inviteCode) ? 'the same invite code twice in the outbox' : this.contract.checkRequestBody('reportNoShows', { events: [e] });
      seen.add(e.inviteCode);
      if (bad) {
        sink.quarantined(e.inviteCode, `not sent: does not fit the HR document (${bad})`);
        quarantined += 1;
      } else sendable.push(e);
    }
    const max = this.contract.noShowMaxItems;
    const queue: NoShowWireEvent[][] = [];
    for (let i = 0; i < sendable.length; i += max) queue.push(sendable.slice(i, i + max));
    let left = sendable.length;
    while (queue.length > 0) {
      if (requests >= budget) {
        stoppedBy = 'request budget of this cycle spent';
        break;
      }
      const batch = queue.shift()!;
      requests += 1;
      const r = await this.sendNoShowBatch(batch);
      if (!r.reached) {
        stoppedBy = `unreachable (${r.error})`;
        break;
      }
      if (r.status === 200) {
        const bad = this.contract.checkResponse('reportNoShows', 200, r.contentType, r.json);
        if (bad) {
          stoppedBy = `acknowledgement does not fit the HR document (${bad})`;
          break;
        }
        const inBatch = new Set(batch.map((e) => e.inviteCode));
        const acked = [...new Set((r.json as { accepted: string[] }).accepted)].filter((c) => inBatch.has(c));
        sink.acknowledged(acked);
        acknowledged += acked.length;
        left -= acked.length;
        continue;
      }
      if (r.status === 400 || r.status === 409 || r.status === 413) {
        if (batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          queue.unshift(batch.slice(0, half), batch.slice(half));
          continue;
        }
        sink.quarantined(batch[0]!.inviteCode, `refused alone by the HR endpoint (${this.refusalText('reportNoShows', r)})`);
        quarantined += 1;
        left -= 1;
        continue;
      }
      stoppedBy = r.status >= 500 ? `HR endpoint down (HTTP ${r.status})` : `HR endpoint refuses the kiosk (${this.refusalText('reportNoShows', r)})`;
      break;
    }
    return { acknowledged, quarantined, pending: left, requests, stoppedBy };
  }

  /** The documented incident for a quarantined no-show (strings cut to 256 characters, said so). */
  quarantineIncident(q: QuarantinedNoShow): KioskIncident {
    const cut = (v: string): string => v.slice(0, SUBJECT_MAX);
    const fields = [q.inviteCode, q.scheduleId, q.candidateRef, q.packId];
    return {
      incidentId: incidentIdOf('no_show_quarantined', this.options.kioskId, q.inviteCode),
      kind: 'no_show_quarantined',
      kioskId: this.options.kioskId,
      centreId: this.options.centreId,
      detectedAt: new Date(q.quarantinedAt).toISOString(),
      reason: q.reason.slice(0, 1000) || 'quarantined',
      subject: { inviteCode: cut(q.inviteCode), scheduleId: cut(q.scheduleId), candidateRef: cut(q.candidateRef), packId: cut(q.packId) },
      truncated: fields.some((f) => f.length > SUBJECT_MAX),
    };
  }

  /**
   * Tells HR about quarantined no-shows, once each. 200 (or 409: HR already holds an incident with
   * this id) → reported; another 4xx → refused (kept on the kiosk, not retried forever); 5xx or
   * no answer → stop, retried next cycle.
   */
  async reportQuarantinedNoShows(items: readonly QuarantinedNoShow[], done: (inviteCode: string, state: 'reported' | 'refused', detail: string) => void): Promise<IncidentDelivery> {
    let reported = 0;
    let refused = 0;
    let stoppedBy: string | undefined;
    for (const q of items) {
      const incident = this.quarantineIncident(q);
      const r = await this.call('POST', '/v1/kiosk-incidents', JSON.stringify(incident));
      if (!r.reached) {
        stoppedBy = `unreachable (${r.error})`;
        break;
      }
      if (r.status === 200 || r.status === 409) {
        done(q.inviteCode, 'reported', r.status === 200 ? 'recorded' : 'already recorded');
        reported += 1;
      } else if (r.status >= 400 && r.status < 500 && r.status !== 401) {
        done(q.inviteCode, 'refused', this.refusalText('reportKioskIncident', r));
        refused += 1;
      } else {
        stoppedBy = r.status >= 500 ? `HR endpoint down (HTTP ${r.status})` : `HR endpoint refuses the kiosk (${this.refusalText('reportKioskIncident', r)})`;
        break;
      }
    }
    return { reported, refused, pending: items.length - reported - refused, stoppedBy };
  }
}
