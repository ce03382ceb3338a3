import { Dialog } from './Dialog';

/**
 * Asks before an action that cannot be undone (a retake discards the recorded answer). The safe
 * choice has the focus, so Enter or Escape keeps things as they are.
 */
export function ConfirmDialog({
  id,
  heading,
  body,
  confirmLabel,
  cancelLabel,
  onConfirm,
  onCancel,
  testId,
}: {
  id: string;
  heading: string;
  body: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
}) {
  return (
    <Dialog labelledBy={`${id}-h`} describedBy={`${id}-body`} onClose={onCancel} testId={testId}>
      <h2 id={`${id}-h`} tabIndex={-1}>
        {heading}
      </h2>
      <p id={`${id}-body`}>{body}</p>
      <div className="actions">
        <button type="button" className="secondary danger" onClick={onConfirm} data-testid={`${testId}-yes`}>
          {confirmLabel}
        </button>
        <button type="button" className="primary" onClick={onCancel} data-testid={`${testId}-no`} data-autofocus>
          {cancelLabel}
        </button>
      </div>
    </Dialog>
  );
}
