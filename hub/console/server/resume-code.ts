/**
 * Resume codes the kiosk accepts, issued on the hub. The kiosk's format (docs/provisioning.md,
 * `resumeCodes.keys`): HMAC-SHA256 under the centre's secret over `resume:v1:<sessionId>:<resumeCount>`,
 * the first 50 bits in Crockford base32 (10 characters), shown as XXXXX-XXXXX. Written here from
 * that format; the test checks it against the kiosk's own verifier.
 */
import { createHash, createHmac } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 10;
/** sha256 of the kiosk's public demo secret ('interview-kiosk-demo-proctor-secret-v1'). */
const DEMO_SECRET_SHA256 = createHash('sha256').update('interview-kiosk-demo-proctor-secret-v1').digest('hex');

export function resumeCodeFor(secret: Buffer, sessionId: string, resumeCount: number): string {
  const mac = createHmac('sha256', secret).update(`resume:v1:${sessionId}:${resumeCount}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of mac) {
    value = ((value << 8) | b) >>> 0;
    bits += 8;
    while (bits >= 5 && out.length < LENGTH) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= LENGTH) break;
  }
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/**
 * The centre secret from HUB_RESUME_CODE_SECRET (base64, at least 16 bytes). Absent: null (the
 * console journals the request and says the hub cannot issue). The public demo secret is refused
 * unless HUB_DEMO=1.
 */
export function resumeSecretFromEnv(env: NodeJS.ProcessEnv): Buffer | null {
  const raw = env.HUB_RESUME_CODE_SECRET;
  if (!raw) return null;
  const buf = Buffer.from(raw, 'base64');
  if (buf.length < 16) throw new Error('HUB_RESUME_CODE_SECRET must be base64 of at least 16 bytes');
  if (createHash('sha256').update(buf).digest('hex') === DEMO_SECRET_SHA256 && env.HUB_DEMO !== '1') throw new Error('HUB_RESUME_CODE_SECRET is the public demo secret (set HUB_DEMO=1 for a demo)');
  return buf;
}
