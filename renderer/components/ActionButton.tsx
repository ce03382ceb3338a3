import { useEffect, useRef, useState, type ButtonHTMLAttributes, type MouseEvent } from 'react';

/**
 * How long a freshly shown action ignores clicks, and how long an action stays disabled after it
 * finished: long enough to absorb the second half of a double-click or a bounce, short enough that
 * nobody notices.
 */
export const REARM_MS = 500;

/** The second and later clicks of a double- or triple-click. */
export function isRepeatClick(e: { detail: number }): boolean {
  return e.detail > 1;
}

/**
 * A button whose action runs once per deliberate press. For its first REARM_MS on screen it
 * takes no pointer input (aria-disabled, without the dimmed look), so a click meant for the
 * previous screen's button at the same place does nothing; repeat clicks of a double-click do
 * nothing; and it stays disabled while its action runs and for REARM_MS after.
 */
export function ActionButton({
  onAction,
  disabled,
  className,
  ...rest
}: Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'type'> & { onAction: () => unknown }) {
  const running = useRef(false);
  const live = useRef(true);
  const [busy, setBusy] = useState(false);
  const [arming, setArming] = useState(true);
  useEffect(() => {
    live.current = true;
    const id = window.setTimeout(() => setArming(false), REARM_MS);
    return () => {
      live.current = false;
      window.clearTimeout(id);
    };
  }, []);

  function onClick(e: MouseEvent<HTMLButtonElement>) {
    // Arming stops pointer clicks only (detail > 0): Enter or Space on a focused button is deliberate.
    if ((arming && e.detail > 0) || running.current || isRepeatClick(e)) {
      e.preventDefault();
      return;
    }
    running.current = true;
    setBusy(true);
    void Promise.resolve()
      .then(onAction)
      .finally(() => {
        window.setTimeout(() => {
          running.current = false;
          if (live.current) setBusy(false);
        }, REARM_MS);
      });
  }

  return (
    <button
      type="button"
      {...rest}
      className={`${className ?? ''}${arming ? ' arming' : ''}`}
      disabled={disabled || busy}
      aria-disabled={arming || undefined}
      aria-busy={busy || undefined}
      onClick={onClick}
    />
  );
}
