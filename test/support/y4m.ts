/**
 * Writes a YUV4MPEG2 (Y4M, 4:2:0) file from raw 8-bit RGB frames, for Chromium's
 * `--use-file-for-fake-video-capture`. Each frame gets fresh ±4 luma noise, as a real sensor does:
 * identical frames would (rightly) read as a frozen camera.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export function writeY4m(file: string, width: number, height: number, fps: number, segments: ReadonlyArray<{ rgb: Buffer; frames: number }>): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
    const ySize = width * height;
    const cw = width / 2;
    const ch = height / 2;
    let seed = 12345;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed % 9) - 4;
    };
    for (const seg of segments) {
      if (seg.rgb.length !== ySize * 3) throw new Error(`frame is ${seg.rgb.length} bytes, not ${ySize * 3}`);
      const y = new Uint8Array(ySize);
      const u = new Uint8Array(cw * ch);
      const v = new Uint8Array(cw * ch);
      for (let i = 0; i < ySize; i++) {
        const r = seg.rgb[3 * i]!;
        const g = seg.rgb[3 * i + 1]!;
        const b = seg.rgb[3 * i + 2]!;
        y[i] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
      }
      for (let cy = 0; cy < ch; cy++) {
        for (let cx = 0; cx < cw; cx++) {
          let r = 0;
          let g = 0;
          let b = 0;
          for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
            const p = 3 * ((2 * cy + dy) * width + 2 * cx + dx);
            r += seg.rgb[p]!;
            g += seg.rgb[p + 1]!;
            b += seg.rgb[p + 2]!;
          }
          r /= 4;
          g /= 4;
          b /= 4;
          u[cy * cw + cx] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
          v[cy * cw + cx] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
        }
      }
      for (let f = 0; f < seg.frames; f++) {
        const yn = new Uint8Array(ySize);
        for (let i = 0; i < ySize; i++) yn[i] = Math.min(235, Math.max(16, y[i]! + noise()));
        writeSync(fd, 'FRAME\n');
        writeSync(fd, yn);
        writeSync(fd, u);
        writeSync(fd, v);
      }
    }
  } finally {
    closeSync(fd);
  }
}
