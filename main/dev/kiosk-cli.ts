/**
 * The kiosk's own administration tool (run by IT on the kiosk):
 *
 *   npm run kiosk -- enrol --code CODE [--hub URL] [--name NAME] [--data-dir DIR] [--provisioning FILE] [--replace] [--json]
 *     enrols this kiosk with the HR hub using a one-time enrolment code from HR
 *     (`POST /v1/enrolment-codes` on the hub). The kiosk generates its Ed25519 key pair; the hub
 *     keeps the public key and answers a kiosk id. The credential is stored where provisioning's
 *     `hub.credentialFile` says (default `<data-dir>/keys/hub-credential.json`), its private key
 *     wrapped by the data folder's KeyProtector — never in plain text. When provisioning names a
 *     hub, `--hub` may be left out and must otherwise be the same hub. An existing credential is
 *     kept unless `--replace` is given (a spent code cannot be re-used).
 *   npm run kiosk -- status [--data-dir DIR] [--provisioning FILE] [--json]
 *     whether this kiosk will sync at its next start (off, not_enrolled, refused with the reason,
 *     or start) and its outbox counts. Never prints the key.
 *
 * Last line one JSON object with --json. Exit status: 0 done, 1 refused, 2 usage.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databasePath } from '../app/composition-root';
import { openDatabaseReadOnly } from '../db/connection';
import { outboxCounts } from '../db/queries/outbox';
import { FileKeyProtector } from '../services/packs/key-protector';
import { loadProvisioning } from '../services/packs/provisioning';
import { loadHubCredential, saveHubCredential } from '../services/sync/credential-store';
import { HubCallError, enrolKiosk } from '../services/sync/hub-client';
import type { KioskCredential } from '../services/sync/signing';
import { hubCredentialPath, normalizeHubUrl, syncPlan, type HubProvisioning } from '../services/sync/sync-plan';

const USAGE = [
  'usage: npm run kiosk -- enrol --code CODE [--hub URL] [--name NAME] [--data-dir DIR] [--provisioning FILE] [--replace] [--json]',
  '       npm run kiosk -- status [--data-dir DIR] [--provisioning FILE] [--json]',
].join('\n');

const CODE = /^[A-Za-z0-9-]{4,100}$/;
const NAME = /^[\p{L}\p{N} ._-]{1,200}$/u;

const json = process.argv.includes('--json');
function out(value: Record<string, unknown>, text: string): void {
  if (json) console.log(JSON.stringify(value));
  else console.log(text);
}
function refuse(code: string, message: string, exit = 1): never {
  out({ ok: false, code, message }, `Refused: ${code}: ${message}`);
  process.exit(exit);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      hub: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      'data-dir': { type: 'string', default: '.kiosk-data' },
      provisioning: { type: 'string' },
      replace: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (e) {
  refuse('USAGE', `${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
}
const { values, positionals } = parsed;
const command = positionals[0];
if (positionals.length !== 1 || (command !== 'enrol' && command !== 'status')) refuse('USAGE', USAGE, 2);
const dataDir = path.resolve(values['data-dir']);

/** The hub section of this kiosk's provisioning (the same precedence as the kiosk outside kiosk mode). */
function provisionedHub(): HubProvisioning | undefined {
  const prov = loadProvisioning({
    kioskMode: false,
    ...(values.provisioning ? { explicitPath: path.resolve(values.provisioning) } : {}),
    userPath: path.join(dataDir, 'provisioning.json'),
    demoFallbackPath: path.join(process.cwd(), 'build', 'provisioning', 'demo-provisioning.json'),
  });
  if (!prov.ok) {
    // Enrolling needs no provisioning (the hub URL can be given); a broken config is still reported.
    if (values.provisioning) refuse(prov.error.code, prov.error.message);
    return undefined;
  }
  return prov.value.config.hub;
}

function validHubUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    refuse('USAGE', `--hub is not a URL: ${raw.slice(0, 200)}`, 2);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash || raw.length > 500) {
    refuse('USAGE', '--hub is an http(s) URL without credentials, query or fragment (at most 500 characters)', 2);
  }
  return normalizeHubUrl(u.toString());
}

async function enrol(): Promise<void> {
  const enrolmentCode = values.code?.trim();
  if (!enrolmentCode || !CODE.test(enrolmentCode)) refuse('USAGE', `enrol needs --code CODE (the one-time enrolment code from HR)\n${USAGE}`, 2);
  const name = values.name ?? os.hostname().slice(0, 200);
  if (!NAME.test(name)) refuse('USAGE', '--name is 1-200 letters, digits, spaces, ".", "-" or "_"', 2);
  const hub = provisionedHub();
  const given = values.hub ? validHubUrl(values.hub) : undefined;
  if (hub && given && normalizeHubUrl(hub.url) !== given) {
    refuse('HUB_MISMATCH', `provisioning names the hub ${hub.url}; this kiosk would refuse a credential for ${given}`);
  }
  const hubUrl = given ?? (hub ? normalizeHubUrl(hub.url) : undefined);
  if (!hubUrl) refuse('USAGE', `no hub: give --hub URL or provision one (hub.url)\n${USAGE}`, 2);
  const file = hubCredentialPath(hub, dataDir);
  if (existsSync(file) && !values.replace) refuse('HUB_ALREADY_ENROLLED', `${file} exists; give --replace to enrol again (the old credential stops being used)`);
  const protector = new FileKeyProtector(dataDir);
  let credential: KioskCredential;
  try {
    credential = await enrolKiosk(hubUrl, enrolmentCode, name);
  } catch (e) {
    const code = e instanceof HubCallError ? e.code : 'HUB_UNREACHABLE';
    refuse(code, e instanceof Error ? e.message : String(e));
  }
  saveHubCredential(file, { credential, name, enrolledAt: Date.now() }, protector);
  // Read it back through the same validation the kiosk uses at start.
  const check = syncPlan(hub ?? { url: hubUrl, credentialFile: file }, loadHubCredential(file, protector));
  if (check.kind !== 'start') refuse('HUB_CREDENTIAL_INVALID', `the stored credential does not read back (${check.kind})`);
  out(
    { ok: true, command: 'kiosk enrol', kioskId: credential.kioskId, hubUrl, credentialFile: file, protector: protector.kind, provisioned: hub !== undefined },
    `Enrolled as ${credential.kioskId} with ${hubUrl}; credential in ${file} (key wrapped by the ${protector.kind} protector).` +
      (hub ? '' : `\nProvisioning names no hub yet: add "hub": {"url": "${hubUrl}"} to the kiosk's provisioning config so it syncs.`),
  );
}

function status(): void {
  const hub = provisionedHub();
  const file = hubCredentialPath(hub, dataDir);
  const plan = syncPlan(hub, hub ? loadHubCredential(file, new FileKeyProtector(dataDir)) : { kind: 'absent' });
  let counts: ReturnType<typeof outboxCounts> | null = null;
  const dbFile = databasePath(dataDir);
  if (existsSync(dbFile)) {
    try {
      const db = openDatabaseReadOnly(dbFile);
      try {
        counts = outboxCounts(db);
      } finally {
        db.close();
      }
    } catch {
      counts = null; // unreadable, or a database from before the outbox
    }
  }
  const summary = {
    ok: true,
    command: 'kiosk status',
    plan: plan.kind,
    hubUrl: plan.kind === 'start' ? plan.credential.hubUrl : plan.kind === 'off' ? null : plan.hubUrl,
    kioskId: plan.kind === 'start' ? plan.credential.kioskId : null,
    problem: plan.kind === 'refused' ? { code: plan.code, message: plan.message } : null,
    credentialFile: file,
    outbox: counts,
  };
  out(summary, `sync: ${summary.plan}${summary.hubUrl ? ` (${summary.hubUrl})` : ''}${summary.problem ? ` - ${summary.problem.code}: ${summary.problem.message}` : ''}${counts ? `; outbox ${counts.pending} pending, ${counts.confirmed} confirmed` : ''}`);
}

if (command === 'enrol') {
  enrol().catch((e: unknown) => refuse('ENROL_FAILED', e instanceof Error ? e.message : String(e)));
} else {
  status();
}
