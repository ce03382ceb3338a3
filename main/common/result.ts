/**
 * Expected failures are values, not exceptions. Error codes travel as data because Electron
 * drops custom fields of thrown errors on the way to the renderer.
 */
import type { ErrorCode } from '../../preload/contract/errors';

export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** Thrown inside services to abort a transaction with an expected, coded failure. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export function isCodedError(e: unknown): e is CodedError {
  return e instanceof CodedError;
}
