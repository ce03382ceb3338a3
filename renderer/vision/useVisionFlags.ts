/**
 * Runs camera analysis at 2 fps while the candidate answers (issue #15): frames go to the vision
 * worker, flag events go to main (kiosk:vision:flag, journaled for a human), and the kind hint comes
 * back for the candidate. Best effort by design: if the policy is off, the models fail to load or the
 * camera has no video, nothing happens — the interview never waits for or depends on it.
 */
import { useEffect, useState } from 'react';
import type { VisionFlagReport } from '../../preload/contract/vision';
import type { VisionFlagEvent, VisionHint } from '../../shared/vision/flags';
import { kiosk } from '../ipc/kiosk';
import type { VisionWorkerReply, VisionWorkerRequest } from './vision-worker';

export const FRAME_INTERVAL_MS = 500;

/** The contract's flag report for a tracker event (main stamps the time; the page gives durations). */
export function flagReportOf(e: VisionFlagEvent): VisionFlagReport['flag'] {
  return e.type === 'started'
    ? { status: 'started', kind: e.kind, heldMs: Math.max(0, Math.round(e.at - e.startedAt)), confidence: e.confidence }
    : { status: 'ended', kind: e.kind, durationMs: Math.max(0, Math.round(e.durationMs)), confidence: e.confidence, frames: Math.max(1, e.frames), reason: e.reason };
}

export function useVisionFlags(opts: { stream: MediaStream | null; active: boolean; sessionId: string; questionIndex: number; attempt: number }): VisionHint {
  const { stream, active, sessionId, questionIndex, attempt } = opts;
  const [hint, setHint] = useState<VisionHint>(null);

  useEffect(() => {
    if (!active || !stream || stream.getVideoTracks().length === 0) return;
    let stopped = false;
    let worker: Worker | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let busy = false;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;

    const send = (events: readonly VisionFlagEvent[]) => {
      for (const e of events) void kiosk().visionFlag({ sessionId, questionIndex, attempt, flag: flagReportOf(e) }).catch(() => undefined);
    };
    const post = (m: VisionWorkerRequest, transfer: Transferable[] = []) => worker?.postMessage(m, transfer);

    void (async () => {
      const policy = await kiosk().visionPolicy({ sessionId });
      if (stopped || !policy.ok || !policy.value.enabled) return;
      worker = new Worker(new URL('./vision-worker.ts', import.meta.url), { type: 'module', name: 'vision' });
      worker.onmessage = (e: MessageEvent<VisionWorkerReply>) => {
        const m = e.data;
        if (m.type === 'ready') {
          void video.play().catch(() => undefined);
          timer = setInterval(() => {
            if (busy || stopped || video.readyState < 2) return;
            busy = true;
            createImageBitmap(video, { resizeWidth: 640, resizeHeight: 480 })
              .then((bitmap) => post({ type: 'frame', at: Math.round(performance.now()), bitmap }, [bitmap]))
              .catch(() => {
                busy = false;
              });
          }, FRAME_INTERVAL_MS);
        } else if (m.type === 'result') {
          busy = false;
          send(m.events);
          if (!stopped) setHint(m.hint);
        } else if (m.type === 'finished') {
          send(m.events);
          worker?.terminate();
        } else {
          console.warn('[vision] analysis unavailable:', m.message);
          worker?.terminate();
          worker = null;
        }
      };
      post({ type: 'init', base: new URL('./', document.baseURI).href, policy: policy.value });
    })();

    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      video.srcObject = null;
      setHint(null);
      // Close open flags at the answer's end; the worker terminates itself after replying.
      if (worker) post({ type: 'finish', at: Math.round(performance.now()) });
    };
  }, [stream, active, sessionId, questionIndex, attempt]);

  return hint;
}
