import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerSpeechStats,
  backgroundSpeechFlags,
  CantHearTracker,
  DEFAULT_SPEECH_CONFIG,
  frameDbfs,
  quietLevelDbfs,
  DEFAULT_CANT_HEAR_CONFIG,
  segmentSpeech,
  SILERO_FRAME_MS,
  type SpeechConfig,
} from '../../../../shared/audio/speech-activity';

const F = SILERO_FRAME_MS; // 32 ms
const cfg: SpeechConfig = { ...DEFAULT_SPEECH_CONFIG }; // start 0.5, stop 0.35, minSpeech 250, minSilence 600, pad 96

const frames = (...runs: Array<[number, number]>): number[] => runs.flatMap(([p, n]) => Array<number>(n).fill(p));

describe('segmentSpeech', () => {
  it('finds one padded segment around a block of speech', () => {
    const p = frames([0, 10], [0.9, 50], [0, 40]);
    expect(segmentSpeech(p, cfg)).toEqual([{ startMs: 10 * F - 96, endMs: 60 * F + 96 }]);
  });

  it('drops speech shorter than minSpeechMs (a click or a cough)', () => {
    expect(segmentSpeech(frames([0, 10], [0.95, 7], [0, 40]), cfg)).toEqual([]); // 224 ms < 250
    expect(segmentSpeech(frames([0, 10], [0.95, 8], [0, 40]), cfg)).toHaveLength(1); // 256 ms
  });

  it('bridges pauses shorter than minSilenceMs and splits at longer ones', () => {
    const short = frames([0.9, 20], [0.1, 18], [0.9, 20], [0, 30]); // 576 ms pause
    expect(segmentSpeech(short, cfg)).toEqual([{ startMs: 0, endMs: 58 * F + 96 }]);
    const long = frames([0.9, 20], [0.1, 19], [0.9, 20], [0, 30]); // 608 ms pause
    expect(segmentSpeech(long, cfg)).toEqual([
      { startMs: 0, endMs: 20 * F + 96 },
      { startMs: 39 * F - 96, endMs: 59 * F + 96 },
    ]);
  });

  it('keeps speech going through frames between the thresholds, but never starts on them', () => {
    expect(segmentSpeech(frames([0.4, 100]), cfg)).toEqual([]);
    const p = frames([0.9, 10], [0.4, 60], [0, 30]);
    expect(segmentSpeech(p, cfg)).toEqual([{ startMs: 0, endMs: 70 * F + 96 }]);
  });

  it('does not let between-threshold frames cancel a silence that has begun', () => {
    // 0.9 ×10, then 0.1 ×5 (silence starts), then 0.4 ×20: the silence runs on to 600 ms.
    const p = frames([0.9, 10], [0.1, 5], [0.4, 20], [0, 10]);
    expect(segmentSpeech(p, cfg)).toEqual([{ startMs: 0, endMs: 10 * F + 96 }]);
  });

  it('treats NaN and out-of-range probabilities as no speech or clamps them', () => {
    expect(segmentSpeech(frames([Number.NaN, 50]), cfg)).toEqual([]);
    expect(segmentSpeech(frames([7, 20], [-3, 30]), cfg)).toEqual([{ startMs: 0, endMs: 20 * F + 96 }]);
  });

  it('refuses a hostile configuration', () => {
    expect(() => segmentSpeech([0.9], { ...cfg, stopThreshold: 0.9, startThreshold: 0.5 })).toThrow();
    expect(() => segmentSpeech([0.9], { ...cfg, frameMs: 0 })).toThrow();
    expect(() => segmentSpeech([0.9], { ...cfg, padMs: Number.POSITIVE_INFINITY })).toThrow();
    expect(() => segmentSpeech([0.9], { ...cfg, extra: 1 } as SpeechConfig)).toThrow();
  });

  const probArb = fc.array(
    fc.oneof(fc.constantFrom(0, 0.1, 0.34, 0.35, 0.4, 0.49, 0.5, 0.8, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    { maxLength: 400 },
  );

  it('property: segments are ordered, disjoint, inside the clip and at least minSpeech long', () => {
    fc.assert(
      fc.property(probArb, (p) => {
        const segs = segmentSpeech(p, cfg);
        const total = p.length * F;
        let prevEnd = -1;
        for (const s of segs) {
          expect(s.startMs).toBeGreaterThan(prevEnd);
          expect(s.startMs).toBeGreaterThanOrEqual(0);
          expect(s.endMs).toBeLessThanOrEqual(total + 1e-9);
          expect(s.endMs - s.startMs).toBeGreaterThanOrEqual(Math.min(cfg.minSpeechMs, total) - 1e-9);
          prevEnd = s.endMs;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('property: a run of start-level frames as long as minSpeech is always covered', () => {
    fc.assert(
      fc.property(probArb, (p) => {
        const segs = segmentSpeech(p, cfg);
        const need = Math.ceil(cfg.minSpeechMs / F);
        let run = 0;
        for (let i = 0; i < p.length; i++) {
          run = p[i]! >= cfg.startThreshold ? run + 1 : 0;
          if (run >= need) {
            for (let k = i - need + 1; k <= i; k++) {
              const mid = (k + 0.5) * F;
              expect(segs.some((s) => s.startMs <= mid && mid <= s.endMs), `frame ${k}`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('property: a frame surrounded by long silence is never covered', () => {
    fc.assert(
      fc.property(probArb, (p) => {
        const segs = segmentSpeech(p, cfg);
        const padF = Math.ceil(cfg.padMs / F);
        const silF = Math.ceil(cfg.minSilenceMs / F);
        for (let i = 0; i < p.length; i++) {
          let quiet = true;
          for (let k = Math.max(0, i - silF - padF); k <= Math.min(p.length - 1, i + padF); k++) if (p[k]! >= cfg.stopThreshold) quiet = false;
          if (!quiet) continue;
          const mid = (i + 0.5) * F;
          expect(segs.some((s) => s.startMs < mid && mid < s.endMs), `frame ${i} of ${JSON.stringify(p)}`).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('answerSpeechStats', () => {
  it('reports speaking time, the leading silence and long pauses', () => {
    const p = frames([0, 100], [0.9, 100], [0, 125], [0.9, 50], [0, 50]);
    const s = answerSpeechStats(p, cfg);
    expect(s.durationMs).toBe(425 * F);
    expect(s.segments).toBe(2);
    expect(s.leadingSilenceMs).toBe(100 * F - 96);
    expect(s.speakingMs).toBe(100 * F + 2 * 96 + 50 * F + 2 * 96);
    expect(s.longestPauseMs).toBe(125 * F - 2 * 96);
    expect(s.longPauses).toBe(1); // 3.808 s ≥ 3 s
    expect(s.silences).toHaveLength(3);
  });

  it('counts a silent answer as all silence', () => {
    const s = answerSpeechStats(frames([0.1, 300]), cfg);
    expect(s).toMatchObject({ speakingMs: 0, segments: 0, leadingSilenceMs: 300 * F, longestPauseMs: 0, longPauses: 0 });
    expect(s.silences).toEqual([{ startMs: 0, endMs: 300 * F }]);
  });

  it('property: speech and silences tile the answer exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }), (p) => {
        const s = answerSpeechStats(p, cfg);
        const silent = s.silences.reduce((a, x) => a + (x.endMs - x.startMs), 0);
        expect(s.speakingMs + silent).toBeCloseTo(s.durationMs, 6);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CantHearTracker ("we can\'t hear you")', () => {
  const run = (t: CantHearTracker, n: number, p: number, db: number) => {
    const evs = [];
    for (let i = 0; i < n; i++) {
      const e = t.push(p, db);
      if (e) evs.push(e);
    }
    return evs;
  };

  it('fires after 8 s of no speech at the default floor, and clears when speech is heard', () => {
    const t = new CantHearTracker();
    expect(run(t, 249, 0.05, -70)).toEqual([]);
    expect(run(t, 1, 0.05, -70)).toEqual([{ type: 'cant_hear_start', atMs: 250 * F }]);
    expect(t.showing).toBe(true);
    const evs = run(t, 10, 0.9, -25);
    expect(evs).toHaveLength(1);
    expect(evs[0]!.type).toBe('cant_hear_end');
    expect(t.showing).toBe(false);
  });

  it('does not fire while the room is loud above the floor (a silent but audible candidate)', () => {
    const t = new CantHearTracker({ noiseFloorDbfs: -60 });
    expect(quietLevelDbfs({ ...DEFAULT_CANT_HEAR_CONFIG, noiseFloorDbfs: -60 })).toBe(-54);
    expect(run(t, 1000, 0.05, -50)).toEqual([]);
  });

  it('uses the measured noise floor plus the margin, capped for a noisy pre-check', () => {
    const t = new CantHearTracker({ noiseFloorDbfs: -50 });
    expect(run(t, 300, 0.1, -45)).toHaveLength(1); // -45 <= -44
    expect(quietLevelDbfs({ ...DEFAULT_CANT_HEAR_CONFIG, noiseFloorDbfs: -20 })).toBe(-40);
  });

  it('does not fire while speech is detected, even at a low level', () => {
    expect(run(new CantHearTracker(), 1000, 0.9, -70)).toEqual([]);
  });

  it('tolerates a click but restarts the count after a longer loud stretch', () => {
    const clicky = new CantHearTracker();
    const evs = [];
    for (let i = 0; i < 260; i++) {
      const e = clicky.push(0.05, i % 50 === 0 ? -10 : -80);
      if (e) evs.push(e);
    }
    expect(evs.map((e) => e.type)).toEqual(['cant_hear_start']);
    const t = new CantHearTracker();
    run(t, 200, 0.05, -80);
    run(t, 10, 0.05, -20); // 320 ms > 200 ms tolerance
    expect(run(t, 249, 0.05, -80)).toEqual([]);
    expect(run(t, 1, 0.05, -80)).toHaveLength(1);
  });

  it('treats a dead microphone (−Infinity, NaN) as quiet', () => {
    const t = new CantHearTracker();
    expect(run(t, 125, Number.NaN, Number.NEGATIVE_INFINITY).length + run(t, 125, 0, Number.NaN).length).toBe(1);
  });

  it('refuses a hostile configuration', () => {
    expect(() => new CantHearTracker({ cantHearMs: 0 })).toThrow();
    expect(() => new CantHearTracker({ noiseFloorDbfs: 5 })).toThrow();
    expect(() => new CantHearTracker({ frameMs: Number.NaN })).toThrow();
  });
});

describe('backgroundSpeechFlags', () => {
  const build = (runs: Array<[p: number, db: number, n: number]>) => ({
    p: runs.flatMap(([p, , n]) => Array<number>(n).fill(p)),
    db: runs.flatMap(([, db, n]) => Array<number>(n).fill(db)),
  });

  it('flags sustained speech far below the candidate\'s own level, with its time and drop', () => {
    const { p, db } = build([[0.9, -20, 300], [0.05, -70, 40], [0.9, -45, 100], [0.05, -70, 40]]);
    const flags = backgroundSpeechFlags(p, db);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ startMs: 340 * F, endMs: 440 * F, levelDbfs: -45, dropDb: 25 });
    expect(flags[0]!.confidence).toBeGreaterThan(0);
    expect(flags[0]!.confidence).toBeLessThanOrEqual(1);
  });

  it('does not flag short or only slightly quieter speech', () => {
    const brief = build([[0.9, -20, 300], [0.05, -70, 40], [0.9, -45, 30], [0.05, -70, 40]]);
    expect(backgroundSpeechFlags(brief.p, brief.db)).toEqual([]);
    const near = build([[0.9, -20, 300], [0.05, -70, 40], [0.9, -30, 100], [0.05, -70, 40]]);
    expect(backgroundSpeechFlags(near.p, near.db)).toEqual([]);
  });

  it('says nothing before it knows the candidate\'s level', () => {
    const { p, db } = build([[0.9, -20, 40], [0.05, -70, 40], [0.9, -50, 50]]) // 2.88 s of speech in all;
    expect(backgroundSpeechFlags(p, db)).toEqual([]);
  });

  it('refuses mismatched inputs', () => {
    expect(() => backgroundSpeechFlags([0.9], [])).toThrow(RangeError);
  });
});

describe('frameDbfs', () => {
  it('measures a full-scale square wave at 0 dBFS and silence at the floor', () => {
    expect(frameDbfs(Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? 1 : -1)))).toBeCloseTo(0, 6);
    expect(frameDbfs(new Float32Array(512).fill(0.1))).toBeCloseTo(-20, 6);
    expect(frameDbfs(new Float32Array(512))).toBe(-120);
    expect(frameDbfs([Number.NaN, Number.NaN])).toBe(-120);
  });
});

describe('fairness: speech timing never enters a score', () => {
  /** Every repository file the scorer reaches through relative imports. */
  function reach(entry: string, seen = new Set<string>()): Set<string> {
    if (seen.has(entry)) return seen;
    seen.add(entry);
    const src = readFileSync(entry, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const base = resolve(dirname(entry), m[1]!);
      for (const cand of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
        try {
          if (statSync(cand).isFile()) {
            reach(cand, seen);
            break;
          }
        } catch {
          // not this candidate
        }
      }
    }
    return seen;
  }

  it('no scoring module reaches the speech-activity code, directly or transitively', () => {
    const roots = ['main/services/scoring', 'shared/scoring'].flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => resolve(d, f)));
    expect(roots.length).toBeGreaterThan(5);
    const reached = new Set<string>();
    for (const r of roots) reach(r, reached);
    const target = resolve('shared/audio/speech-activity.ts');
    expect([...reached].filter((f) => f.includes(`${join('shared', 'audio')}`) || f === target)).toEqual([]);
    // The walker does find what the scorer imports, so an empty answer above means something.
    expect([...reached].some((f) => f.endsWith(join('scoring', 'signals.ts')))).toBe(true);
  });

  it('the scorer\'s declared signals name nothing about speech, timing or pauses', async () => {
    const { FEATURE_IDS } = await import('../../../../main/services/scoring/signals');
    for (const id of FEATURE_IDS) expect(id).not.toMatch(/speech|speak|pause|silence|vad|voice|audio|timing|duration/i);
  });
});

describe('FrameAssembler', () => {
  it('property: any block sizes yield exactly the input, in order, in whole frames', async () => {
    const { FrameAssembler } = await import('../../../../shared/audio/speech-activity');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 12 }), (sizes) => {
        const a = new FrameAssembler(512);
        let next = 0;
        let seen = 0;
        let inOrder = true;
        for (const n of sizes) {
          const block = Float32Array.from({ length: n }, () => next++);
          const frames = a.push(block);
          expect(frames.length % 512).toBe(0);
          for (const v of frames) if (v !== seen++) inOrder = false;
        }
        expect(inOrder).toBe(true);
        expect(seen + a.pending).toBe(next);
        expect(a.pending).toBeLessThan(512);
      }),
      { numRuns: 150 },
    );
  });

  it('turns NaN samples into silence and refuses oversized blocks without keeping them', async () => {
    const { FrameAssembler } = await import('../../../../shared/audio/speech-activity');
    const a = new FrameAssembler(4, 8);
    expect(Array.from(a.push([1, Number.NaN, 3, Number.POSITIVE_INFINITY, 5]))).toEqual([1, 0, 3, 0]);
    expect(() => a.push(new Float32Array(9))).toThrow(RangeError);
    expect(a.pending).toBe(1);
    expect(() => new FrameAssembler(0)).toThrow(RangeError);
  });
});

describe('levelOnlyProbability (the fallback without the model)', () => {
  it('is speech only 10 dB over the quiet level', async () => {
    const { levelOnlyProbability } = await import('../../../../shared/audio/speech-activity');
    expect(levelOnlyProbability(-45, -55)).toBe(1);
    expect(levelOnlyProbability(-45.1, -55)).toBe(0);
    expect(levelOnlyProbability(Number.NaN, -55)).toBe(0);
  });
});
