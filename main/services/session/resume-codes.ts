/**
 * Proctor resume codes. A code is an HMAC of the session id and its resume count under the
 * centre's secret: bound to one session and one resume, useless anywhere else, and 50 bits long,
 * so with a handful of allowed attempts it cannot be guessed.
 *
 * The secret is per centre and comes from machine provisioning (`resumeCodes.keys`, see
 * docs/provisioning.md). Rotation: the first key issues codes; the keys after it are still
 * accepted until their `acceptUntil`. The demo secret below is public (it is in this file): a
 * production config can never use it, and a kiosk without a provisioned secret refuses every code.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/clock';

/** Public, for the demo only: anyone can compute codes with it. */
export const DEMO_PROCTOR_SECRET = Buffer.from('interview-kiosk-demo-proctor-secret-v1');

/** sha256 of secrets known to be public; provisioning refuses them outside demo mode. */
export const KNOWN_DEMO_SECRET_HASHES: readonly string[] = [createHash('sha256').update(DEMO_PROCTOR_SECRET).digest('hex')];

export function isKnownDemoSecret(secret: Buffer): boolean {
  return KNOWN_DEMO_SECRET_HASHES.includes(createHash('sha256').update(secret).digest('hex'));
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
export const RESUME_CODE_LENGTH = 10;

export interface ResumeCodeIssuer {
  codeFor(sessionId: string, resumeCount: number): string;
  verify(sessionId: string, resumeCount: number, candidate: string): boolean;
}

function base32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** Normalises what a person typed: case, spaces, dashes, and the letters people confuse. */
export function normalizeResumeCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function formatResumeCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export class HmacResumeCodes implements ResumeCodeIssuer {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 16) throw new Error('resume-code secret must be at least 16 bytes');
  }

  codeFor(sessionId: string, resumeCount: number): string {
    const mac = createHmac('sha256', this.secret).update(`resume:v1:${sessionId}:${resumeCount}`).digest();
    return base32(mac, RESUME_CODE_LENGTH);
  }

  verify(sessionId: string, resumeCount: number, candidate: string): boolean {
    const expected = Buffer.from(this.codeFor(sessionId, resumeCount));
    const given = Buffer.from(normalizeResumeCode(candidate));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export interface ResumeCodeKey {
  readonly keyId: string;
  readonly secret: Buffer;
  /** Epoch ms after which this (previous) key no longer verifies; absent for the current key. */
  readonly acceptUntil?: number;
}

/** Issues with the current key; verifies with the current key and previous keys still in their window. */
export class RotatingResumeCodes implements ResumeCodeIssuer {
  private readonly issuers: { key: ResumeCodeKey; codes: HmacResumeCodes }[];

  constructor(keys: readonly ResumeCodeKey[], private readonly clock: Clock) {
    if (keys.length === 0) throw new Error('at least one resume-code key is required');
    this.issuers = keys.map((key) => ({ key, codes: new HmacResumeCodes(key.secret) }));
  }

  get currentKeyId(): string {
    return this.issuers[0]!.key.keyId;
  }

  codeFor(sessionId: string, resumeCount: number): string {
    return this.issuers[0]!.codes.codeFor(sessionId, resumeCount);
  }

  verify(sessionId: string, resumeCount: number, candidate: string): boolean {
    const now = this.clock.now();
    let ok = false;
    // Every live key is tried (no early exit), so timing does not tell which key matched.
    for (const { key, codes } of this.issuers) {
      if (key.acceptUntil !== undefined && now > key.acceptUntil) continue;
      if (codes.verify(sessionId, resumeCount, candidate)) ok = true;
    }
    return ok;
  }
}

/** A kiosk with no usable centre secret: no code is ever right (fail closed), and it says why. */
export class RefusingResumeCodes implements ResumeCodeIssuer {
  constructor(readonly reason: string) {}
  codeFor(): string {
    throw new Error(`resume codes are unavailable on this kiosk: ${this.reason}`);
  }
  verify(): boolean {
    return false;
  }
}
