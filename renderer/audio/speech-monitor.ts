/**
 * Thin glue between the microphone and shared/audio/speech-activity.ts during one spoken answer:
 * a 16 kHz AudioContext cuts the stream into 512-sample frames, the page measures each frame's
 * level, the worker (vad-worker.ts) gives its speech probability, and the pure trackers decide.
 *
 * When the model cannot load (no wasm, a bad file) the monitor keeps going on the level alone
 * (`level_only`): a frame is "speech" when it is 10 dB over the quiet level. Reports name the engine.
 */
import {
  answerSpeechStats,
  backgroundSpeechFlags,
  CantHearTracker,
  DEFAULT_CANT_HEAR_CONFIG,
  FrameAssembler,
  frameDbfs,
  levelOnlyProbability,
  quietLevelDbfs,
  SILERO_FRAME_SAMPLES,
  SILERO_SAMPLE_RATE,
  type AnswerSpeechStats,
  type BackgroundSpeechFlag,
  type CantHearEvent,
} from '../../shared/audio/speech-activity';

export type SpeechEngine = 'silero_v5' | 'level_only';

export interface SpeechMonitorOptions {
  readonly cantHearSeconds: number;
  readonly noiseFloorDbfs: number | null;
  readonly backgroundSpeech: boolean;
  readonly onCantHear: (e: CantHearEvent, engine: SpeechEngine) => void;
}

export interface SpeechMonitorResult {
  readonly engine: SpeechEngine;
  readonly stats: AnswerSpeechStats;
  readonly backgroundSpeech: readonly BackgroundSpeechFlag[];
}

/** Frames waiting for a model that is still loading are kept up to this many (about 16 s). */
const MAX_PENDING_FRAMES = 500;

let sharedWorker: { worker: Worker; ready: Promise<boolean> } | null = null;
let generation = 0;

/** One worker for the page: the model loads once, each answer resets its state. */
function vadWorker(): { worker: Worker; ready: Promise<boolean> } | null {
  if (sharedWorker) return sharedWorker;
  if (typeof Worker === 'undefined') return null;
  try {
    const worker = new Worker(new URL('./vad-worker.ts', import.meta.url), { type: 'module' });
    const ready = new Promise<boolean>((resolve) => {
      const onMsg = (e: MessageEvent<{ type: string }>) => {
        if (e.data.type === 'ready' || e.data.type === 'error') {
          worker.removeEventListener('message', onMsg);
          resolve(e.data.type === 'ready');
        }
      };
      worker.addEventListener('message', onMsg);
      worker.addEventListener('error', () => resolve(false), { once: true });
    });
    worker.postMessage({ type: 'init', base: document.baseURI });
    sharedWorker = { worker, ready };
    return sharedWorker;
  } catch {
    return null;
  }
}

/**
 * Starts the worker and its model load (a 15 MB wasm compile) ahead of the first spoken answer, so
 * that work does not compete with the recording for the page's CPU. Called when the pre-check has
 * heard the microphone; harmless to call again.
 */
export function prewarmVad(): void {
  vadWorker();
}

export class SpeechMonitor {
  private readonly ctx: AudioContext;
  private readonly nodes: AudioNode[] = [];
  private readonly tracker: CantHearTracker;
  private readonly quietDbfs: number;
  private readonly probs: number[] = [];
  private readonly levels: number[] = [];
  /** Levels of frames sent to the worker, waiting for their probabilities (in order). */
  private readonly inFlight: number[] = [];
  private readonly frames = new FrameAssembler(SILERO_FRAME_SAMPLES);
  private engine: SpeechEngine = 'silero_v5';
  private modelReady = false;
  private waiting: Float32Array[] = [];
  private stopped = false;
  private readonly vad = vadWorker();
  private readonly gen = ++generation;
  private readonly onWorker = (e: MessageEvent<{ type: string; probs?: Float32Array; gen?: number }>) => {
    if (e.data.type === 'probs' && e.data.probs && e.data.gen === this.gen) for (const p of e.data.probs) this.accept(p, this.inFlight.shift() ?? -120);
    else if (e.data.type === 'error') this.fallBack();
  };

  constructor(
    stream: MediaStream,
    private readonly opts: SpeechMonitorOptions,
  ) {
    const cfg = { noiseFloorDbfs: opts.noiseFloorDbfs, cantHearMs: opts.cantHearSeconds * 1000 };
    this.tracker = new CantHearTracker(cfg);
    this.quietDbfs = quietLevelDbfs({ ...DEFAULT_CANT_HEAR_CONFIG, ...cfg });
    this.ctx = new AudioContext({ sampleRate: SILERO_SAMPLE_RATE });
    const source = this.ctx.createMediaStreamSource(stream);
    const proc = this.ctx.createScriptProcessor(2048, 1, 1);
    const mute = this.ctx.createGain();
    mute.gain.value = 0;
    proc.onaudioprocess = (ev) => this.onAudio(ev.inputBuffer.getChannelData(0));
    source.connect(proc);
    proc.connect(mute);
    mute.connect(this.ctx.destination);
    this.nodes.push(source, proc, mute);
    if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    if (!this.vad) this.fallBack();
    else {
      this.vad.worker.addEventListener('message', this.onWorker);
      this.vad.worker.postMessage({ type: 'reset' });
      void this.vad.ready.then((ok) => {
        if (this.stopped) return;
        if (!ok) return this.fallBack();
        this.modelReady = true;
        for (const w of this.waiting) this.send(w);
        this.waiting = [];
      });
    }
  }

  private fallBack(): void {
    if (this.engine === 'level_only') return;
    this.engine = 'level_only';
    // Frames the model never answered are judged on their level.
    for (const w of this.waiting) for (let i = 0; i < w.length; i += SILERO_FRAME_SAMPLES) this.byLevel(frameDbfs(w.subarray(i, i + SILERO_FRAME_SAMPLES)));
    for (const db of this.inFlight.splice(0)) this.byLevel(db);
    this.waiting = [];
  }

  private byLevel(db: number): void {
    this.accept(levelOnlyProbability(db, this.quietDbfs), db);
  }

  private send(batch: Float32Array): void {
    for (let i = 0; i < batch.length; i += SILERO_FRAME_SAMPLES) this.inFlight.push(frameDbfs(batch.subarray(i, i + SILERO_FRAME_SAMPLES)));
    this.vad!.worker.postMessage({ type: 'frames', samples: batch, gen: this.gen }, [batch.buffer]);
  }

  private onAudio(input: Float32Array): void {
    if (this.stopped) return;
    const batch = this.frames.push(input);
    const whole = batch.length;
    if (whole === 0) return;
    if (this.engine === 'level_only') {
      for (let i = 0; i < whole; i += SILERO_FRAME_SAMPLES) this.byLevel(frameDbfs(batch.subarray(i, i + SILERO_FRAME_SAMPLES)));
    } else if (this.modelReady) this.send(batch);
    else if (this.waiting.length * (whole / SILERO_FRAME_SAMPLES) < MAX_PENDING_FRAMES) this.waiting.push(batch);
  }

  private accept(p: number, db: number): void {
    if (this.stopped) return;
    this.probs.push(p);
    this.levels.push(db);
    const e = this.tracker.push(p, db);
    if (e) this.opts.onCantHear(e, this.engine);
  }

  /** Stops listening (frames still in the worker are not waited for). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.vad?.worker.removeEventListener('message', this.onWorker);
    for (const n of this.nodes) n.disconnect();
    void this.ctx.close().catch(() => undefined);
  }

  /** The answer so far, summarised by the pure code in shared/audio. */
  summary(): SpeechMonitorResult {
    return {
      engine: this.engine,
      stats: answerSpeechStats(this.probs),
      backgroundSpeech: this.opts.backgroundSpeech ? backgroundSpeechFlags(this.probs, this.levels) : [],
    };
  }

  get showingCantHear(): boolean {
    return this.tracker.showing;
  }
}
