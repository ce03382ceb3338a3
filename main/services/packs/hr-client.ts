/**
 * The kiosk's client for its HR endpoint (docs/hr-endpoint.openapi.yaml): content-key release at
 * check-in, the day's signed schedule, and no-show reports. Every call is bounded by a timeout;
 * an unreachable endpoint is an expected condition (offline test centres), reported as a value.
 */
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import { packErrorText } from './pack-errors';
import { HrError, newUnlockRequest, NoShowAck, openGrant } from './hr-protocol';
import type { NoShowEvent } from './schedule';

export interface HrClientOptions {
  readonly baseUrl: string;
  readonly kioskToken: string;
  readonly kioskId: string;
  readonly centreId: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}

export interface UnlockTarget {
  readonly inviteCode: string;
  readonly packId: string;
  readonly packHash: string;
  /** The key that must have signed the answer (from the signed pack, else the provisioning config). */
  readonly hrPublicKey: string;
}

export class HrEndpointClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: HrClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private url(p: string): string {
    return this.options.baseUrl.replace(/\/+$/, '') + p;
  }

  private async call(method: 'GET' | 'POST', p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ reached: true; status: number; json: unknown; text: string } | { reached: false; error: string }> {
    try {
      const res = await this.fetchImpl(this.url(p), {
        method,
        headers: { authorization: `Bearer ${this.options.kioskToken}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      const text = (await res.text()).slice(0, 10 * 1024 * 1024);
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: the caller decides whether that matters
      }
      return { reached: true, status: res.status, json, text };
    } catch (e) {
      return { reached: false, error: e instanceof Error ? e.message : String(e) };
    }
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
    const r = await this.call('POST', '/v1/unlock', request);
    if (!r.reached) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (${r.error})`);
    if (r.status >= 500) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (HR endpoint error ${r.status})`);
    if (r.status !== 200) {
      const e = HrError.safeParse(r.json);
      return err('UNLOCK_REFUSED', `${packErrorText.UNLOCK_REFUSED.en} (${e.success ? `${e.data.code}: ${e.data.message}` : `HTTP ${r.status}`})`);
    }
    const opened = openGrant(r.json, request, secret, target.hrPublicKey);
    // An answer we cannot trust is treated like no answer: the proctor's code still works.
    if (!opened.ok) return err('UNLOCK_CODE_REQUIRED', `${packErrorText.UNLOCK_CODE_REQUIRED.en} (${opened.reason})`);
    return ok(opened.key);
  }

  /** The signed schedule file for a day (verify it with `verifySchedule` before use). */
  async fetchSchedule(day: string): Promise<Result<Buffer>> {
    const r = await this.call('GET', `/v1/centres/${encodeURIComponent(this.options.centreId)}/schedules/${encodeURIComponent(day)}`);
    if (!r.reached) return err('UNLOCK_CODE_REQUIRED', `HR endpoint unreachable (${r.error})`);
    if (r.status !== 200) return err('PACK_NOT_FOUND', `no schedule for ${day} (HTTP ${r.status})`);
    return ok(Buffer.from(r.text, 'utf8'));
  }

  /** Sends no-shows; returns the invite codes the endpoint acknowledged. */
  async reportNoShows(events: readonly NoShowEvent[]): Promise<Result<string[]>> {
    if (events.length === 0) return ok([]);
    const key = events.map((e) => e.inviteCode).sort().join(',');
    const r = await this.call('POST', '/v1/no-shows', { events }, { 'idempotency-key': key.slice(0, 200) });
    if (!r.reached || r.status !== 200) return err('INTERNAL', `no-show report not accepted (${!r.reached ? r.error : `HTTP ${r.status}`})`);
    const ack = NoShowAck.safeParse(r.json);
    if (!ack.success) return err('INTERNAL', 'no-show acknowledgement malformed');
    return ok(ack.data.accepted);
  }
}
