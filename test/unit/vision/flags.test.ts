import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_GAP_MS, VisionFlagTracker, frameConditions, type VisionFlagEvent, type VisionObservation } from '../../../shared/vision/flags';
import { DEFAULT_VISION_POLICY, resolveVisionPolicy, VisionPackPolicy, type VisionPolicy } from '../../../shared/vision/policy';
import { PackPolicy } from '../../../main/services/packs/pack-schema';

const P = DEFAULT_VISION_POLICY;
const frontal: VisionObservation['faces'][number] = { score: 0.9, yawDeg: 2, pitchDeg: -3, gazeStrength: 0.1 };
const lit = { meanLuma: 120, lumaStdDev: 40, diffToPrev: 3 };
const obs = (at: number, faces: VisionObservation['faces'], frame: Partial<VisionObservation['frame']> = {}): VisionObservation => ({ at, faces, frame: { ...lit, ...frame } });

/** Feeds frames at 2 fps; returns every event, plus the events of finish() at the end. */
function run(frames: VisionObservation[], policy: VisionPolicy = P, finishAt?: number): VisionFlagEvent[] {
  const t = new VisionFlagTracker(policy);
  const out: VisionFlagEvent[] = [];
  for (const f of frames) {
    const r = t.push(f);
    if (!r.ok) throw new Error(r.code);
    out.push(...r.events);
  }
  if (finishAt !== undefined) out.push(...t.finish(finishAt));
  return out;
}
const at2fps = (fromMs: number, count: number, make: (at: number) => VisionObservation): VisionObservation[] => Array.from({ length: count }, (_, i) => make(fromMs + i * 500));

describe('no face', () => {
  it('flags a face absent for 5 s from the first empty frame, and ends it with its duration when the face returns', () => {
    const frames = [...at2fps(0, 4, (a) => obs(a, [frontal])), ...at2fps(2000, 14, (a) => obs(a, [])), ...at2fps(9000, 2, (a) => obs(a, [frontal]))];
    const ev = run(frames);
    expect(ev).toEqual([
      { type: 'started', kind: 'no_face', startedAt: 2000, at: 7000, confidence: 0.9 },
      { type: 'ended', kind: 'no_face', startedAt: 2000, endedAt: 9000, durationMs: 7000, confidence: 0.9, frames: 14, reason: 'cleared' },
    ]);
  });

  it('does not flag an absence shorter than the policy, and honours a pack that asks for 2 s', () => {
    const frames = [...at2fps(0, 9, (a) => obs(a, [])), obs(4500, [frontal])];
    expect(run(frames)).toEqual([]);
    const strict = resolveVisionPolicy({ noFaceSeconds: 2 });
    expect(run(frames, strict).map((e) => [e.type, e.kind, 'durationMs' in e ? e.durationMs : e.at])).toEqual([['started', 'no_face', 2000], ['ended', 'no_face', 4500]]);
  });

  it('tells the candidate at once (two frames) and stops telling when the face is back', () => {
    const t = new VisionFlagTracker(P);
    expect(t.push(obs(0, [frontal]))).toMatchObject({ ok: true, hint: null });
    expect(t.push(obs(500, []))).toMatchObject({ ok: true, hint: null });
    expect(t.push(obs(1000, []))).toMatchObject({ ok: true, hint: 'face_not_visible', events: [] });
    expect(t.push(obs(1500, [frontal]))).toMatchObject({ ok: true, hint: null });
  });
});

describe('multiple faces', () => {
  it('flags two faces held for 2 s with the second face\'s score as confidence', () => {
    const second = { ...frontal, score: 0.6 };
    const frames = [obs(0, [frontal]), ...at2fps(500, 6, (a) => obs(a, [frontal, second])), obs(3500, [frontal])];
    expect(run(frames)).toEqual([
      { type: 'started', kind: 'multiple_faces', startedAt: 500, at: 2500, confidence: 0.6 },
      { type: 'ended', kind: 'multiple_faces', startedAt: 500, endedAt: 3500, durationMs: 3000, confidence: 0.6, frames: 6, reason: 'cleared' },
    ]);
  });

  it('does not flag a second face seen for 1.5 s', () => {
    expect(run([...at2fps(0, 4, (a) => obs(a, [frontal, frontal])), obs(2000, [frontal])])).toEqual([]);
  });
});

describe('looking away', () => {
  it('counts a turned head, a tilted head, eyes off to the side and a face whose score collapsed, not a frontal face', () => {
    const c = (f: Partial<typeof frontal>) => frameConditions(obs(0, [{ ...frontal, ...f }]), P).looking_away;
    expect(c({})).toBeNull();
    expect(c({ yawDeg: 50 })).not.toBeNull();
    expect(c({ yawDeg: -50 })).not.toBeNull();
    expect(c({ yawDeg: 30 })).toBeNull();
    expect(c({ pitchDeg: 40 })).not.toBeNull();
    expect(c({ gazeStrength: 0.8 })).not.toBeNull();
    expect(c({ score: 0.25 })).not.toBeNull();
    expect(c({ yawDeg: null, pitchDeg: null, gazeStrength: null })).toBeNull();
  });

  it('flags looking away for 5 s and closes it when the answer ends', () => {
    const ev = run(at2fps(0, 12, (a) => obs(a, [{ ...frontal, yawDeg: 60 }])), P, 6000);
    expect(ev.map((e) => `${e.type}:${e.kind}:${e.type === 'ended' ? `${e.durationMs}:${e.reason}` : e.at}`)).toEqual(['started:looking_away:5000', 'ended:looking_away:6000:finished']);
  });
});

describe('camera covered or frozen', () => {
  it('a dark or uniform frame without a face is covered, not "no face"; a dark frame with a face is neither', () => {
    const dark = frameConditions(obs(0, [], { meanLuma: 8, lumaStdDev: 2 }), P);
    expect(dark.camera_covered).toBe(0.95);
    expect(dark.no_face).toBeNull();
    expect(frameConditions(obs(0, [], { meanLuma: 200, lumaStdDev: 1 }), P).camera_covered).toBe(0.75);
    const dimFace = frameConditions(obs(0, [frontal], { meanLuma: 30, lumaStdDev: 12 }), P);
    expect(dimFace.camera_covered).toBeNull();
    expect(dimFace.no_face).toBeNull();
  });

  it('flags a covered lens after 3 s and tells the candidate', () => {
    const t = new VisionFlagTracker(P);
    const rs = at2fps(0, 8, (a) => obs(a, [], { meanLuma: 5, lumaStdDev: 1 })).map((f) => t.push(f));
    expect(rs.at(-1)).toMatchObject({ ok: true, hint: 'camera_covered' });
    const started = rs.flatMap((r) => (r.ok ? r.events : []));
    expect(started).toEqual([{ type: 'started', kind: 'camera_covered', startedAt: 0, at: 3000, confidence: 0.95 }]);
  });

  it('flags identical frames for 5 s as frozen (a face in a frozen picture is not evidence of anything)', () => {
    const frames = at2fps(0, 12, (a) => obs(a, [frontal], { diffToPrev: a === 0 ? null : 0 }));
    const ev = run(frames);
    expect(ev).toEqual([{ type: 'started', kind: 'camera_frozen', startedAt: 500, at: 5500, confidence: 0.95 }]);
    expect(frameConditions(obs(0, [frontal], { diffToPrev: 0.8 }), P).camera_frozen).toBeNull();
  });
});

describe('robustness', () => {
  it('refuses hostile observations without changing state', () => {
    const t = new VisionFlagTracker(P);
    for (const bad of [null, {}, { at: -1, faces: [], frame: lit }, { at: 0, faces: Array(33).fill(frontal), frame: lit }, { at: 0, faces: [{ ...frontal, score: 2 }], frame: lit }, { at: 0, faces: [], frame: { ...lit, meanLuma: Number.NaN } }, { at: 0, faces: [], frame: lit, extra: 1 }, { at: 1.5, faces: [], frame: lit }]) {
      expect(t.push(bad)).toEqual({ ok: false, code: 'OBSERVATION_INVALID' });
    }
    expect(t.push(obs(1000, [])).ok).toBe(true);
    expect(t.push(obs(1000, []))).toEqual({ ok: false, code: 'OBSERVATION_OUT_OF_ORDER' });
    expect(t.push(obs(500, []))).toEqual({ ok: false, code: 'OBSERVATION_OUT_OF_ORDER' });
  });

  it('closes open flags at the last frame when frames stop for longer than the gap', () => {
    const frames = [...at2fps(0, 12, (a) => obs(a, [])), obs(5500 + MAX_GAP_MS + 1, [])];
    expect(run(frames).at(-1)).toEqual({ type: 'ended', kind: 'no_face', startedAt: 0, endedAt: 5500, durationMs: 5500, confidence: 0.9, frames: 12, reason: 'gap' });
  });

  it('produces nothing when the pack turns vision off', () => {
    expect(run(at2fps(0, 40, (a) => obs(a, [])), resolveVisionPolicy({ enabled: false }), 20_000)).toEqual([]);
  });

  // Oracle: for a stream of face counts (well lit, frontal), the runs of "0 faces" and "2+ faces" frames
  // with no gap, computed here independently; a run flags iff last-first >= duration, and ends at the
  // next frame of another kind, or at finish.
  it('matches an independent run-length oracle on random streams (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        (segments, noFaceHalfSeconds, multiHalfSeconds) => {
          const policy = resolveVisionPolicy({ noFaceSeconds: noFaceHalfSeconds / 2, multipleFacesSeconds: multiHalfSeconds / 2 });
          const counts = segments.flatMap(([n, len]) => Array<number>(len).fill(n));
          const frames = counts.map((n, i) => obs(i * 500, Array.from({ length: n }, () => frontal)));
          const end = counts.length * 500;
          const got = run(frames, policy, end).filter((e) => e.type === 'ended').map((e) => e.type === 'ended' ? [e.kind, e.startedAt, e.endedAt] : []);
          const want: Array<[string, number, number]> = [];
          const cls = (n: number) => (n === 0 ? 'no_face' : n >= 2 ? 'multiple_faces' : null);
          let i = 0;
          while (i < counts.length) {
            const k = cls(counts[i]!);
            let j = i;
            while (j + 1 < counts.length && cls(counts[j + 1]!) === k) j++;
            if (k !== null) {
              const need = (k === 'no_face' ? policy.noFaceSeconds : policy.multipleFacesSeconds) * 1000;
              if (j * 500 - i * 500 >= need) want.push([k, i * 500, (j + 1) * 500]);
            }
            i = j + 1;
          }
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('pack policy', () => {
  it('a pack without policy.vision decodes without it and resolves to the defaults', () => {
    expect(resolveVisionPolicy(undefined)).toEqual(DEFAULT_VISION_POLICY);
    expect(DEFAULT_VISION_POLICY).toMatchObject({ noFaceSeconds: 5, multipleFacesSeconds: 2 });
  });

  it('refuses out-of-range, unknown or non-numeric fields in the pack schema', () => {
    for (const bad of [{ noFaceSeconds: 0 }, { noFaceSeconds: 601 }, { yawDegrees: 5 }, { frozenMaxDiff: -1 }, { noFaceSeconds: '5' }, { scoreWeight: 1 }, { gazeStrength: Number.POSITIVE_INFINITY }]) {
      expect(VisionPackPolicy.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(VisionPackPolicy.parse({ noFaceSeconds: 8 })).toEqual({ noFaceSeconds: 8 });
    const shape = PackPolicy.shape.vision;
    expect(shape.safeParse(undefined).success).toBe(true);
    expect(shape.safeParse({ noFaceSeconds: -3 }).success).toBe(false);
  });
});
