/**
 * The kiosk journal's hash, recomputed on the hub from the documented formula
 * (sha256 of prevHash, sessionId, seq, type, at and the payload text, joined by newlines), so the
 * hub checks each event itself instead of trusting the kiosk's `hash` field.
 */
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export function journalEventHash(prevHash: string, sessionId: string, seq: number, type: string, at: number, payload: string): string {
  return createHash('sha256').update(`${prevHash}\n${sessionId}\n${seq}\n${type}\n${at}\n${payload}`).digest('hex');
}

/** Canonical JSON (sorted keys) for body hashes: the same item always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const rec = value as Record<string, unknown>;
  return `{${Object.keys(rec)
    .sort()
    .filter((k) => rec[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`)
    .join(',')}}`;
}
