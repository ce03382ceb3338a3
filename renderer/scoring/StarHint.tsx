import { useCallback, useEffect, useState } from 'react';
import type { HintKey } from '../../shared/scoring/star-hints';
import { useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { useStarHint } from './useStarHint';

/** Whether the session's pack shows hints, asked once per session (off until main says on). */
function useHintsEnabled(sessionId: string): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    let live = true;
    void kiosk()
      .scoringPolicy({ sessionId })
      .then((r) => {
        if (live) setOn(r.ok && r.value.hints);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [sessionId]);
  return on;
}

/**
 * A calm STAR hint under the answer box: one at a time, after a pause in typing, announced
 * politely to screen readers, never blocking the text box; hidden when the pack turns hints off.
 */
export function StarHint({ sessionId, questionIndex, attempt, text }: { sessionId: string; questionIndex: number; attempt: number; text: string }) {
  const { t, locale } = useI18n();
  const enabled = useHintsEnabled(sessionId);
  const report = useCallback(
    (hint: HintKey) => {
      // Best effort: a hint that could not be journaled is still shown (it helps the candidate).
      void kiosk()
        .hintShown({ sessionId, questionIndex, attempt, hint })
        .catch(() => undefined);
    },
    [sessionId, questionIndex, attempt],
  );
  const hint = useStarHint(text, locale, enabled, report);
  return (
    <p className="star-hint" role="status" aria-live="polite" data-testid="star-hint" data-hint={hint ?? ''} data-enabled={enabled ? 'true' : 'false'}>
      {hint && (
        <>
          <span className="star-hint-label">{t('hint.label')}</span> {t(`hint.${hint}`)}
        </>
      )}
    </p>
  );
}
