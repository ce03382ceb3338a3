import { describe, expect, it } from 'vitest';
import { VisionObservation } from '../../../shared/vision/flags';
import { facesFromHuman, frameStats } from '../../../shared/vision/observation';

const rgba = (pixels: Array<[number, number, number]>) => new Uint8ClampedArray(pixels.flatMap(([r, g, b]) => [r, g, b, 255]));

describe('frame statistics', () => {
  it('computes mean and spread of luma, and the difference to the previous frame', () => {
    const a = frameStats(rgba([[0, 0, 0], [255, 255, 255]]), null);
    expect(a.meanLuma).toBeCloseTo(127.5, 3);
    expect(a.lumaStdDev).toBeCloseTo(127.5, 3);
    expect(a.diffToPrev).toBeNull();
    const same = frameStats(rgba([[0, 0, 0], [255, 255, 255]]), a.luma);
    expect(same.diffToPrev).toBe(0);
    const changed = frameStats(rgba([[10, 10, 10], [255, 255, 255]]), a.luma);
    expect(changed.diffToPrev).toBe(5);
  });

  it('a black frame is dark and uniform; a frame of another size is not compared', () => {
    const black = frameStats(rgba(Array.from({ length: 16 }, () => [3, 3, 3] as [number, number, number])), null);
    expect(black).toMatchObject({ meanLuma: 3, lumaStdDev: 0 });
    expect(frameStats(rgba([[3, 3, 3]]), black.luma).diffToPrev).toBeNull();
  });

  it('weights green most (BT.601)', () => {
    expect(frameStats(rgba([[0, 255, 0]]), null).meanLuma).toBe(150);
    expect(frameStats(rgba([[0, 0, 255]]), null).meanLuma).toBe(29);
  });
});

describe('faces from Human', () => {
  it('keeps score, yaw and pitch in degrees and gaze strength, and nothing else', () => {
    const [f] = facesFromHuman([{ score: 0.93, rotation: { angle: { yaw: Math.PI / 4, pitch: -Math.PI / 18 }, gaze: { strength: 0.4 } }, ...({ emotion: [{ score: 1 }], age: 30 } as object) }]);
    expect(f).toEqual({ score: 0.93, yawDeg: 45, pitchDeg: -10, gazeStrength: 0.4 });
  });

  it('clamps or nulls what is missing or out of range, bounds the count, and always yields a valid observation', () => {
    const faces = facesFromHuman([{ score: 1.7, rotation: null }, { score: Number.NaN, rotation: { angle: { yaw: 99 }, gaze: { strength: -2 } } }, ...Array.from({ length: 50 }, () => ({ score: 0.5 }))]);
    expect(faces).toHaveLength(32);
    expect(faces[0]).toEqual({ score: 1, yawDeg: null, pitchDeg: null, gazeStrength: null });
    expect(faces[1]).toEqual({ score: 0, yawDeg: 180, pitchDeg: null, gazeStrength: 0 });
    expect(VisionObservation.safeParse({ at: 1, faces, frame: { meanLuma: 1, lumaStdDev: 1, diffToPrev: null } }).success).toBe(true);
  });
});
