/**
 * Measures the camera from the page: resolution and frame rate as delivered, and from small
 * samples of the picture its mean brightness (black = covered lens or closed shutter) and how
 * much it changes between samples (no change = a frozen picture; a live sensor always has noise).
 */
import type { CameraMeasurement } from '../../preload/contract/precheck';

export const CAMERA_TEST_MS = 2500;
const SAMPLE_EVERY_MS = 200;
const W = 64;
const H = 48;

type FrameVideo = HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number; cancelVideoFrameCallback?: (h: number) => void };

function waitForData(video: HTMLVideoElement, ms: number): Promise<boolean> {
  if (video.readyState >= 2 && video.videoWidth > 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => done(false), ms);
    const done = (v: boolean): void => {
      clearTimeout(t);
      video.removeEventListener('loadeddata', onData);
      resolve(v);
    };
    const onData = (): void => done(true);
    video.addEventListener('loadeddata', onData);
  });
}

export async function measureCamera(stream: MediaStream, video: HTMLVideoElement, durationMs = CAMERA_TEST_MS, onProgress?: (fraction: number) => void): Promise<Omit<CameraMeasurement, 'permission' | 'devices'>> {
  const track = stream.getVideoTracks()[0];
  const empty = { width: 0, height: 0, fps: 0, framesSampled: 0, meanLuma: 0, meanFrameDiff: 0 };
  if (!track || track.readyState !== 'live') return empty;
  if (video.srcObject !== stream) video.srcObject = stream;
  video.muted = true;
  await video.play().catch(() => undefined);
  if (!(await waitForData(video, 3000))) return empty;

  const v = video as FrameVideo;
  let frames = 0;
  let handle = 0;
  const useCallback = typeof v.requestVideoFrameCallback === 'function';
  const onFrame = (): void => {
    frames += 1;
    handle = v.requestVideoFrameCallback!(onFrame);
  };
  if (useCallback) handle = v.requestVideoFrameCallback!(onFrame);

  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  let prev: Float32Array | null = null;
  let lumaSum = 0;
  let diffSum = 0;
  let samples = 0;
  let diffs = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    onProgress?.(Math.min(1, (performance.now() - started) / durationMs));
    if (!g || video.videoWidth === 0) continue;
    g.drawImage(video, 0, 0, W, H);
    const px = g.getImageData(0, 0, W, H).data;
    const luma = new Float32Array(W * H);
    let sum = 0;
    for (let i = 0, j = 0; i < px.length; i += 4, j++) {
      const y = 0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!;
      luma[j] = y;
      sum += y;
    }
    lumaSum += sum / luma.length;
    samples += 1;
    if (prev) {
      let d = 0;
      for (let j = 0; j < luma.length; j++) d += Math.abs(luma[j]! - prev[j]!);
      diffSum += d / luma.length;
      diffs += 1;
    }
    prev = luma;
  }
  const elapsed = performance.now() - started;
  if (useCallback && v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(handle);
  const settingsFps = track.getSettings().frameRate ?? 0;
  const fps = useCallback ? (frames * 1000) / elapsed : settingsFps;
  return {
    width: video.videoWidth,
    height: video.videoHeight,
    fps: Math.min(1000, Math.round(fps * 10) / 10),
    framesSampled: useCallback ? frames : samples,
    meanLuma: samples ? Math.round((lumaSum / samples) * 10) / 10 : 0,
    meanFrameDiff: diffs ? Math.round((diffSum / diffs) * 100) / 100 : 0,
  };
}
