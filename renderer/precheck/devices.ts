/**
 * Opens the camera and microphone for the pre-check and says, per device, what went wrong:
 * permission refused, nothing connected, or held by another program. Uses the page's shared
 * stream (renderer/media.ts) so the interview later records from the stream that was tested.
 */
import type { DevicePermission } from '../../preload/contract/precheck';
import { acquireStream } from '../media';

export interface OpenedDevices {
  readonly stream: MediaStream | null;
  readonly camera: DevicePermission;
  readonly microphone: DevicePermission;
  readonly videoInputs: number;
  readonly audioInputs: number;
  readonly audioOutputs: number | null;
}

function permissionOf(e: unknown): DevicePermission {
  const name = e instanceof DOMException ? e.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'error';
  }
}

/** Tries one kind alone, to tell which of the two devices failed; the probe stream is closed. */
async function probe(kind: 'video' | 'audio'): Promise<DevicePermission> {
  try {
    const s = await navigator.mediaDevices.getUserMedia(kind === 'video' ? { video: true } : { audio: true });
    s.getTracks().forEach((t) => t.stop());
    return 'granted';
  } catch (e) {
    return permissionOf(e);
  }
}

async function counts(): Promise<{ videoInputs: number; audioInputs: number; audioOutputs: number | null }> {
  try {
    const list = await navigator.mediaDevices.enumerateDevices();
    const outputs = list.filter((d) => d.kind === 'audiooutput').length;
    return {
      videoInputs: list.filter((d) => d.kind === 'videoinput').length,
      audioInputs: list.filter((d) => d.kind === 'audioinput').length,
      audioOutputs: outputs,
    };
  } catch {
    return { videoInputs: 0, audioInputs: 0, audioOutputs: null };
  }
}

export async function openDevices(): Promise<OpenedDevices> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, camera: 'unsupported', microphone: 'unsupported', videoInputs: 0, audioInputs: 0, audioOutputs: null };
  }
  const shared = await acquireStream();
  if (shared.stream) {
    const c = await counts();
    return {
      stream: shared.stream,
      camera: shared.stream.getVideoTracks().length > 0 ? 'granted' : 'missing',
      microphone: shared.stream.getAudioTracks().length > 0 ? 'granted' : 'missing',
      ...c,
    };
  }
  // The combined request failed: ask for each device alone to know which one to fix.
  const [camera, microphone] = [await probe('video'), await probe('audio')];
  return { stream: null, camera, microphone, ...(await counts()) };
}
