/**
 * The noise floor the pre-check measured on this page (dBFS), kept for the answers that follow:
 * "we can't hear you" is judged against it (shared/audio/speech-activity.ts). Not persisted: after a
 * restart the detector falls back to its fixed floor, which the speech summary records as null.
 */
let measured: number | null = null;

export function rememberNoiseFloor(dbfs: number): void {
  measured = Number.isFinite(dbfs) && dbfs <= 0 && dbfs >= -120 ? dbfs : null;
}

export function measuredNoiseFloor(): number | null {
  return measured;
}
