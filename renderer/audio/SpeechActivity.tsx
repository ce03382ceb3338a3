import { useEffect, useRef, useState } from 'react';
import type { AudioPolicyView } from '../../preload/contract/audio';
import { useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { measuredNoiseFloor } from './noise-floor';
import { prewarmVad, SpeechMonitor } from './speech-monitor';

interface Props {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly stream: MediaStream | null;
  readonly recording: boolean;
}

const SUMMARY_DELAY_MS = 1500;

/** The session's audio policy, asked once per session (the detector stays off until main answers). */
function useAudioPolicy(sessionId: string): AudioPolicyView | null {
  const [policy, setPolicy] = useState<AudioPolicyView | null>(null);
  useEffect(() => {
    let live = true;
    void kiosk()
      .audioPolicy({ sessionId })
      .then((r) => {
        if (live && r.ok) {
          if (r.value.vad) prewarmVad(); // after a resume the pre-check did not warm it
          setPolicy(r.value);
        }
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [sessionId]);
  return policy;
}

/**
 * While a spoken answer records: runs the voice-activity monitor, tells the candidate kindly when
 * the microphone has not heard them for the pack's number of seconds, and journals the hint and
 * one speech summary per answer (best effort: a report that fails never disturbs the answer).
 * Information for HR, never a score.
 */
export function SpeechActivity({ sessionId, questionIndex, attempt, stream, recording }: Props) {
  const { t } = useI18n();
  const policy = useAudioPolicy(sessionId);
  const [cantHear, setCantHear] = useState(false);
  const monitor = useRef<SpeechMonitor | null>(null);

  useEffect(() => {
    if (!policy?.vad || !recording || !stream || stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    const ref = { sessionId, questionIndex, attempt };
    const noiseFloorDbfs = measuredNoiseFloor();
    let m: SpeechMonitor;
    try {
      m = new SpeechMonitor(stream, {
        cantHearSeconds: policy.cantHearSeconds,
        noiseFloorDbfs,
        backgroundSpeech: policy.backgroundSpeech === 'flag',
        onCantHear: (e, engine) => {
          setCantHear(e.type === 'cant_hear_start');
          const kind = e.type === 'cant_hear_start' ? 'cant_hear_shown' : 'cant_hear_cleared';
          void kiosk()
            .reportSpeech({ ...ref, kind, atMs: Math.round(e.atMs), engine })
            .catch(() => undefined);
        },
      });
    } catch {
      return;
    }
    monitor.current = m;
    return () => {
      monitor.current = null;
      setCantHear(false);
      m.stop();
      // Summarised and reported a moment after the recording stops, so neither competes with the
      // submit and the next question for the page or for main.
      window.setTimeout(() => {
        const r = m.summary();
        const s = r.stats;
        if (s.durationMs < 1000) return;
        const ms = (x: number) => Math.max(0, Math.min(s.durationMs, Math.round(x)));
        void kiosk()
          .reportSpeech({
            ...ref,
            kind: 'speech_summary',
            engine: r.engine,
            durationMs: Math.round(s.durationMs),
            speakingMs: ms(s.speakingMs),
            segments: s.segments,
            leadingSilenceMs: ms(s.leadingSilenceMs),
            longestPauseMs: ms(s.longestPauseMs),
            longPauses: s.longPauses,
            noiseFloorDbfs,
            backgroundSpeech: r.backgroundSpeech.slice(0, 50).map((f) => ({ ...f, startMs: ms(f.startMs), endMs: ms(f.endMs) })),
          })
          .catch(() => undefined);
      }, SUMMARY_DELAY_MS);
    };
  }, [policy, recording, stream, sessionId, questionIndex, attempt]);

  return (
    <p className={`cant-hear${cantHear ? ' on' : ''}`} role="status" aria-live="polite" data-testid="cant-hear" data-showing={cantHear ? 'true' : 'false'}>
      {cantHear && t('audio.cantHear')}
    </p>
  );
}
