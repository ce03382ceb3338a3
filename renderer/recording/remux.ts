/**
 * After each answer, the recorded WebM segment is remuxed (`ffmpeg -c copy`) so the stored file has
 * cues and a duration and can be seeked. ffmpeg.wasm runs in its own worker; the core is served from
 * our own origin (`ffmpeg/` next to index.html, copied there at build time), never from a CDN.
 * Jobs run one at a time in the background; the interview never waits for them.
 */
import type { RemuxAck, StoreRemuxRequest } from '../../preload/contract/assistance';
import { MAX_REMUX_PART_BYTES } from '../../preload/contract/assistance';
import type { IpcResult } from '../../preload/contract/errors';
import type { RecordedSegment } from './answer-capture';

type FFmpegLike = {
  load(config: { coreURL: string; wasmURL: string }): Promise<boolean>;
  on(event: 'log', cb: (e: { type: string; message: string }) => void): void;
  off(event: 'log', cb: (e: { type: string; message: string }) => void): void;
  writeFile(path: string, data: Uint8Array): Promise<boolean>;
  readFile(path: string): Promise<Uint8Array | string>;
  deleteFile(path: string): Promise<boolean>;
  exec(args: string[]): Promise<number>;
};

export interface RemuxStatus {
  pending: number;
  done: number;
  failed: number;
  lastError: string | null;
}

export type StoreRemux = (req: StoreRemuxRequest) => Promise<IpcResult<RemuxAck>>;

/** `00:01:02.50` → 62500. */
export function parseFfmpegTime(s: string): number | null {
  const m = /(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(s);
  if (!m) return null;
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
}

/** Splits bytes into parts small enough for one IPC message each. */
export function splitParts(data: Uint8Array, size = MAX_REMUX_PART_BYTES): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.byteLength; i += size) parts.push(data.subarray(i, Math.min(i + size, data.byteLength)));
  return parts;
}

export class RemuxQueue {
  private ffmpeg: Promise<FFmpegLike> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(s: RemuxStatus) => void>();
  readonly status: RemuxStatus = { pending: 0, done: 0, failed: 0, lastError: null };

  constructor(private readonly store: StoreRemux, private readonly baseUrl: () => string) {}

  subscribe(l: (s: RemuxStatus) => void): () => void {
    this.listeners.add(l);
    l({ ...this.status });
    return () => this.listeners.delete(l);
  }

  enqueue(seg: RecordedSegment): void {
    if (!seg.complete || seg.chunks.length === 0 || seg.chunks.length !== seg.committed) return;
    this.status.pending += 1;
    this.emit();
    this.chain = this.chain.then(() => this.run(seg)).catch(() => undefined);
  }

  /** Resolves when every queued job has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private emit(): void {
    for (const l of this.listeners) l({ ...this.status });
  }

  private load(): Promise<FFmpegLike> {
    this.ffmpeg ??= (async () => {
      const { FFmpeg } = await import('@ffmpeg/ffmpeg');
      const ff = new FFmpeg() as unknown as FFmpegLike;
      const base = this.baseUrl();
      await ff.load({ coreURL: new URL('ffmpeg/ffmpeg-core.js', base).href, wasmURL: new URL('ffmpeg/ffmpeg-core.wasm', base).href });
      return ff;
    })();
    this.ffmpeg.catch(() => (this.ffmpeg = null));
    return this.ffmpeg;
  }

  private async run(seg: RecordedSegment): Promise<void> {
    const t = seg.target;
    const name = `q${t.questionIndex}-a${t.attempt}-s${t.segment}`;
    try {
      const ff = await this.load();
      const input = new Uint8Array(await new Blob(seg.chunks as unknown as BlobPart[]).arrayBuffer());
      let lastTime: number | null = null;
      const onLog = (e: { message: string }) => {
        const m = /time=(\S+)/.exec(e.message);
        const v = m ? parseFfmpegTime(m[1]!) : null;
        if (v !== null) lastTime = v;
      };
      ff.on('log', onLog);
      await ff.writeFile(`${name}.in.webm`, input);
      const code = await ff.exec(['-hide_banner', '-i', `${name}.in.webm`, '-map', '0', '-c', 'copy', `${name}.webm`]);
      ff.off('log', onLog);
      await ff.deleteFile(`${name}.in.webm`).catch(() => false);
      if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
      const out = await ff.readFile(`${name}.webm`);
      await ff.deleteFile(`${name}.webm`).catch(() => false);
      if (typeof out === 'string' || out.byteLength === 0) throw new Error('empty remux');
      const parts = splitParts(out);
      for (let i = 0; i < parts.length; i++) {
        const r = await this.store({
          sessionId: t.sessionId,
          questionIndex: t.questionIndex,
          attempt: t.attempt,
          segment: t.segment,
          sourceChunks: seg.committed,
          durationMs: lastTime,
          part: i,
          parts: parts.length,
          data: parts[i]!,
        });
        if (!r.ok) throw new Error(r.error.code);
      }
      this.status.done += 1;
    } catch (e) {
      this.status.failed += 1;
      this.status.lastError = e instanceof Error ? e.message : String(e);
    } finally {
      this.status.pending -= 1;
      this.emit();
    }
  }
}
