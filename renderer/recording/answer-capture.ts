/**
 * One recorded answer segment: a MediaRecorder feeding an in-order chunk uploader, plus a copy of
 * the bytes so the segment can be remuxed into a seekable file once it is complete. A new capture
 * is made per segment (after a resume or a device coming back, main starts a new segment).
 */
import type { IpcResult } from '../../preload/contract/errors';
import type { ChunkAck } from '../../preload/contract/session';
import { ChunkUploader, type PendingChunk } from './chunk-uploader';
import { AnswerRecorder, type SegmentTarget } from './recorder';

export interface RecordedSegment {
  readonly target: SegmentTarget;
  readonly mimeType: string;
  /** The chunks of this segment from seq 0, in order (empty when the segment began elsewhere). */
  readonly chunks: readonly Uint8Array[];
  readonly committed: number;
  readonly complete: boolean;
}

export interface CaptureHooks {
  onAck(ack: ChunkAck): void;
  onFatal(code: string, message: string): void;
}

export class AnswerCapture {
  private readonly uploader: ChunkUploader;
  private readonly recorder: AnswerRecorder;
  private readonly chunks: Uint8Array[] = [];
  private mimeType = 'video/webm';
  private lastAck: ChunkAck | null = null;
  private stopping: Promise<RecordedSegment> | null = null;

  constructor(
    readonly target: SegmentTarget,
    send: (c: PendingChunk) => Promise<IpcResult<ChunkAck>>,
    hooks: CaptureHooks,
  ) {
    this.uploader = new ChunkUploader(send, {
      onAck: (ack) => {
        this.lastAck = ack;
        hooks.onAck(ack);
      },
      onFatal: hooks.onFatal,
    });
    this.recorder = new AnswerRecorder(this.uploader, (seq, data, mime) => {
      this.mimeType = mime;
      if (seq - target.startSeq === this.chunks.length) this.chunks.push(data);
    });
  }

  get recording(): boolean {
    return this.recorder.recording;
  }

  start(stream: MediaStream, video: boolean): void {
    this.recorder.start(stream, this.target, video);
  }

  /** Stops recording and resolves once every chunk is acknowledged (idempotent). */
  stop(): Promise<RecordedSegment> {
    this.stopping ??= this.recorder.stop().then(() => ({
      target: this.target,
      mimeType: this.mimeType,
      chunks: this.target.startSeq === 0 ? this.chunks : [],
      committed: this.target.startSeq + this.uploader.acknowledged,
      complete: this.uploader.failure === null && this.target.startSeq === 0 && this.lastAck !== null,
    }));
    return this.stopping;
  }
}
