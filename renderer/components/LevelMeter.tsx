import { useAudioLevel } from '../hooks/useAudioLevel';

/** A live microphone level bar. Exposed as a meter; its changing value is not announced. */
export function LevelMeter({ stream, label, compact }: { stream: MediaStream | null; label: string; compact?: boolean }) {
  const level = useAudioLevel(stream);
  const pct = Math.round(level * 100);
  return (
    <div
      className={`level${compact ? ' compact' : ''}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-testid="mic-level"
      data-level={pct}
    >
      <div className="level-fill" style={{ transform: `scaleX(${Math.max(0.02, level)})` }} />
    </div>
  );
}
