/**
 * MediaRecorder with a 1 s timeslice and a capped bitrate. Every chunk goes to the uploader as it
 * arrives, numbered in arrival order, so chunks 0..k of a segment always decode as a prefix.
 */
import type { ChunkUploader } from './chunk-uploader';

const CANDIDATE_TYPES = ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm'];
const AUDIO_TYPES = ['audio/webm;codecs=opus', 'audio/webm'];

export function pickMimeType(video: boolean): string {
  const list = video ? CANDIDATE_TYPES : AUDIO_TYPES;
  return list.find((t) => typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(t)) ?? (video ? 'video/webm' : 'audio/webm');
}

export interface SegmentTarget {
  sessionId: string;
  questionIndex: number;
  attempt: number;
  segment: number;
  startSeq: number;
}

export class AnswerRecorder {
  private recorder: MediaRecorder | null = null;
  private nextSeq = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly uploader: ChunkUploader,
    /** Sees every chunk's bytes too (kept for the seekable remux after the answer). */
    private readonly onChunk?: (seq: number, data: Uint8Array, mimeType: string) => void,
  ) {}

  get mimeType(): string | null {
    return this.recorder?.mimeType ?? null;
  }

  get recording(): boolean {
    return this.recorder?.state === 'recording';
  }

  start(stream: MediaStream, target: SegmentTarget, video: boolean): void {
    const mimeType = pickMimeType(video);
    // An audio answer records the microphone only: MediaRecorder refuses an audio container for a
    // stream that still carries the camera track.
    const source = video ? stream : new MediaStream(stream.getAudioTracks());
    const rec = new MediaRecorder(source, {
      mimeType,
      videoBitsPerSecond: video ? 1_000_000 : undefined,
      audioBitsPerSecond: 64_000,
    });
    this.nextSeq = target.startSeq;
    rec.ondataavailable = (ev) => {
      if (ev.data.size === 0) return;
      const seq = this.nextSeq++;
      const blob = ev.data;
      // Blob reads are asynchronous: chain them so chunks are queued in recording order.
      this.chain = this.chain.then(async () => {
        const data = new Uint8Array(await blob.arrayBuffer());
        this.onChunk?.(seq, data, rec.mimeType || mimeType);
        // Exactly the request's fields: main's schemas refuse unknown keys (startSeq is ours).
        this.uploader.enqueue({ sessionId: target.sessionId, questionIndex: target.questionIndex, attempt: target.attempt, segment: target.segment, seq, mimeType: rec.mimeType || mimeType, data });
      });
    };
    rec.start(1000);
    this.recorder = rec;
  }

  /** Stops, waits for the final chunk, and waits until every chunk is acknowledged. */
  async stop(): Promise<void> {
    const rec = this.recorder;
    this.recorder = null;
    if (rec && rec.state !== 'inactive') {
      await new Promise<void>((resolve) => {
        rec.addEventListener('stop', () => resolve(), { once: true });
        rec.stop();
      });
    }
    await this.chain;
    await this.uploader.whenIdle();
  }
}
