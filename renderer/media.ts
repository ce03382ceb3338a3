import type { DeviceState } from '../preload/contract/common';

let stream: MediaStream | null = null;

/** The one camera+microphone stream of this page, opened on demand and reused. */
export async function acquireStream(): Promise<{ stream: MediaStream | null; camera: DeviceState; microphone: DeviceState }> {
  if (stream && stream.getTracks().every((t) => t.readyState === 'live')) {
    return { stream, camera: 'ok', microphone: 'ok' };
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } },
      audio: { echoCancellation: true, noiseSuppression: true },
    });
    return {
      stream,
      camera: stream.getVideoTracks().length > 0 ? 'ok' : 'missing',
      microphone: stream.getAudioTracks().length > 0 ? 'ok' : 'missing',
    };
  } catch (e) {
    const name = e instanceof DOMException ? e.name : '';
    const state: DeviceState = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'missing';
    return { stream: null, camera: state, microphone: state };
  }
}
