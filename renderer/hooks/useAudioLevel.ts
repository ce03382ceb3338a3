import { useEffect, useState } from 'react';

/**
 * The live microphone level of a stream, 0..1, updated about ten times a second (cheap: one
 * AnalyserNode read per update, no re-render when the level barely moves).
 */
export function useAudioLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') {
      setLevel(0);
      return;
    }
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const buf = new Uint8Array(analyser.fftSize);
    let last = -1;
    const id = setInterval(() => {
      if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
      analyser.getByteTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) {
        const x = (v - 128) / 128;
        sum += x * x;
      }
      // RMS of speech sits around 0.02–0.2; a square root spreads it over the meter.
      const next = Math.min(1, Math.sqrt(Math.sqrt(sum / buf.length)) * 1.4);
      if (Math.abs(next - last) >= 0.02) {
        last = next;
        setLevel(next);
      }
    }, 100);
    return () => {
      clearInterval(id);
      source.disconnect();
      void ctx.close().catch(() => undefined);
    };
  }, [stream]);
  return level;
}
