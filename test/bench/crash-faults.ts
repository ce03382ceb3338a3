/**
 * Deliberately broken variants of the product that the crash child can run, so a test proves the
 * harness's oracle sees each break (a proof that cannot fail is not a proof). `none` is the
 * product as shipped.
 * - skip-chunk-event: chunks are stored and acknowledged, their `chunk_committed` events are not.
 * - wrong-event-hash: the event names a sha256 that is not the chunk's.
 * - wrong-event-clock: the event carries an answer clock of 0 instead of the real one.
 * - edit-event: a committed event is edited afterwards (its trigger dropped), breaking the chain.
 * - flip-media-byte: after every third acknowledgement one byte of that chunk is flipped in its
 *   segment file (the row and its event stay right), as a lost or torn write of the file would.
 */
export const CRASH_FAULTS = ['none', 'skip-chunk-event', 'wrong-event-hash', 'wrong-event-clock', 'edit-event', 'flip-media-byte'] as const;
export type CrashFault = (typeof CRASH_FAULTS)[number];

export function isCrashFault(x: string): x is CrashFault {
  return (CRASH_FAULTS as readonly string[]).includes(x);
}
