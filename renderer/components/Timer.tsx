import { useEffect, useRef } from 'react';
import { announce } from '../a11y/live';
import { formatDuration, useI18n } from '../i18n';

const ANNOUNCE_AT_S = [60, 30, 10];

/** When the last stretch starts: a fifth of the time, at least 10 s and at most 30 s. */
export function urgentThresholdMs(totalMs: number): number {
  return Math.max(10_000, Math.min(30_000, totalMs * 0.2));
}

/**
 * The countdown: large tabular digits and a bar, readable at a glance. Urgent near the end (colour
 * and a pulse that respects reduced motion); screen readers hear 60, 30 and 10 seconds left once.
 */
export function Timer({
  label,
  leftMs,
  totalMs,
  urgentEnabled,
  paused,
  testId,
}: {
  label: string;
  leftMs: number;
  totalMs: number;
  urgentEnabled: boolean;
  paused: boolean;
  testId: string;
}) {
  const { t } = useI18n();
  const urgent = urgentEnabled && leftMs <= urgentThresholdMs(totalMs);
  const said = useRef(new Set<number>());
  const secs = Math.ceil(leftMs / 1000);
  useEffect(() => {
    if (!urgentEnabled || paused) return;
    for (const s of ANNOUNCE_AT_S) {
      if (secs <= s && secs > s - 2 && !said.current.has(s) && totalMs > s * 1000) {
        said.current.add(s);
        // Through the shared announcer: still heard while Help or Leave (a modal dialog) is open.
        announce(t('question.urgent', { seconds: s }));
      }
    }
  }, [secs, urgentEnabled, paused, totalMs, t]);
  const fraction = totalMs > 0 ? Math.max(0, Math.min(1, leftMs / totalMs)) : 0;
  return (
    <div className={`timer${urgent ? ' urgent' : ''}${paused ? ' paused' : ''}`} data-urgent={urgent ? 'true' : 'false'}>
      <div className="timer-head">
        <span className="timer-label" id={`${testId}-label`}>{paused ? t('question.paused') : label}</span>
        <span className="timer-value" role="timer" aria-labelledby={`${testId}-label`} data-testid={testId} data-remaining-ms={Math.round(leftMs)} data-total-ms={Math.round(totalMs)}>
          {formatDuration(leftMs)}
        </span>
        {urgent && (
          // Not colour alone: the last stretch is also said in words (and outlined in forced colours).
          <span className="timer-urgent-mark" data-testid={`${testId}-urgent`}>
            {t('timer.urgentMark')}
          </span>
        )}
      </div>
      <div className="timer-track" aria-hidden="true" data-forced-visible="timer">
        <div className="timer-fill" style={{ transform: `scaleX(${fraction})` }} />
      </div>
    </div>
  );
}
