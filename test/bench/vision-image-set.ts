/**
 * The oracle for `npm run bench:vision`: where each face comes from and how many faces every test
 * image holds. Images are NOT in git; test/bench/vision-bench.ts builds them with Debian's
 * ImageMagick from photos that ship inside the @vladmandic/human npm package, into a temp folder.
 *
 * Face crops come from `assets/screenshot-facematch.jpg` (1920×954): its "extracted faces" grid of
 * ~100 px cells (pitch 107 px across, 112 px down, first row at y=283), each chosen by eye as one
 * clear frontal face with no sunglasses. The cells carry small printed captions; they are part of
 * the photo. The background crop for the "scene" images (ceiling lamps in `assets/samples.jpg`,
 * 1280×1158) was chosen by eye to hold no face.
 *
 * The expected count is decided here by a person, never by running a detector.
 */

export const FACE_SOURCE = 'assets/screenshot-facematch.jpg';
export const SCENE_SOURCE = 'assets/samples.jpg';

export interface Crop { readonly x: number; readonly y: number; readonly w: number; readonly h: number }

const cell = (row: number, col: number): Crop => ({ x: 107 * col + 2, y: 283 + 112 * row, w: 100, h: 106 });

/** Twelve different people's faces (row, column in the grid). */
export const FACE_CROPS: readonly Crop[] = [
  cell(0, 0), cell(0, 2), cell(1, 4), cell(1, 5), cell(2, 1), cell(2, 2),
  cell(2, 3), cell(2, 5), cell(2, 6), cell(0, 3), cell(0, 5), cell(0, 1),
];

/** A no-face region of samples.jpg (lamps and ceiling of the group photo), used as a busy background. */
export const SCENE_CROP: Crop = { x: 820, y: 270, w: 440, h: 200 };

export type Variant =
  | 'frontal' | 'turned' | 'rolled' | 'dark' | 'small' | 'half_out'
  | 'empty' | 'scene' | 'covered' | 'two' | 'four';

export interface Placement {
  readonly face: number;
  /** left/top of the scaled face in the 640×480 frame; may be negative (partly outside). */
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly transform?: 'turn' | 'roll';
}

export interface TestImage {
  readonly id: string;
  readonly variant: Variant;
  readonly background: 'plain' | 'scene';
  readonly faces: readonly Placement[];
  readonly dark?: boolean;
  readonly covered?: boolean;
  /** Faces a person counts in the finished image. */
  readonly expectedFaces: number;
}

export const WIDTH = 640;
export const HEIGHT = 480;

function singles(): TestImage[] {
  const out: TestImage[] = [];
  for (let f = 0; f < 6; f++) {
    const bg = f % 2 === 0 ? 'plain' : 'scene';
    out.push({ id: `frontal-${f}`, variant: 'frontal', background: bg, faces: [{ face: f, x: 220, y: 120, size: 200 }], expectedFaces: 1 });
    out.push({ id: `turned-${f}`, variant: 'turned', background: bg, faces: [{ face: f, x: 220, y: 120, size: 200, transform: 'turn' }], expectedFaces: 1 });
    out.push({ id: `rolled-${f}`, variant: 'rolled', background: bg, faces: [{ face: f, x: 200, y: 100, size: 200, transform: 'roll' }], expectedFaces: 1 });
    out.push({ id: `dark-${f}`, variant: 'dark', background: bg, faces: [{ face: f, x: 220, y: 120, size: 200 }], dark: true, expectedFaces: 1 });
    out.push({ id: `small-${f}`, variant: 'small', background: bg, faces: [{ face: f, x: 100 + 60 * f, y: 160, size: 90 }], expectedFaces: 1 });
    // 45 % of the face's width beyond the left or right edge: the candidate is still (half) there.
    const left = f % 2 === 0;
    out.push({ id: `half_out-${f}`, variant: 'half_out', background: bg, faces: [{ face: f, x: left ? -90 : 640 - 110, y: 130, size: 200 }], expectedFaces: 1 });
  }
  return out;
}

function multiples(): TestImage[] {
  const out: TestImage[] = [];
  for (let k = 0; k < 4; k++) {
    const a = (2 * k) % 12;
    const b = (2 * k + 7) % 12;
    out.push({ id: `two-${k}`, variant: 'two', background: k % 2 === 0 ? 'plain' : 'scene', faces: [{ face: a, x: 60, y: 120 + 20 * k, size: 190 }, { face: b, x: 380, y: 140 - 20 * k, size: 170 }], expectedFaces: 2 });
  }
  for (let k = 0; k < 3; k++) {
    const ids = [0, 1, 2, 3].map((i) => (i * 3 + k) % 12);
    const pos = [[40, 30], [340, 40], [60, 260], [360, 250]] as const;
    out.push({ id: `four-${k}`, variant: 'four', background: k === 1 ? 'scene' : 'plain', faces: ids.map((face, i) => ({ face, x: pos[i]![0], y: pos[i]![1], size: 170 })), expectedFaces: 4 });
  }
  return out;
}

const empties: TestImage[] = [
  { id: 'empty-plain', variant: 'empty', background: 'plain', faces: [], expectedFaces: 0 },
  { id: 'empty-scene', variant: 'scene', background: 'scene', faces: [], expectedFaces: 0 },
  { id: 'empty-dark', variant: 'empty', background: 'scene', faces: [], dark: true, expectedFaces: 0 },
  { id: 'covered', variant: 'covered', background: 'plain', faces: [{ face: 0, x: 220, y: 120, size: 200 }], covered: true, expectedFaces: 0 },
];

export const IMAGE_SET: readonly TestImage[] = [...singles(), ...multiples(), ...empties];
