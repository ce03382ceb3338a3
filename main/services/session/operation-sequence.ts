/**
 * A sequence of operations run in order, after Safe Exam Browser's OperationSequence: when one
 * step fails (returns an error or throws), the steps already performed are reverted in reverse
 * order, so a half-started session never stays behind.
 */
import type { Result } from '../../common/result';

export interface Operation {
  readonly name: string;
  perform(): Result<void>;
  /** Undo what perform() did; called only for operations that performed successfully. */
  revert?(): void;
}

export function runSequence(operations: readonly Operation[]): Result<void> {
  const done: Operation[] = [];
  try {
    for (const op of operations) {
      const r = op.perform();
      if (!r.ok) {
        revertAll(done);
        return r;
      }
      done.push(op);
    }
  } catch (e) {
    revertAll(done);
    throw e;
  }
  return { ok: true, value: undefined };
}

function revertAll(done: Operation[]): void {
  for (const op of [...done].reverse()) op.revert?.();
}
