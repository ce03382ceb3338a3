import { useEffect, useRef, type ReactNode } from 'react';
import { LiveAnnouncer } from './LiveAnnouncer';

/**
 * A modal dialog on the native <dialog> element: the rest of the page is inert, focus moves into
 * the dialog and back to where it was, and Escape closes it (unless `onClose` is omitted).
 */
export function Dialog({
  labelledBy,
  describedBy,
  onClose,
  children,
  testId,
  className,
}: {
  labelledBy: string;
  describedBy?: string;
  onClose?: () => void;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    const first = d.querySelector<HTMLElement>('[data-autofocus]') ?? d.querySelector<HTMLElement>('h1, h2');
    first?.focus();
    return () => {
      if (d.open) d.close();
      if (opener && document.contains(opener)) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose?.();
      }}
    >
      {children}
      <LiveAnnouncer />
    </dialog>
  );
}
