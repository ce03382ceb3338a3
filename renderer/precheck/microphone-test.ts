/**
 * Microphone level from the page: the RMS level in dBFS, read about twenty times a second from an
 * AnalyserNode. The test listens to the room first (the noise floor), then while the candidate
 * says their name; the loud part of that, over the floor, is what the policy judges.
 */
export const QUIET_MS = 1500;
export const SPEAK_MS = 4000;
export const MIN_DB = -120;
/** The first moments of a new audio graph are silent: not the room. */
const WARMUP_MS = 300;

export class LevelProbe {
  private readonly ctx: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly buf: Float32Array<ArrayBuffer>;
  readonly openedAt = performance.now();

  constructor(stream: MediaStream) {
    this.ctx = new AudioContext();
    this.source = this.ctx.createMediaStreamSource(stream);
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 2048;
    this.source.connect(this.analyser);
    this.buf = new Float32Array(this.analyser.fftSize);
  }

  async resume(): Promise<void> {
    if (this.ctx.state === 'suspended') await this.ctx.resume().catch(() => undefined);
  }

  /** Current level in dBFS (MIN_DB for silence). */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const x of this.buf) sum += x * x;
    const rms = Math.sqrt(sum / this.buf.length);
    return rms > 0 ? Math.max(MIN_DB, Math.min(0, 20 * Math.log10(rms))) : MIN_DB;
  }

  warm(): boolean {
    return performance.now() - this.openedAt >= WARMUP_MS;
  }

  close(): void {
    this.source.disconnect();
    void this.ctx.close().catch(() => undefined);
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return MIN_DB;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))));
  return s[i]!;
}

/** The room's level: a low percentile, so a cough or a door does not raise it. */
export const noiseFloorOf = (quiet: readonly number[]): number => Math.round(percentile(quiet, 20) * 10) / 10;
/** The voice's level: a high percentile, so pauses between words do not lower it. */
export const speechLevelOf = (speaking: readonly number[]): number => Math.round(percentile(speaking, 90) * 10) / 10;
