/**
 * The machine-wide provisioning config: which signing keys this kiosk trusts, which kiosk and test
 * centre it is, and where its HR endpoint is. IT installs it with the MSI/DMG in a place only
 * administrators can write. Validated at start; in kiosk mode nothing per-user (a file in the
 * user's profile, an environment variable) can override it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from '../../common/result';
import { keyIdOf, publicKeyObject } from './pack-crypto';
import { packErrorText } from './pack-errors';
import { formatPath } from './pack-lint';
import { Id, PackVersion, PublicKeyB64 } from './pack-schema';
import { isKnownDemoSecret } from '../session/resume-codes';
import { proctorPublicKey, type ProctorTokenKey } from '../../common/proctor-token';
import { aclProblem, readWindowsAcl } from './windows-acl';

export const PROVISIONING_VERSION = 1;
export const PROVISIONING_ENV = 'INTERVIEW_KIOSK_PROVISIONING';
const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * Key ids of keys whose private half is public (committed demo keys). A production config that
 * lists one of them is invalid whatever flag it carries.
 */
export const KNOWN_DEMO_KEY_IDS: readonly string[] = [
  'ed25519:6a35a9cd3c540f8ed1d7a1e234c61353',
  'ed25519:bb766c79857247308f8ee9ed3c6d288c',
  // build/provisioning/demo-proctor-key.json (proctor tokens)
  'ed25519:e3f18c62ccca0f24f7b0cea9103a3bad',
];

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'letters, digits, ".", "-" and "_" (2–64)');

export const TrustedKey = z
  .object({
    keyId: z.string().regex(/^ed25519:[0-9a-f]{32}$/),
    publicKey: PublicKeyB64,
    label: z.string().min(1).max(200),
    purposes: z.array(z.enum(['pack', 'schedule', 'proctor'])).min(1),
    demo: z.boolean().default(false),
    /** After this instant the key signs nothing new this kiosk accepts (rotation). */
    notAfter: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/**
 * A resume-code secret. The first key in the list issues codes; the ones after it are previous
 * keys, still accepted until `acceptUntil` (rotation). `secret` (base64, 32–64 bytes) may be
 * removed from the file after the kiosk's first start: the kiosk keeps it wrapped by its
 * KeyProtector under `<data>/keys/`, found again by `keyId`.
 */
export const ResumeCodeKeyConfig = z
  .object({
    keyId: Name,
    secret: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')
      .refine((s) => {
        const n = Buffer.from(s, 'base64').length;
        return n >= 32 && n <= 64;
      }, '32 to 64 random bytes, base64')
      .optional(),
    acceptUntil: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type ResumeCodeKeyConfig = z.infer<typeof ResumeCodeKeyConfig>;

export const ProvisioningConfig = z
  .object({
    provisioningVersion: z.literal(PROVISIONING_VERSION),
    mode: z.enum(['demo', 'production']),
    notice: z.string().max(500).optional(),
    kioskId: Name,
    centreId: Name,
    trustedKeys: z.array(TrustedKey).min(1).max(32),
    hrEndpoint: z
      .object({
        url: z.url({ protocol: /^https?$/ }).max(500),
        /** Signs the endpoint's answers; a pack may name its own, this one is the fallback. */
        publicKey: PublicKeyB64,
        /** Bearer token identifying this kiosk to the endpoint. */
        kioskToken: z.string().min(16).max(200),
        /**
         * HR's X25519 public key (base64 of 32 bytes): every session's data key is also wrapped
         * for it, so HR can open uploaded recordings (docs/encryption-at-rest.md).
         */
        sealingKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, '32-byte X25519 public key in base64').optional(),
      })
      .strict()
      .optional(),
    /** Where signed packs and schedules are installed; defaults next to the application. */
    packsDir: z.string().min(1).max(500).optional(),
    /** Demo only: unlock codes of demo packs, so the demo runs without a proctor. */
    demoUnlockCodes: z.record(z.string(), z.string().min(4).max(64)).optional(),
    /** The centre's resume-code secrets (required in production): current first, then previous ones. */
    resumeCodes: z.object({ keys: z.array(ResumeCodeKeyConfig).min(1).max(4) }).strict().optional(),
    /** Lowest pack version this kiosk may run, per pack id: anti-rollback that no user can lower. */
    packFloors: z.record(Id, PackVersion).optional(),
    /**
     * The HR hub this kiosk syncs to (docs/hub.md). Sync starts once the kiosk is enrolled
     * (`npm run kiosk -- enrol`); `credentialFile` (absolute) is where the enrolment credential is
     * kept, default `<dataDir>/keys/hub-credential.json`.
     */
    hub: z
      .object({
        url: z.url({ protocol: /^https?$/ }).max(500),
        credentialFile: z
          .string()
          .min(2)
          .max(500)
          .refine((p) => path.isAbsolute(p) || path.win32.isAbsolute(p), 'an absolute path')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const rc = c.resumeCodes?.keys ?? [];
    if (c.mode === 'production' && rc.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['resumeCodes'], message: 'a production kiosk needs the centre\'s resume-code secret' });
    }
    const ids = new Set<string>();
    rc.forEach((k, i) => {
      if (ids.has(k.keyId)) ctx.addIssue({ code: 'custom', path: ['resumeCodes', 'keys', i, 'keyId'], message: 'duplicate keyId' });
      ids.add(k.keyId);
      if (i === 0 && k.acceptUntil) ctx.addIssue({ code: 'custom', path: ['resumeCodes', 'keys', 0, 'acceptUntil'], message: 'the current (first) key has no end' });
      if (i > 0 && !k.acceptUntil) ctx.addIssue({ code: 'custom', path: ['resumeCodes', 'keys', i, 'acceptUntil'], message: 'a previous key needs acceptUntil (end of the rotation window)' });
      if (c.mode === 'production' && k.secret && isKnownDemoSecret(Buffer.from(k.secret, 'base64'))) {
        ctx.addIssue({ code: 'custom', path: ['resumeCodes', 'keys', i, 'secret'], message: 'the demo secret is public and never valid in production' });
      }
    });
    c.trustedKeys.forEach((k, i) => {
      if (keyIdOf(k.publicKey) !== k.keyId) {
        ctx.addIssue({ code: 'custom', path: ['trustedKeys', i, 'keyId'], message: `does not match the public key (expected ${keyIdOf(k.publicKey)})` });
      }
      const isDemoKey = k.demo || KNOWN_DEMO_KEY_IDS.includes(k.keyId);
      if (c.mode === 'production' && isDemoKey) {
        ctx.addIssue({ code: 'custom', path: ['trustedKeys', i], message: 'a production kiosk must not trust a demo key' });
      }
      if (c.mode === 'demo' && !isDemoKey) {
        ctx.addIssue({ code: 'custom', path: ['trustedKeys', i, 'demo'], message: 'a demo config trusts demo keys only' });
      }
    });
    if (c.mode === 'production') {
      if (c.demoUnlockCodes) ctx.addIssue({ code: 'custom', path: ['demoUnlockCodes'], message: 'not allowed in production' });
      if (c.hrEndpoint && !c.hrEndpoint.url.startsWith('https://')) {
        ctx.addIssue({ code: 'custom', path: ['hrEndpoint', 'url'], message: 'a production HR endpoint must use https' });
      }
      if (c.hub && !c.hub.url.startsWith('https://')) {
        ctx.addIssue({ code: 'custom', path: ['hub', 'url'], message: 'a production hub must use https' });
      }
    } else if (!c.notice || !/demo/i.test(c.notice)) {
      ctx.addIssue({ code: 'custom', path: ['notice'], message: 'a demo config must say it is for demonstration only' });
    }
  });
export type ProvisioningConfig = z.infer<typeof ProvisioningConfig>;

export interface TrustedKeyEntry {
  readonly keyId: string;
  readonly key: KeyObject;
  readonly purposes: readonly ('pack' | 'schedule' | 'proctor')[];
  readonly demo: boolean;
  readonly notAfter?: number;
}

/** What the verifiers need from the config. */
export interface TrustStore {
  readonly mode: 'demo' | 'production';
  readonly keys: ReadonlyMap<string, TrustedKeyEntry>;
}

/**
 * The hub keys whose proctor tokens this kiosk accepts: trusted keys listed for `proctor`, and the
 * HR endpoint's (hub's) own key, which signs the tokens it issues (docs/proctor-tokens.md).
 */
export function proctorTokenKeysOf(config: ProvisioningConfig): ProctorTokenKey[] {
  const out: ProctorTokenKey[] = [];
  for (const k of config.trustedKeys) {
    if (!k.purposes.includes('proctor')) continue;
    out.push({ ...proctorPublicKey(k.publicKey), ...(k.notAfter ? { notAfter: Date.parse(k.notAfter) } : {}) });
  }
  if (config.hrEndpoint && !out.some((k) => k.keyId === keyIdOf(config.hrEndpoint!.publicKey))) out.push(proctorPublicKey(config.hrEndpoint.publicKey));
  return out;
}

export function trustStoreOf(config: ProvisioningConfig): TrustStore {
  const keys = new Map<string, TrustedKeyEntry>();
  for (const k of config.trustedKeys) {
    keys.set(k.keyId, {
      keyId: k.keyId,
      key: publicKeyObject(k.publicKey),
      purposes: k.purposes,
      demo: k.demo || KNOWN_DEMO_KEY_IDS.includes(k.keyId),
      ...(k.notAfter ? { notAfter: Date.parse(k.notAfter) } : {}),
    });
  }
  return { mode: config.mode, keys };
}

export type ProvisioningSource = 'explicit' | 'environment' | 'user' | 'machine' | 'demo-fallback';

export interface LoadedProvisioning {
  readonly config: ProvisioningConfig;
  readonly trust: TrustStore;
  readonly source: ProvisioningSource;
  readonly path: string;
  /** Candidate files that exist but were not used, and why (shown to IT, logged). */
  readonly ignored: readonly string[];
}

/** Where IT installs the config on each platform. */
export function machineProvisioningPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (platform) {
    case 'win32':
      return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'InterviewKiosk', 'provisioning.json');
    case 'darwin':
      return '/Library/Application Support/InterviewKiosk/provisioning.json';
    default:
      return '/etc/interview-kiosk/provisioning.json';
  }
}

export function parseProvisioning(text: string): Result<ProvisioningConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (not JSON: ${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = ProvisioningConfig.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (${i ? formatPath(i.path) + ': ' + i.message : 'invalid'})`);
  }
  return ok(parsed.data);
}

function readConfig(file: string, source: ProvisioningSource, checkOwnership: boolean): Result<LoadedProvisioning> {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (${file} is not a small regular file)`);
    // On POSIX the machine-wide file must not be writable by anyone but its (administrator) owner.
    if (checkOwnership && process.platform !== 'win32' && (st.mode & 0o022) !== 0) {
      return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (${file} is writable by non-administrators)`);
    }
    // On Windows the ACL says who may change it; an unreadable ACL fails closed.
    if (checkOwnership && process.platform === 'win32') {
      const acl = readWindowsAcl(file);
      const problem = acl ? aclProblem(acl) : 'its access control list could not be read';
      if (problem) return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (${file}: ${problem})`);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (${file}: ${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = parseProvisioning(text);
  if (!parsed.ok) return parsed;
  return ok({ config: parsed.value, trust: trustStoreOf(parsed.value), source, path: file, ignored: [] });
}

export interface ProvisioningOptions {
  /** Kiosk mode: only the machine-wide file counts. */
  readonly kioskMode: boolean;
  /** A path chosen by code (tests, the CLI). Honoured in every mode: it is not user input. */
  readonly explicitPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  /** The per-user file (e.g. in the app's user-data folder); honoured outside kiosk mode only. */
  readonly userPath?: string;
  /** Overrides the platform's machine-wide path (tests). */
  readonly machinePath?: string;
  /**
   * The shipped demo config, used only when no machine-wide config exists. It trusts demo keys
   * only, so a kiosk without provisioning can run the demo and nothing else.
   */
  readonly demoFallbackPath?: string;
}

/**
 * Finds and validates the config. Precedence outside kiosk mode: explicit, environment, user
 * file, machine file, demo fallback. In kiosk mode: explicit, then the machine file, which must be
 * a production config; there is no demo fallback (fail closed).
 */
export function loadProvisioning(options: ProvisioningOptions): Result<LoadedProvisioning> {
  const env = options.env ?? process.env;
  const ignored: string[] = [];
  const machine = options.machinePath ?? machineProvisioningPath(options.platform, env);
  const withIgnored = (r: Result<LoadedProvisioning>): Result<LoadedProvisioning> => (r.ok ? ok({ ...r.value, ignored }) : r);

  if (options.explicitPath) {
    const r = readConfig(options.explicitPath, 'explicit', false);
    if (r.ok && options.kioskMode && r.value.config.mode !== 'production') {
      return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (kiosk mode runs only a production config; ${options.explicitPath} is a demo config)`);
    }
    return withIgnored(r);
  }
  const envPath = env[PROVISIONING_ENV];
  if (envPath) {
    if (options.kioskMode) ignored.push(`${envPath} (${PROVISIONING_ENV} is ignored in kiosk mode)`);
    else return withIgnored(readConfig(envPath, 'environment', false));
  }
  if (options.userPath && existsSync(options.userPath)) {
    if (options.kioskMode) ignored.push(`${options.userPath} (per-user config is ignored in kiosk mode)`);
    else return withIgnored(readConfig(options.userPath, 'user', false));
  }
  if (existsSync(machine)) {
    const r = readConfig(machine, 'machine', options.kioskMode);
    if (r.ok && options.kioskMode && r.value.config.mode !== 'production') {
      return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (kiosk mode runs only a production config; ${machine} is a demo config)`);
    }
    return withIgnored(r);
  }
  // In kiosk mode nothing demo applies: no demo fallback, so an unprovisioned kiosk runs nothing.
  if (options.kioskMode) return err('PROVISIONING_MISSING', `${packErrorText.PROVISIONING_MISSING.en} (expected ${machine}; kiosk mode never falls back to the demo config)`);
  if (options.demoFallbackPath && existsSync(options.demoFallbackPath)) {
    const r = readConfig(options.demoFallbackPath, 'demo-fallback', false);
    if (r.ok && r.value.config.mode !== 'demo') return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (the fallback config must be a demo config)`);
    return withIgnored(r);
  }
  return err('PROVISIONING_MISSING', `${packErrorText.PROVISIONING_MISSING.en} (expected ${machine})`);
}
