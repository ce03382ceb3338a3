import { useEffect, useRef, useState } from 'react';
import type { Locale } from '../../preload/contract/common';
import { starHint, type HintKey } from '../../shared/scoring/star-hints';

/** Quiet time after the last keystroke before the hint is recomputed. */
export const HINT_DEBOUNCE_MS = 900;

/**
 * The STAR hint for what the candidate has typed so far: recomputed after a pause in typing (never
 * on every keystroke), at most one hint at a time, null while hints are off or the answer is short.
 * `onShown` hears each new hint once (main journals it, so HR can see everyone got the same help).
 * Pure rules from shared/scoring, the same the kiosk's scorer uses; nothing here affects a score.
 */
export function useStarHint(text: string, locale: Locale, enabled: boolean, onShown: (hint: HintKey) => void): HintKey | null {
  const [hint, setHint] = useState<HintKey | null>(null);
  const shown = useRef<HintKey | null>(null);
  const onShownRef = useRef(onShown);
  onShownRef.current = onShown;
  useEffect(() => {
    if (!enabled) {
      setHint(null);
      return;
    }
    const id = setTimeout(() => {
      const next = starHint(text, locale);
      setHint(next);
      if (next && next !== shown.current) onShownRef.current(next);
      shown.current = next;
    }, HINT_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [text, locale, enabled]);
  return hint;
}
