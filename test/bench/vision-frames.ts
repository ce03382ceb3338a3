/**
 * Builds the vision test frames (test/bench/vision-image-set.ts) with Debian's ImageMagick from
 * photos shipped in @vladmandic/human: used by `npm run bench:vision` and by the fake-camera E2E.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FACE_CROPS, FACE_SOURCE, HEIGHT, SCENE_CROP, SCENE_SOURCE, WIDTH, type Placement, type TestImage } from './vision-image-set';

const execFileAsync = promisify(execFile);
const humanDir = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/human');

export function magick(): string {
  // /usr/local/bin may hold a stand-in `convert`; Debian's ImageMagick 6 is /usr/bin/convert-im6.q16.
  for (const c of ['/usr/bin/convert-im6.q16', '/usr/bin/magick', '/usr/bin/convert']) if (existsSync(c)) return c;
  throw new Error('Debian ImageMagick not found: apt-get install -y imagemagick');
}

function faceLayer(p: Placement): string[] {
  const c = FACE_CROPS[p.face];
  if (!c) throw new Error(`no face crop ${p.face}`);
  const src = path.join(humanDir, FACE_SOURCE);
  const s = p.size;
  const h = Math.round((s * c.h) / c.w);
  const args = ['(', src, '-crop', `${c.w}x${c.h}+${c.x}+${c.y}`, '+repage', '-resize', `${s}x${h}!`, '-alpha', 'set', '-virtual-pixel', 'transparent'];
  if (p.transform === 'turn') {
    // The right edge pulled in and shortened: a head turned ~35° away, as a perspective approximation.
    args.push('-distort', 'Perspective', `0,0 0,0  ${s},0 ${Math.round(s * 0.72)},${Math.round(h * 0.1)}  ${s},${h} ${Math.round(s * 0.72)},${Math.round(h * 0.9)}  0,${h} 0,${h}`);
  } else if (p.transform === 'roll') {
    args.push('-background', 'none', '-rotate', '28');
  }
  args.push(')', '-geometry', `${p.x >= 0 ? '+' : ''}${p.x}${p.y >= 0 ? '+' : ''}${p.y}`, '-composite');
  return args;
}

function imageArgs(img: TestImage, dir: string): { args: string[]; raw: string } {
  const args: string[] = [];
  if (img.background === 'plain') args.push('-size', `${WIDTH}x${HEIGHT}`, 'gradient:#9aa0a6-#d8d2c8');
  else args.push(path.join(humanDir, SCENE_SOURCE), '-crop', `${SCENE_CROP.w}x${SCENE_CROP.h}+${SCENE_CROP.x}+${SCENE_CROP.y}`, '+repage', '-resize', `${WIDTH}x${HEIGHT}!`);
  for (const p of img.faces) args.push(...faceLayer(p));
  if (img.dark) args.push('-evaluate', 'multiply', '0.3');
  // A hand or a sticker over the lens: near-black, almost uniform, a little sensor noise.
  if (img.covered) args.push('-fill', '#0b0b0c', '-colorize', '97%', '-attenuate', '0.2', '+noise', 'Gaussian');
  const png = path.join(dir, `${img.id}.png`);
  const raw = path.join(dir, `${img.id}.rgb`);
  args.push('-alpha', 'off', '-write', png, '-depth', '8', `rgb:${raw}`);
  return { args, raw };
}

function checked(img: TestImage, raw: string): string {
  const size = statSync(raw).size;
  if (size !== WIDTH * HEIGHT * 3) throw new Error(`${img.id}: raw frame is ${size} bytes`);
  return raw;
}

/** Builds one frame; returns the path of its raw 8-bit RGB file (a PNG is written beside it). */
export function buildImage(bin: string, img: TestImage, dir: string): string {
  const { args, raw } = imageArgs(img, dir);
  execFileSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return checked(img, raw);
}

/** Builds every frame, `parallel` ImageMagick processes at a time; raw paths in input order. */
export async function buildImages(bin: string, imgs: readonly TestImage[], dir: string, parallel = 2): Promise<string[]> {
  const out: string[] = new Array<string>(imgs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < imgs.length) {
      const i = next++;
      const img = imgs[i]!;
      const { args, raw } = imageArgs(img, dir);
      await execFileAsync(bin, args);
      out[i] = checked(img, raw);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  return out;
}
