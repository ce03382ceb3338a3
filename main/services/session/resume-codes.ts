/**
 * Proctor resume codes. A code is an HMAC of the session id and its resume count under the
 * centre's secret: bound to one session and one resume, useless anywhere else, and 50 bits long,
 * so with a handful of allowed attempts it cannot be guessed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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
