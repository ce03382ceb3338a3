import type { DeviceState } from '../preload/contract/common';

let stream: MediaStream | null = null;

export interface AcquiredMedia {
  stream: MediaStream | null;
  camera: DeviceState;
  microphone: DeviceState;
}

function live(s: MediaStream | null): s is MediaStream {
  return !!s && s.getTracks().length > 0 && s.getTracks().every((t) => t.readyState === 'live');
}

/** The one camera+microphone stream of this page, opened on demand and reused while it is live. */
export async function acquireStream(): Promise<AcquiredMedia> {
  if (live(stream)) return { stream, camera: 'ok', microphone: 'ok' };
  releaseStream();
  if (!navigator.mediaDevices?.getUserMedia) return { stream: null, camera: 'missing', microphone: 'missing' };
  try {
    const s = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } },
      audio: { echoCancellation: true, noiseSuppression: true },
    });
    stream = s;
    return {
      stream: s,
      camera: s.getVideoTracks().length > 0 ? 'ok' : 'missing',
      microphone: s.getAudioTracks().length > 0 ? 'ok' : 'missing',
    };
  } catch (e) {
    const name = e instanceof DOMException ? e.name : '';
    const state: DeviceState = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'missing';
    return { stream: null, camera: state, microphone: state };
  }
}

/** Stops every track of the shared stream (after a device was lost, before asking again). */
export function releaseStream(): void {
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
}

/** Which required device of a stream is gone, if any. */
export function lostDevice(s: MediaStream, needsCamera: boolean): 'camera' | 'microphone' | 'both' | null {
  const audio = s.getAudioTracks();
  const video = s.getVideoTracks();
  const micLost = audio.length === 0 || audio.every((t) => t.readyState !== 'live');
  const camLost = needsCamera && (video.length === 0 || video.every((t) => t.readyState !== 'live'));
  if (micLost && camLost) return 'both';
  if (camLost) return 'camera';
  if (micLost) return 'microphone';
  return null;
}
