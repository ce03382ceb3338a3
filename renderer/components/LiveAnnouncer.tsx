import { useAnnouncement } from '../a11y/live';

/**
 * A polite live region fed by `announce()`. Layout renders one in the page and Dialog one inside
 * each modal dialog (the page is inert while a dialog is open).
 */
export function LiveAnnouncer({ testId }: { testId?: string }) {
  const { text, n } = useAnnouncement();
  return (
    <p className="sr-only" aria-live="polite" aria-atomic="true" data-testid={testId} data-n={n}>
      {text}
    </p>
  );
}
