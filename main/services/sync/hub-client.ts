/**
 * The kiosk's HTTP client for the hub: enrolment, signed JSON requests, and resumable media
 * uploads with tus-js-client. Every call is bounded by a timeout; failures are returned as
 * `HubCallError` with a code, never thrown past the sync engine.
 */
import { Upload } from 'tus-js-client';
import { generateKioskKeyPair, signedHeaders, type KioskCredential } from './signing';

export class HubCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HubItem {
  readonly key: string;
  readonly kind: string;
  readonly body: Record<string, unknown>;
}
export interface HubItemResult {
  readonly key: string;
  readonly status: 'stored' | 'duplicate' | 'conflict' | 'rejected';
  readonly code?: string;
}

const TIMEOUT_MS = 30_000;

async function request(url: string, init: RequestInit): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new HubCallError('HUB_UNREACHABLE', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = null;
  }
  if (res.status >= 400) {
    const code = (json as { error?: { code?: string } } | null)?.error?.code ?? `HTTP_${res.status}`;
    throw new HubCallError(code, `hub answered ${res.status}`, res.status);
  }
  return { status: res.status, json };
}

/** Enrols this kiosk with a one-time code from HR; the private key never leaves the kiosk. */
export async function enrolKiosk(hubUrl: string, code: string, name: string): Promise<KioskCredential> {
  const keys = generateKioskKeyPair();
  const base = hubUrl.replace(/\/+$/, '');
  const { json } = await request(`${base}/v1/kiosks/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, publicKey: keys.publicKey, name }),
  });
  const kioskId = (json as { kioskId?: unknown } | null)?.kioskId;
  if (typeof kioskId !== 'string') throw new HubCallError('HUB_BAD_RESPONSE', 'enrolment answer without kioskId');
  return { hubUrl: base, kioskId, privateKey: keys.privateKey };
}

export class HubClient {
  private uploadToken: { token: string; until: number } | null = null;

  constructor(
    private readonly cred: KioskCredential,
    private readonly now: () => number = Date.now,
    /** An upload with no progress for this long is aborted (kept URL: resumed next time). */
    private readonly stallMs = 60_000,
  ) {}

  private async signed(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { ...signedHeaders(this.cred, method, path, text, this.now()) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { json } = await request(`${this.cred.hubUrl}${path}`, { method, headers, ...(body !== undefined ? { body: text } : {}) });
    return json;
  }

  /**
   * A signed call that changes nothing (the hub's sync-state): tells the hub this kiosk is alive
   * while it has nothing to send, so the proctor console does not show it offline.
   */
  async heartbeat(): Promise<void> {
    await this.signed('GET', '/v1/kiosk/sync-state');
  }

  async sendItems(items: readonly HubItem[]): Promise<HubItemResult[]> {
    const json = await this.signed('POST', '/v1/kiosk/items', { items });
    const results = (json as { results?: unknown } | null)?.results;
    if (!Array.isArray(results) || results.length !== items.length) throw new HubCallError('HUB_BAD_RESPONSE', 'items answer does not match the batch');
    return results as HubItemResult[];
  }

  private async token(): Promise<string> {
    if (this.uploadToken && this.uploadToken.until > this.now() + 60_000) return this.uploadToken.token;
    const json = (await this.signed('POST', '/v1/kiosk/upload-token', {})) as { token?: unknown; expiresAt?: unknown } | null;
    if (typeof json?.token !== 'string' || typeof json.expiresAt !== 'string') throw new HubCallError('HUB_BAD_RESPONSE', 'upload token answer');
    this.uploadToken = { token: json.token, until: Date.parse(json.expiresAt) };
    return json.token;
  }

  /**
   * Uploads `data` with tus, resuming at `resumeUrl` when given (the hub answers the offset it
   * has). `onUrl` is called once the upload has a URL, so the caller can keep it across restarts.
   */
  async upload(
    data: Buffer,
    /**
     * tus Upload-Metadata: `key` and `sha256` of `data` (checked on arrival); for media also
     * `format` ('IKS1': sealed as stored), `identity` (the chunk's AAD) and the plaintext's
     * `plainSha256`/`plainSize`.
     */
    metadata: { key: string; sha256: string; format?: string; identity?: string; plainSha256?: string; plainSize?: string },
    resumeUrl: string | null,
    onUrl: (url: string) => void,
    onChunk?: (bytesAccepted: number) => void,
  ): Promise<void> {
    const token = await this.token();
    await new Promise<void>((resolve, reject) => {
      // tus-js-client sets no timeout of its own: a half-open connection would hold the sync loop
      // forever, so an upload with no progress for STALL_MS is aborted (its URL is kept to resume).
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (err?: HubCallError) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        if (err) reject(err);
        else resolve();
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          void up.abort(false).catch(() => undefined);
          finish(new HubCallError('UPLOAD_STALLED', `no upload progress for ${this.stallMs} ms`));
        }, this.stallMs);
        watchdog.unref();
      };
      const up: Upload = new Upload(data, {
        endpoint: `${this.cred.hubUrl}/v1/uploads`,
        uploadUrl: resumeUrl,
        headers: { authorization: `Bearer ${token}` },
        metadata,
        uploadSize: data.length,
        chunkSize: 256 * 1024,
        // A small chunk goes in the creating request itself (one round trip instead of two).
        uploadDataDuringCreation: true,
        retryDelays: [],
        storeFingerprintForResuming: false,
        onUploadUrlAvailable: () => {
          if (up.url) onUrl(up.url.startsWith('http') ? up.url : `${this.cred.hubUrl}${up.url}`);
        },
        onError: (err) => {
          const status = (err as { originalResponse?: { getStatus(): number } | null }).originalResponse?.getStatus();
          if (status === 401) this.uploadToken = null;
          finish(new HubCallError(status === 460 ? 'MEDIA_HASH_MISMATCH' : status === 415 ? 'MEDIA_NOT_SEALED' : status === 404 || status === 410 ? 'UPLOAD_GONE' : 'UPLOAD_FAILED', err.message.slice(0, 300), status));
        },
        onProgress: () => arm(),
        onChunkComplete: (_size, accepted) => onChunk?.(accepted),
        onSuccess: () => finish(),
      });
      arm();
      up.start();
    });
  }
}
