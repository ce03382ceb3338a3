/**
 * The kiosk's hub credential at rest: one small JSON file (mode 0600, written durably) holding the
 * hub URL, the kiosk id the hub assigned and the Ed25519 private key wrapped by the kiosk's
 * KeyProtector — never the plain key. Everything read back is validated: size, shape, the wrapped
 * key opens, and what opens is an Ed25519 PKCS#8 key.
 *
 * The enrolment CLI runs outside Electron and wraps with the data folder's FileKeyProtector; the
 * Electron shell's protector is the OS keystore. When the file was wrapped by another protector
 * kind and that protector is passed as `previous`, the key is re-wrapped with the current one and
 * the file rewritten (once), so the key ends up under the strongest protector the kiosk has.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { writeFileDurably, type KeyProtector } from '../packs/key-protector';
import type { KioskCredential } from './signing';
import type { CredentialRead } from './sync-plan';

export const HUB_CREDENTIAL_VERSION = 1;
const MAX_FILE_BYTES = 16 * 1024;

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

const StoredCredential = z
  .object({
    credentialVersion: z.literal(HUB_CREDENTIAL_VERSION),
    hubUrl: z.url({ protocol: /^https?$/ }).max(500),
    kioskId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
    name: z.string().min(1).max(200),
    enrolledAt: z.iso.datetime({ offset: true }),
    protector: z.enum(['os-keystore', 'file-key', 'memory']),
    /** The PKCS#8 DER private key, wrapped by `protector`, base64. */
    wrappedPrivateKey: z.string().min(1).max(8192).regex(B64),
  })
  .strict();
type StoredCredential = z.infer<typeof StoredCredential>;

/** True when `der` is an Ed25519 private key in PKCS#8 DER. */
function isEd25519Pkcs8(der: Buffer): boolean {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

export interface SaveCredentialInput {
  readonly credential: KioskCredential;
  readonly name: string;
  readonly enrolledAt: number;
}

/** Writes the credential, its key wrapped by `protector`. A memory protector is refused: the key would be lost. */
export function saveHubCredential(file: string, input: SaveCredentialInput, protector: KeyProtector): void {
  if (protector.kind === 'memory') throw new Error('a hub credential needs a persistent KeyProtector');
  const der = Buffer.from(input.credential.privateKey, 'base64');
  if (!isEd25519Pkcs8(der)) throw new Error('the credential key is not an Ed25519 private key');
  const stored: StoredCredential = {
    credentialVersion: HUB_CREDENTIAL_VERSION,
    hubUrl: input.credential.hubUrl,
    kioskId: input.credential.kioskId,
    name: input.name,
    enrolledAt: new Date(input.enrolledAt).toISOString(),
    protector: protector.kind,
    wrappedPrivateKey: protector.protect(der).toString('base64'),
  };
  const checked = StoredCredential.safeParse(stored);
  if (!checked.success) throw new Error(`credential not storable: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  writeFileDurably(file, JSON.stringify(stored, null, 2) + '\n', 0o600);
}

/**
 * Reads the credential. `absent` when there is no file; `unusable` (with a code) when it is too
 * big, not JSON, the wrong shape, cannot be unwrapped, or holds something other than an Ed25519
 * key. Never throws.
 */
export function loadHubCredential(file: string, protector: KeyProtector, previous?: () => KeyProtector | undefined): CredentialRead {
  let text: string;
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st) return { kind: 'absent' };
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return { kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID', message: `${file} is not a small regular file` };
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID', message: `${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID', message: `${file} is not JSON` };
  }
  const parsed = StoredCredential.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID', message: `${file}: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}` };
  }
  const s = parsed.data;
  const wrapped = Buffer.from(s.wrappedPrivateKey, 'base64');
  let der: Buffer | undefined;
  let rewrap = false;
  if (s.protector === protector.kind) {
    der = protector.unprotect(wrapped);
  } else {
    const prev = safe(previous);
    if (prev && prev.kind === s.protector) {
      der = prev.unprotect(wrapped);
      rewrap = der !== undefined && protector.kind !== 'memory';
    }
  }
  if (!der) return { kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED', message: `the credential's key (wrapped by ${s.protector}) cannot be opened by this kiosk's ${protector.kind} protector` };
  if (!isEd25519Pkcs8(der)) return { kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID', message: `${file} does not hold an Ed25519 key` };
  const credential: KioskCredential = { hubUrl: s.hubUrl, kioskId: s.kioskId, privateKey: der.toString('base64') };
  if (rewrap) {
    try {
      saveHubCredential(file, { credential, name: s.name, enrolledAt: Date.parse(s.enrolledAt) }, protector);
    } catch {
      // The credential still works from the old wrapping; the re-wrap is tried at the next start.
    }
  }
  return { kind: 'found', credential };
}

function safe(f: (() => KeyProtector | undefined) | undefined): KeyProtector | undefined {
  try {
    return f?.();
  } catch {
    return undefined;
  }
}
