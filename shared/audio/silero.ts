/**
 * Silero VAD v5 (the ONNX file that ships in @ricky0123/vad-web) over onnxruntime-web: 512-sample
 * frames at 16 kHz with the previous frame's last 64 samples as context, one recurrent state.
 * The same wrapper runs in the renderer's worker and in `npm run bench:vad` under Node, so the
 * bench measures the code the kiosk runs. onnxruntime is passed in (type-only import here), so this
 * file stays pure: no DOM, no node:.
 */
import type * as Ort from 'onnxruntime-web';
import { SILERO_FRAME_SAMPLES, SILERO_SAMPLE_RATE } from './speech-activity';

const CONTEXT_SAMPLES = 64;
const STATE_DIMS = [2, 1, 128];

export type OrtModule = Pick<typeof Ort, 'InferenceSession' | 'Tensor'>;

export class SileroVad {
  private state: Ort.Tensor;
  private context = new Float32Array(CONTEXT_SAMPLES);
  private readonly sr: Ort.Tensor;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
  ) {
    this.state = this.zeroState();
    this.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE)]));
  }

  /** Loads the model from its bytes (the caller checks where they came from). */
  static async create(ort: OrtModule, model: Uint8Array): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    for (const name of ['input', 'state', 'sr']) if (!session.inputNames.includes(name)) throw new Error(`not a Silero v5 model: no input "${name}"`);
    return new SileroVad(ort, session);
  }

  private zeroState(): Ort.Tensor {
    return new this.ort.Tensor('float32', new Float32Array(2 * 128), STATE_DIMS);
  }

  /** Forget everything heard so far (between clips or answers). */
  reset(): void {
    this.state = this.zeroState();
    this.context = new Float32Array(CONTEXT_SAMPLES);
  }

  /** Speech probability of one 512-sample frame at 16 kHz (samples in [-1, 1]). */
  async process(frame: Float32Array): Promise<number> {
    if (frame.length !== SILERO_FRAME_SAMPLES) throw new RangeError(`a frame is ${SILERO_FRAME_SAMPLES} samples, got ${frame.length}`);
    const input = new Float32Array(CONTEXT_SAMPLES + SILERO_FRAME_SAMPLES);
    input.set(this.context, 0);
    for (let i = 0; i < SILERO_FRAME_SAMPLES; i++) {
      const v = frame[i]!;
      input[CONTEXT_SAMPLES + i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
    }
    this.context = input.slice(input.length - CONTEXT_SAMPLES);
    const out = await this.session.run({ input: new this.ort.Tensor('float32', input, [1, input.length]), state: this.state, sr: this.sr });
    const next = out['stateN'];
    const p = out['output']?.data[0];
    if (!next || typeof p !== 'number') throw new Error('Silero returned no state or no output');
    this.state = next;
    return p;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
