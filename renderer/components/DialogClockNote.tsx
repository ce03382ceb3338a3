import { useDialogClock } from '../a11y/live';
import { useI18n } from '../i18n';

/** What happens to the answer clock while this dialog is open (only while a question is on screen). */
export function DialogClockNote({ testId }: { testId: string }) {
  const { t } = useI18n();
  const clock = useDialogClock();
  if (!clock) return null;
  const key = !clock.stopsClock ? 'dialog.clockRuns' : clock.leftMs <= 0 ? 'dialog.clockUsedUp' : 'dialog.clockPausedLeft';
  return (
    <p className="hint clock-note" data-testid={testId} data-clock={!clock.stopsClock ? 'runs' : clock.leftMs <= 0 ? 'used-up' : 'paused'}>
      {t(key, { seconds: Math.ceil(clock.leftMs / 1000) })}
    </p>
  );
}
