/**
 * `npm run bench:vad -- --json`: speech recall and false alarms of the kiosk's voice-activity path
 * (Silero VAD v5 from @ricky0123/vad-web on onnxruntime-web's wasm backend, one thread, through
 * shared/audio/silero.ts and shared/audio/speech-activity.ts — the code the renderer runs).
 *
 * Clips are made here, at bench time, in a temp dir that is deleted afterwards (never in git):
 *  - speech: Debian's espeak-ng, zh (cmn) and en (en-us, en-gb), voice variants, speeds and pitches
 *    from a seeded generator, resampled to 16 kHz by sox; two utterances per clip with silence
 *    around them; mixed with white, pink (Kellet filter) or babble (four other espeak talkers)
 *    noise at 20, 10 and 5 dB SNR (speech power over the active frames of the clean clip);
 *  - no speech (false alarms): digital silence, faint and loud white noise, pink noise, beeps
 *    (tones and sweeps) and clicks (short decaying bursts).
 * Ground truth is the clean clip's own energy envelope (512-sample frames more than 40 dB under
 * its loudest frame or below -55 dBFS are silence), computed here from the samples — it shares no
 * code with the VAD or with speech-activity.ts.
 *
 * recall = ground-truth speech frames inside a detected segment / ground-truth speech frames.
 * falseAlarmsPerMinute = detected segments in the no-speech clips / their length in minutes.
 * rtf = inference time / audio time (one thread). Exit 1 when a target is missed.
 * `--control never|always` replaces the model's output with a constant: both must exit 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { SileroVad } from '../../shared/audio/silero';
import { DEFAULT_SPEECH_CONFIG, SILERO_FRAME_SAMPLES, SILERO_SAMPLE_RATE, segmentSpeech, type Segment } from '../../shared/audio/speech-activity';
import { percentile, round2 } from './bench-util';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, dflt: number, max = 1000) => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.log(JSON.stringify({ bench: 'vad', error: `--${name} must be an integer 1..${max}`, pass: false }));
    process.exit(2);
  }
  return v;
};
const JSON_OUT = flag('json');
// A control replaces the model's output, to show the gate can fail: `never` (nothing is speech)
// must miss recall, `always` (everything is speech) must miss the pause and false-alarm targets.
const CONTROL = ((): 'none' | 'never' | 'always' => {
  const i = argv.indexOf('--control');
  const v = i >= 0 ? argv[i + 1] : 'none';
  if (v !== 'none' && v !== 'never' && v !== 'always') {
    console.log(JSON.stringify({ bench: 'vad', error: '--control must be none, never or always', pass: false }));
    process.exit(2);
  }
  return v;
})();
const CLIPS = opt('clips', 2); // per language × noise × SNR
const SEED = opt('seed', 20261207, 2 ** 31);
const FA_SECONDS = opt('fa-seconds', 20); // per no-speech clip kind
const POOL_PER_SENTENCE = opt('voices', 1, 10); // espeak renderings of each sentence

const TARGET = { recallAt5dB: 0.95, recallAll: 0.95, falseAlarmsPerMinute: 1, pauseDetectedShare: 0.25, rtf: 0.25 } as const;
const SNRS = [20, 10, 5] as const;
const NOISES = ['white', 'pink', 'babble'] as const;
type Noise = (typeof NOISES)[number];
const FRAME = SILERO_FRAME_SAMPLES;
const SR = SILERO_SAMPLE_RATE;

const log = (...a: unknown[]) => {
  if (!JSON_OUT) console.log(...a);
  else process.stderr.write(`${a.join(' ')}\n`);
};

// Seeded PRNG (mulberry32) and a Gaussian from it.
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => {
    const u = Math.max(1e-12, next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, gauss, pick };
}
const R = rng(SEED);

const SENTENCES = {
  en: [
    'Thank you for the question. In my last project I led a team of four engineers.',
    'We reduced the error rate by forty percent in three months.',
    'I think the most important thing is to listen to the customer first.',
    'When the deployment failed, I rolled it back and wrote a short report for the team.',
    'My task was to move the billing system to the new database without any downtime.',
    'In the end the customer renewed the contract for two more years.',
  ],
  zh: [
    '谢谢您的问题。在上一个项目中，我带领四名工程师完成了系统迁移。',
    '我们在三个月内把错误率降低了百分之四十。',
    '我认为最重要的是先倾听客户的真实需求。',
    '部署失败以后，我立刻回滚，并给团队写了一份简短的报告。',
    '我的任务是在不停机的情况下，把计费系统迁移到新的数据库。',
    '最后，客户和我们续签了两年的合同。',
  ],
} as const;
const VOICES = { en: ['en-us', 'en-gb', 'en-us+f3', 'en-gb+m3', 'en-us+f2'], zh: ['cmn', 'cmn+f3', 'cmn+m3', 'cmn+f2'] } as const;
type Lang = keyof typeof SENTENCES;

function need(cmd: string): void {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} is not installed (apt-get install -y espeak-ng sox)`);
}

function readWav16(file: string): Float32Array {
  const b = readFileSync(file);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a WAV file`);
  let off = 12;
  let fmtOk = false;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      const format = b.readUInt16LE(body);
      const channels = b.readUInt16LE(body + 2);
      const rate = b.readUInt32LE(body + 4);
      const bits = b.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || rate !== SR || bits !== 16) throw new Error(`${file}: want PCM16 mono ${SR} Hz, got ${format}/${channels}/${rate}/${bits}`);
      fmtOk = true;
    } else if (id === 'data') {
      if (!fmtOk) throw new Error(`${file}: data before fmt`);
      if (size === 0xffffffff || body + size > b.length) size = b.length - body; // streamed WAV
      const out = new Float32Array(size >> 1);
      for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(body + 2 * i) / 32768;
      return out;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

let uttCount = 0;
function speak(dir: string, lang: Lang, text: string): Float32Array {
  const voice = R.pick(VOICES[lang]);
  const speed = 130 + Math.floor(R.next() * 50);
  const pitch = 30 + Math.floor(R.next() * 40);
  const raw = path.join(dir, `u${uttCount}.raw.wav`);
  const wav = path.join(dir, `u${uttCount++}.wav`);
  const e = spawnSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', raw, text], { encoding: 'utf8' });
  if (e.status !== 0) throw new Error(`espeak-ng failed: ${e.stderr}`);
  const s = spawnSync('sox', [raw, '-r', String(SR), '-c', '1', '-b', '16', '-e', 'signed-integer', wav], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(`sox failed: ${s.stderr}`);
  return readWav16(wav);
}

const silence = (seconds: number) => new Float32Array(Math.round(seconds * SR));
function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The oracle: per-frame energy of the clean clip, independent of the VAD. */
function groundTruth(clean: Float32Array): boolean[] {
  const n = Math.floor(clean.length / FRAME);
  const db: number[] = [];
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) s += clean[i]! * clean[i]!;
    db.push(10 * Math.log10(s / FRAME + 1e-20));
  }
  const peak = Math.max(...db);
  return db.map((d) => d > peak - 40 && d > -55);
}

function power(x: Float32Array, mask?: boolean[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask && !mask[Math.floor(i / FRAME)]) continue;
    s += x[i]! * x[i]!;
    n++;
  }
  return n > 0 ? s / n : 0;
}

function scaleTo(x: Float32Array, targetPower: number, currentPower: number): Float32Array {
  const g = currentPower > 0 ? Math.sqrt(targetPower / currentPower) : 0;
  return x.map((v) => v * g);
}

function white(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => R.gauss());
}
/** Paul Kellet's pink filter over white noise. */
function pink(n: number): Float32Array {
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = R.gauss();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return out;
}
let babbleBank: Float32Array[] = [];
function babble(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let talker = 0; talker < 4; talker++) {
    let o = -Math.floor(R.next() * SR * 2);
    while (o < n) {
      const u = R.pick(babbleBank);
      const p = power(u);
      for (let i = 0; i < u.length; i++) if (o + i >= 0 && o + i < n) out[o + i]! += u[i]! / Math.sqrt(p + 1e-12);
      o += u.length + Math.floor(R.next() * SR * 0.2);
    }
  }
  return out;
}
const noiseOf = (kind: Noise, n: number) => (kind === 'white' ? white(n) : kind === 'pink' ? pink(n) : babble(n));

function mix(clean: Float32Array, truth: boolean[], kind: Noise, snrDb: number): Float32Array {
  const speech = scaleTo(clean, 10 ** (-26 / 10), power(clean, truth)); // speech at -26 dBFS
  const n0 = noiseOf(kind, clean.length);
  const noise = scaleTo(n0, power(speech, truth) / 10 ** (snrDb / 10), power(n0));
  const out = speech.map((v, i) => v + noise[i]!);
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  return peak > 0.99 ? out.map((v) => (v * 0.99) / peak) : out;
}

function noSpeechClips(): Array<{ kind: string; audio: Float32Array }> {
  const n = FA_SECONDS * SR;
  const at = (db: number, x: Float32Array) => scaleTo(x, 10 ** (db / 10), power(x));
  const beeps = new Float32Array(n);
  for (let t = 0.5; t < FA_SECONDS - 1; t += 1.7) {
    const f0 = R.pick([440, 1000, 2000, 3150]);
    const sweep = R.next() < 0.3;
    const len = Math.floor((0.15 + R.next() * 0.5) * SR);
    const start = Math.floor(t * SR);
    let ph = 0;
    for (let i = 0; i < len && start + i < n; i++) {
      const f = sweep ? f0 * (1 + i / len) : f0;
      ph += (2 * Math.PI * f) / SR;
      beeps[start + i] = 0.3 * Math.sin(ph) * Math.min(1, i / 80, (len - i) / 80);
    }
  }
  const clicks = new Float32Array(n);
  for (let t = 0.2; t < FA_SECONDS - 0.2; t += 0.08 + R.next() * 0.6) {
    const start = Math.floor(t * SR);
    const amp = 0.2 + R.next() * 0.6;
    for (let i = 0; i < 160 && start + i < n; i++) clicks[start + i] = amp * R.gauss() * Math.exp(-i / 25);
  }
  return [
    { kind: 'silence', audio: new Float32Array(n) },
    { kind: 'faint-white', audio: at(-65, white(n)) },
    { kind: 'white', audio: at(-30, white(n)) },
    { kind: 'pink', audio: at(-30, pink(n)) },
    { kind: 'beeps', audio: beeps },
    { kind: 'clicks', audio: clicks },
  ];
}

async function probabilities(vad: SileroVad, audio: Float32Array, times: number[]): Promise<number[]> {
  vad.reset();
  const out: number[] = [];
  for (let f = 0; f + FRAME <= audio.length; f += FRAME) {
    const frame = audio.subarray(f, f + FRAME);
    const t0 = performance.now();
    const p = await vad.process(frame);
    out.push(CONTROL === 'never' ? 0 : CONTROL === 'always' ? 1 : p);
    times.push(performance.now() - t0);
  }
  return out;
}

function covered(segs: Segment[], frame: number): boolean {
  const mid = (frame + 0.5) * DEFAULT_SPEECH_CONFIG.frameMs;
  return segs.some((s) => s.startMs <= mid && mid < s.endMs);
}

async function main(): Promise<void> {
  const wallStart = performance.now();
  need('espeak-ng');
  need('sox');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-vad-bench-'));
  try {
    const dist = path.resolve('node_modules/onnxruntime-web/dist') + path.sep;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = dist;
    ort.env.logLevel = 'error';
    const model = readFileSync(path.resolve('node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'));
    const vad = await SileroVad.create(ort, new Uint8Array(model));

    const genStart = performance.now();
    babbleBank = (['en', 'zh'] as const).flatMap((l) => SENTENCES[l].slice(0, 3).map((s) => speak(dir, l, s)));
    // A pool of utterances per language (every sentence, random voices), combined in pairs: the
    // espeak and sox processes dominate generation time, so each utterance is used several times.
    const pool = {
      en: SENTENCES.en.flatMap((s) => Array.from({ length: POOL_PER_SENTENCE }, () => speak(dir, 'en', s))),
      zh: SENTENCES.zh.flatMap((s) => Array.from({ length: POOL_PER_SENTENCE }, () => speak(dir, 'zh', s))),
    };
    const clips: Array<{ lang: Lang; clean: Float32Array; truth: boolean[] }> = [];
    for (const lang of ['en', 'zh'] as const) {
      for (let c = 0; c < CLIPS * NOISES.length * SNRS.length; c++) {
        const a = R.pick(pool[lang]);
        let b = R.pick(pool[lang]);
        while (b === a) b = R.pick(pool[lang]);
        const clean = concat([silence(0.8 + R.next()), a, silence(1 + R.next()), b, silence(0.8 + R.next())]);
        clips.push({ lang, clean, truth: groundTruth(clean) });
      }
    }
    const genMs = performance.now() - genStart;
    log(`generated ${clips.length} speech clips in ${Math.round(genMs)} ms`);

    const times: number[] = [];
    let audioFrames = 0;
    const hit: Record<string, [number, number]> = {};
    const add = (key: string, h: number, t: number) => {
      const cur = hit[key] ?? [0, 0];
      hit[key] = [cur[0] + h, cur[1] + t];
    };
    const byLang = { en: clips.filter((x) => x.lang === 'en'), zh: clips.filter((x) => x.lang === 'zh') };
    const used = { en: 0, zh: 0 };
    for (const snr of SNRS) {
      for (const noise of NOISES) {
        for (const lang of ['en', 'zh'] as const) {
          for (let c = 0; c < CLIPS; c++) {
            const clip = byLang[lang][used[lang]++]!; // each mix its own clip
            const audio = mix(clip.clean, clip.truth, noise, snr);
            const probs = await probabilities(vad, audio, times);
            audioFrames += probs.length;
            const segs = segmentSpeech(probs);
            let h = 0;
            let t = 0;
            clip.truth.forEach((sp, f) => {
              if (!sp || f >= probs.length) return;
              t++;
              if (covered(segs, f)) h++;
            });
            for (const k of ['all', `snr${snr}`, `${noise}@${snr}`, `${lang}@${snr}`]) add(k, h, t);
            if (noise !== 'babble') {
              // Counter-check: the pauses of the clip (frames farther than 0.8 s from any speech
              // frame of the clean clip) must mostly stay undetected, or "recall" means nothing.
              const far = Math.ceil(800 / DEFAULT_SPEECH_CONFIG.frameMs);
              clip.truth.forEach((sp, f) => {
                if (sp || f >= probs.length) return;
                for (let k = Math.max(0, f - far); k <= Math.min(clip.truth.length - 1, f + far); k++) if (clip.truth[k]) return;
                add(`pause@${snr}`, covered(segs, f) ? 1 : 0, 1);
              });
            }
          }
        }
      }
    }

    let faSegments = 0;
    let faFrames = 0;
    let faFramesTotal = 0;
    const faByKind: Record<string, number> = {};
    for (const { kind, audio } of noSpeechClips()) {
      const probs = await probabilities(vad, audio, times);
      audioFrames += probs.length;
      const segs = segmentSpeech(probs);
      faByKind[kind] = segs.length;
      faSegments += segs.length;
      faFramesTotal += probs.length;
      probs.forEach((_, f) => {
        if (covered(segs, f)) faFrames++;
      });
    }
    await vad.release();

    const ratio = (k: string) => {
      const [h, t] = hit[k] ?? [0, 0];
      return t > 0 ? Math.round((h / t) * 10000) / 10000 : 0;
    };
    const recall = ratio('all');
    const recallBySnr = Object.fromEntries(SNRS.map((s) => [`${s}dB`, ratio(`snr${s}`)]));
    const recallByNoise = Object.fromEntries(SNRS.flatMap((s) => NOISES.map((n) => [`${n}@${s}dB`, ratio(`${n}@${s}`)])));
    const recallByLang = Object.fromEntries(SNRS.flatMap((s) => (['en', 'zh'] as const).map((l) => [`${l}@${s}dB`, ratio(`${l}@${s}`)])));
    const faMinutes = (faFramesTotal * FRAME) / SR / 60;
    const falseAlarmsPerMinute = round2(faSegments / faMinutes);
    const inferenceMs = times.reduce((a, b) => a + b, 0);
    const audioMs = (audioFrames * FRAME * 1000) / SR;
    const rtf = Math.round((inferenceMs / audioMs) * 10000) / 10000;
    const recallAt5dB = recallBySnr['5dB'] ?? 0;
    const pauseDetectedShareBySnr = Object.fromEntries(SNRS.map((s) => [`${s}dB`, ratio(`pause@${s}`)]));
    const pauseDetectedShare = Math.max(...Object.values(pauseDetectedShareBySnr));
    const pauseFrames = SNRS.reduce((a, s) => a + (hit[`pause@${s}`]?.[1] ?? 0), 0);
    const pass =
      recallAt5dB >= TARGET.recallAt5dB && recall >= TARGET.recallAll && falseAlarmsPerMinute <= TARGET.falseAlarmsPerMinute && rtf <= TARGET.rtf &&
      pauseDetectedShare <= TARGET.pauseDetectedShare &&
      (hit['all']?.[1] ?? 0) > 0 &&
      pauseFrames > 0;
    const result = {
      bench: 'vad',
      model: 'silero_vad_v5 (onnxruntime-web wasm, 1 thread)',
      speechClips: clips.length,
      mixes: SNRS.length * NOISES.length * 2 * CLIPS,
      recall,
      recallAt5dB,
      recallBySnr,
      recallByNoise,
      recallByLang,
      pauseDetectedShare,
      pauseDetectedShareBySnr,
      pauseFrames,
      falseAlarmsPerMinute,
      falseAlarmsByKind: faByKind,
      falseAlarmFrameShare: Math.round((faFrames / Math.max(1, faFramesTotal)) * 10000) / 10000,
      noSpeechMinutes: round2(faMinutes),
      audioSeconds: round2(audioMs / 1000),
      rtf,
      frameMsP50: round2(percentile(times, 50)),
      frameMsP95: round2(percentile(times, 95)),
      generateMs: Math.round(genMs),
      inferenceMs: Math.round(inferenceMs),
      wallMs: Math.round(performance.now() - wallStart),
      seed: SEED,
      control: CONTROL,
      target: TARGET,
      pass,
    };
    if (!JSON_OUT) log(result);
    console.log(JSON.stringify(result));
    process.exitCode = pass ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.log(JSON.stringify({ bench: 'vad', error: e instanceof Error ? e.message : String(e), target: TARGET, pass: false }));
  process.exitCode = 1;
});
