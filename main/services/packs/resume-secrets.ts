/**
 * The centre's resume-code secrets, from the provisioning config into a form the kiosk keeps:
 * each secret given in the config is stored wrapped by the KeyProtector under
 * `<data>/keys/resume-<keyId>.key`, so IT may remove the plain secret from the config after the
 * first start; a key listed without its secret is read back from that store. Nothing demo applies
 * outside a demo config: a production config without a usable secret gives no resume codes at
 * all (every code refused), never the public demo secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import { DEMO_PROCTOR_SECRET, HmacResumeCodes, isKnownDemoSecret, RefusingResumeCodes, RotatingResumeCodes, type ResumeCodeIssuer, type ResumeCodeKey } from '../session/resume-codes';
import { writeFileDurably, type KeyProtector } from './key-protector';
import { packErrorText } from './pack-errors';
import type { ProvisioningConfig } from './provisioning';

export function resumeSecretFile(dataDir: string, keyId: string): string {
  return path.join(dataDir, 'keys', `resume-${keyId}.key`);
}

/** The keys of the config, each with its secret (from the config, else from the wrapped store). */
export function resolveResumeCodeKeys(config: ProvisioningConfig, dataDir: string | undefined, protector: KeyProtector): Result<ResumeCodeKey[]> {
  const out: ResumeCodeKey[] = [];
  for (const k of config.resumeCodes?.keys ?? []) {
    const file = dataDir ? resumeSecretFile(dataDir, k.keyId) : undefined;
    let secret: Buffer | undefined;
    if (k.secret) {
      secret = Buffer.from(k.secret, 'base64');
      if (file) {
        const stored = existsSync(file) ? protector.unprotect(readFileSync(file)) : undefined;
        if (!stored || !stored.equals(secret)) writeFileDurably(file, protector.protect(secret));
      }
    } else if (file && existsSync(file)) {
      secret = protector.unprotect(readFileSync(file));
      if (!secret) return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (the stored resume-code secret ${k.keyId} cannot be unwrapped on this machine)`);
    } else {
      return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (resume-code key ${k.keyId} has no secret in the config and none was stored on this kiosk)`);
    }
    if (config.mode === 'production' && isKnownDemoSecret(secret)) {
      return err('PROVISIONING_INVALID', `${packErrorText.PROVISIONING_INVALID.en} (resume-code key ${k.keyId} is the public demo secret)`);
    }
    out.push({ keyId: k.keyId, secret, ...(k.acceptUntil ? { acceptUntil: Date.parse(k.acceptUntil) } : {}) });
  }
  return ok(out);
}

/**
 * The resume-code issuer a kiosk with this config uses. Demo configs without their own secret
 * use the public demo secret (the demo must run without a proctor's secret); production configs
 * never do.
 */
export function resumeCodesFor(config: ProvisioningConfig | undefined, dataDir: string | undefined, protector: KeyProtector, clock: Clock): { codes: ResumeCodeIssuer; problem?: string } {
  if (!config) return { codes: new RefusingResumeCodes('no valid provisioning config'), problem: 'no valid provisioning config' };
  const keys = resolveResumeCodeKeys(config, dataDir, protector);
  if (!keys.ok) return { codes: new RefusingResumeCodes(keys.error.message), problem: keys.error.message };
  if (keys.value.length > 0) return { codes: new RotatingResumeCodes(keys.value, clock) };
  if (config.mode === 'demo') return { codes: new HmacResumeCodes(DEMO_PROCTOR_SECRET) };
  return { codes: new RefusingResumeCodes('no resume-code secret is provisioned'), problem: 'no resume-code secret is provisioned' };
}
