/**
 * The proctor's tool, run on the kiosk (or on a copy of its data folder):
 *
 *   npm run proctor -- resume-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]
 *     the resume code a returning candidate needs after the grace window. The code is bound to
 *     the session and to its resume count, so each code works once. It comes from the centre's
 *     resume-code secret in the provisioning config (the machine-wide file, or --provisioning), or
 *     from the kiosk's wrapped copy of it in the data folder when IT has removed the plain secret
 *     from the config. Only a demo config uses the public demo secret; a kiosk without a
 *     provisioned secret has no valid codes, and this tool says so (exit 1).
 *   npm run proctor -- accommodation-code --invite CODE [--time 1.5] [--rest MINUTES] [--text] [--large-text] [--high-contrast] [--data-dir DIR] [--provisioning FILE] [--json]
 *     the code a proctor gives to set these exact accommodations on the spot on this candidate's
 *     session (issue #20); bound to the session, the settings and the number of earlier changes, so
 *     it works once and for nothing else. The kiosk journals it with the proctor's name and reason.
 *   npm run proctor -- identity-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]
 *     the code that confirms (or rejects) the photo or ID number a candidate submitted at the
 *     identity check (issue #15); bound to the session and that submission, so it works for nothing
 *     else. Give it only after comparing the person with their document and photo yourself.
 *   npm run proctor -- invite-attempts [--data-dir DIR] [--limit N] [--json]
 *     the check-in throttle's state (open, waiting, locked) and the latest invite attempts.
 *   npm run proctor -- invite-clear --by NAME [--data-dir DIR] [--json]
 *     clears a check-in lockout (recorded as a new row with NAME; nothing is erased).
 *   npm run proctor -- incidents [--data-dir DIR] [--limit N] [--json]
 *     help asked for before check-in (raised hands, diagnostic bundles) and the sessions' incidents.
 *
 *   npm run proctor -- keygen --out FILE [--json]
 *     a new Ed25519 key for signing proctor tokens at a test centre without a hub; prints the
 *     `trustedKeys` entry (purpose "proctor") to add to the kiosks' provisioning config.
 *   npm run proctor -- issue --key FILE (--session ID | --invite CODE [--data-dir DIR])
 *        [--provisioning FILE | --kiosk ID --centre ID] [--action resume|lift_pause|extend|confirm_identity]
 *        [--ttl MINUTES] [--arg N] [--json]
 *     a signed, expiring proctor token for one action on one session at one kiosk (what the hub
 *     issues; docs/proctor-tokens.md). The kiosk and centre come from the provisioning config
 *     (the machine-wide file, --provisioning, or the demo config) unless given.
 *
 * Exit status: 0 done, 1 refused (nothing found, nothing to clear), 2 usage.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeInviteCode } from '../../preload/contract/invite-code';
import { databasePath } from '../app/composition-root';
import { systemClock } from '../common/clock';
import { createConsoleLogger } from '../common/logger';
import { openDatabase, openDatabaseReadOnly } from '../db/connection';
import { recentKioskIncidents, recentSessionIncidents } from '../db/queries/kiosk-records';
import { getSessionByInvite } from '../db/queries/sessions';
import { InviteGate, type InviteGateState } from '../services/session/invite-gate';
import { devInvitePolicy } from './dev-options';
import { formatResumeCode } from '../services/session/resume-codes';
import { Accommodations } from '../../preload/contract/accommodations';
import { proctorAccommodationCode } from '../services/session/accommodations';
import { identityCodeFor, identityStateOf } from '../services/identity/identity-check';
import { FileKeyProtector } from '../services/packs/key-protector';
import { loadProvisioning, proctorTokenKeysOf } from '../services/packs/provisioning';
import { formatProctorToken, generateProctorSigningKey, issueProctorToken, PROCTOR_ACTIONS, proctorKeyIdOf, type ProctorAction, type ProctorSigningKey } from '../common/proctor-token';
import { resumeCodesFor } from '../services/packs/resume-secrets';

const USAGE = [
  'usage: npm run proctor -- resume-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]',
  '       npm run proctor -- accommodation-code --invite CODE [--time 1.5] [--rest MINUTES] [--text] [--large-text] [--high-contrast] [--data-dir DIR] [--provisioning FILE] [--json]',
  '       npm run proctor -- identity-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]',
  '       npm run proctor -- invite-attempts [--data-dir DIR] [--limit N] [--json]',
  '       npm run proctor -- invite-clear --by NAME [--data-dir DIR] [--json]',
  '       npm run proctor -- incidents [--data-dir DIR] [--limit N] [--json]',
  '       npm run proctor -- keygen --out FILE [--json]',
  '       npm run proctor -- issue --key FILE (--session ID | --invite CODE [--data-dir DIR]) [--provisioning FILE | --kiosk ID --centre ID]',
  '                                [--action resume|lift_pause|extend|confirm_identity] [--ttl MINUTES] [--arg N] [--json]',
].join('\n');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    invite: { type: 'string' },
    by: { type: 'string' },
    time: { type: 'string' },
    rest: { type: 'string' },
    text: { type: 'boolean', default: false },
    'large-text': { type: 'boolean', default: false },
    'high-contrast': { type: 'boolean', default: false },
    limit: { type: 'string', default: '20' },
    'data-dir': { type: 'string', default: '.kiosk-data' },
    provisioning: { type: 'string' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    key: { type: 'string' },
    session: { type: 'string' },
    kiosk: { type: 'string' },
    centre: { type: 'string' },
    action: { type: 'string', default: 'resume' },
    ttl: { type: 'string', default: '15' },
    arg: { type: 'string', default: '0' },
  },
});

const dbFile = databasePath(path.resolve(values['data-dir']));
const limit = Math.max(1, Math.min(500, Number.parseInt(values.limit, 10) || 20));
const iso = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
const silent = createConsoleLogger('proctor', 'error');
const policy = devInvitePolicy();

function out(json: Record<string, unknown>, text: string): void {
  console.log(values.json ? JSON.stringify(json) : text);
}

/** The accommodations asked for on the command line, validated as the kiosk will validate them. */
function requestedAccommodations(): Accommodations {
  const r = Accommodations.safeParse({
    ...(values.time !== undefined ? { timeMultiplier: Number(values.time) } : {}),
    ...(values.rest !== undefined ? { restBreakMinutes: Number(values.rest) } : {}),
    textAnswers: values.text,
    largeText: values['large-text'],
    highContrast: values['high-contrast'],
  });
  if (!r.success) {
    console.log(JSON.stringify({ ok: false, code: 'BAD_ACCOMMODATIONS', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }));
    process.exit(2);
  }
  return r.data;
}

function resumeCode(kind: 'resume' | 'accommodations' | 'identity' = 'resume'): void {
  if (!values.invite) usage();
  const accommodations = kind === 'accommodations' ? requestedAccommodations() : undefined;
  const dataDir = path.resolve(values['data-dir']);
  const prov = loadProvisioning({
    kioskMode: false,
    ...(values.provisioning ? { explicitPath: path.resolve(values.provisioning) } : {}),
    userPath: path.join(dataDir, 'provisioning.json'),
    demoFallbackPath: path.join(process.cwd(), 'build', 'provisioning', 'demo-provisioning.json'),
  });
  if (!prov.ok) {
    console.log(JSON.stringify({ ok: false, code: prov.error.code, message: prov.error.message }));
    process.exit(1);
  }
  const { codes, problem } = resumeCodesFor(prov.value.config, dataDir, new FileKeyProtector(dataDir), systemClock);
  if (problem) {
    console.log(JSON.stringify({ ok: false, code: 'RESUME_CODES_UNAVAILABLE', message: `no resume code can be issued: ${problem}` }));
    process.exit(1);
  }
  // Read-only: the kiosk may be running on this store; the tool must not touch its state.
  const db = openDatabaseReadOnly(dbFile);
  try {
    const session = getSessionByInvite(db, normalizeInviteCode(values.invite!));
    if (!session) {
      console.log(JSON.stringify({ ok: false, code: 'SESSION_NOT_FOUND', message: 'no interview was started with this invite code' }));
      process.exitCode = 1;
      return;
    }
    const mode = prov.value.config.mode;
    if (kind === 'identity') {
      const st = identityStateOf(db, session.id);
      if (st.phase !== 'awaiting_proctor' || !st.current) {
        console.log(JSON.stringify({ ok: false, code: 'NOTHING_PENDING', message: `no photo or ID number is waiting for the proctor (identity check: ${st.phase})` }));
        process.exitCode = 1;
        return;
      }
      const code = formatResumeCode(identityCodeFor(codes, session.id, st.current.ordinal));
      out(
        { ok: true, sessionId: session.id, method: st.current.method, ordinal: st.current.ordinal, identityCode: code, provisioning: mode },
        `Identity code for ${session.invite_code} (${st.current.method} #${st.current.ordinal}, ${mode} provisioning): ${code}`,
      );
      return;
    }
    if (accommodations) {
      const code = formatResumeCode(proctorAccommodationCode(db, codes, session.id, accommodations));
      out(
        { ok: true, sessionId: session.id, state: session.state, accommodations, accommodationCode: code, provisioning: mode },
        `Accommodation code for ${session.invite_code} (${JSON.stringify(accommodations)}, ${mode} provisioning): ${code}`,
      );
      return;
    }
    const code = formatResumeCode(codes.codeFor(session.id, session.resume_count));
    out(
      { ok: true, sessionId: session.id, state: session.state, resumeCode: code, provisioning: mode },
      `Resume code for ${session.invite_code} (${session.state}, ${mode} provisioning): ${code}`,
    );
  } finally {
    db.close();
  }
}

function describeState(s: InviteGateState): { json: Record<string, unknown>; text: string } {
  switch (s.state) {
    case 'open':
      return { json: { state: 'open', wrongInARow: s.wrongInARow }, text: `Check-in is open (${s.wrongInARow} wrong code${s.wrongInARow === 1 ? '' : 's'} in a row).` };
    case 'waiting':
      return { json: { state: 'waiting', wrongInARow: s.wrongInARow, retryAt: iso(s.retryAt) }, text: `Check-in waits until ${iso(s.retryAt)} after ${s.wrongInARow} wrong codes in a row.` };
    case 'locked':
      return {
        json: { state: 'locked', wrongInARow: s.wrongInARow, lockedUntil: iso(s.lockedUntil) },
        text: `Check-in is LOCKED until ${iso(s.lockedUntil)} after ${s.wrongInARow} wrong codes in a row. Clear it with: npm run proctor -- invite-clear --by YOUR-NAME`,
      };
  }
}

function inviteAttempts(): void {
  // Writing connection (migrations apply if the kiosk has not run since an update); only reads here.
  const db = openDatabase(dbFile, { logger: silent });
  try {
    const gate = new InviteGate({ db, clock: systemClock, logger: silent, ...(policy ? { policy } : {}) });
    const state = describeState(gate.status());
    const rows = gate.recent(limit);
    const json = { ok: true, ...state.json, attempts: rows.map((r) => ({ at: iso(r.at), outcome: r.outcome, code: r.code, note: r.note })) };
    const lines = rows.map((r) => `  ${iso(r.at)}  ${r.outcome.padEnd(8)}  ${r.code}${r.note ? `  (${r.note})` : ''}`);
    out(json, [state.text, rows.length ? 'Latest attempts (newest first):' : 'No invite attempts recorded.', ...lines].join('\n'));
  } finally {
    db.close();
  }
}

function inviteClear(): void {
  const by = values.by?.trim();
  if (!by) usage();
  const db = openDatabase(dbFile, { logger: silent });
  try {
    const gate = new InviteGate({ db, clock: systemClock, logger: silent, ...(policy ? { policy } : {}) });
    const before = gate.status();
    if (before.state === 'open' && before.wrongInARow === 0) {
      out({ ok: false, code: 'NOTHING_TO_CLEAR', state: 'open' }, 'Check-in is open; there is nothing to clear.');
      process.exitCode = 1;
      return;
    }
    const after = describeState(gate.clear(by!));
    out({ ok: true, clearedBy: by, before: before.state, ...after.json }, `Cleared by ${by}. ${after.text}`);
  } finally {
    db.close();
  }
}

function incidents(): void {
  const db = openDatabase(dbFile, { logger: silent });
  try {
    const kioskRows = recentKioskIncidents(db, limit);
    const sessionRows = recentSessionIncidents(db, limit);
    const all = [
      ...kioskRows.map((r) => ({ id: r.id, kind: r.kind, at: r.at, where: `screen ${r.screen}, before check-in` })),
      ...sessionRows.map((r) => ({ id: r.id, kind: r.kind, at: r.at, where: `invite ${r.invite}` })),
    ].sort((a, b) => b.at - a.at);
    const json = { ok: true, incidents: all.map((r) => ({ ...r, at: iso(r.at) })) };
    out(json, all.length ? all.map((r) => `  ${iso(r.at)}  ${r.id}  ${r.kind.padEnd(11)}  ${r.where}`).join('\n') : 'No incidents recorded.');
  } finally {
    db.close();
  }
}

function keygen(): void {
  if (!values.out) usage();
  const file = path.resolve(values.out!);
  if (existsSync(file)) {
    console.log(JSON.stringify({ ok: false, code: 'FILE_EXISTS', message: `${file} exists; a signing key is never overwritten` }));
    process.exit(1);
  }
  const k = generateProctorSigningKey();
  writeFileSync(file, JSON.stringify({ kind: 'interview-kiosk-proctor-token-key', label: 'proctor-token signing key', ...k }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  const entry = { keyId: k.keyId, publicKey: k.publicKey, label: 'proctor-token key', purposes: ['proctor'] };
  out({ ok: true, keyFile: file, trustedKey: entry }, `Wrote ${file} (keep it off kiosks). Add this to trustedKeys in the kiosks' provisioning config:\n${JSON.stringify(entry, null, 2)}`);
}

function refuse(code: string, message: string): never {
  console.log(JSON.stringify({ ok: false, code, message }));
  process.exit(1);
}

function issue(): void {
  if (!values.key || (!values.session && !values.invite)) usage();
  const action = values.action as ProctorAction;
  if (!PROCTOR_ACTIONS.includes(action)) usage();
  const ttl = Number(values.ttl);
  const arg = Number(values.arg);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) refuse('USAGE', '--ttl is 1 to 255 minutes');
  if (!Number.isInteger(arg) || arg < 0 || arg > 255) refuse('USAGE', '--arg is 0 to 255');
  let key: ProctorSigningKey & { demo?: boolean };
  try {
    const raw = JSON.parse(readFileSync(path.resolve(values.key!), 'utf8')) as ProctorSigningKey & { demo?: boolean };
    key = { keyId: proctorKeyIdOf(raw.publicKey), publicKey: raw.publicKey, privateKey: raw.privateKey, ...(raw.demo ? { demo: true } : {}) };
    if (key.keyId !== raw.keyId) refuse('KEY_INVALID', 'the key file\'s keyId does not match its public key');
  } catch (e) {
    refuse('KEY_INVALID', `cannot read the key file: ${e instanceof Error ? e.message : String(e)}`);
  }
  let kioskId = values.kiosk;
  let centreId = values.centre;
  let mode: string | undefined;
  if (!kioskId || !centreId) {
    const prov = loadProvisioning({
      kioskMode: false,
      ...(values.provisioning ? { explicitPath: path.resolve(values.provisioning) } : {}),
      demoFallbackPath: path.join(process.cwd(), 'build', 'provisioning', 'demo-provisioning.json'),
    });
    if (!prov.ok) refuse(prov.error.code, prov.error.message);
    kioskId ??= prov.value.config.kioskId;
    centreId ??= prov.value.config.centreId;
    mode = prov.value.config.mode;
    if (!proctorTokenKeysOf(prov.value.config).some((k) => k.keyId === key.keyId)) {
      refuse('KEY_UNTRUSTED', `the kiosk's provisioning does not trust ${key.keyId} for proctor tokens (add it to trustedKeys with purpose "proctor")`);
    }
  }
  let sessionId = values.session;
  if (!sessionId) {
    if (!existsSync(dbFile)) refuse('NO_KIOSK_DATA', `no kiosk data at ${path.dirname(dbFile)} (pass --data-dir, or --session with the session id)`);
    const db = openDatabaseReadOnly(dbFile);
    try {
      const session = getSessionByInvite(db, normalizeInviteCode(values.invite!));
      if (!session) refuse('SESSION_NOT_FOUND', 'no interview was started with this invite code');
      sessionId = session.id;
    } finally {
      db.close();
    }
  }
  const now = systemClock.now();
  const token = issueProctorToken({ sessionId, kioskId, centreId, action, now, ttlMinutes: ttl, nonce: randomBytes(5).toString('hex'), arg }, key);
  const expiresAt = new Date(Math.floor(now / 60_000) * 60_000 + ttl * 60_000).toISOString();
  out(
    { ok: true, token, formatted: formatProctorToken(token), action, sessionId, kioskId, centreId, keyId: key.keyId, expiresAt, ...(mode ? { provisioning: mode } : {}) },
    `Proctor code (${action}) for session ${sessionId} at ${kioskId}/${centreId}, valid until ${expiresAt}, usable once:\n${formatProctorToken(token)}`,
  );
}

function usage(): never {
  console.error(USAGE);
  process.exit(2);
}

try {
  if (!['resume-code', 'invite-attempts', 'invite-clear', 'incidents', 'accommodation-code', 'identity-code', 'keygen', 'issue'].includes(positionals[0] ?? '')) usage();
  if (positionals[0] === 'keygen') keygen();
  else if (positionals[0] === 'issue') issue();
  else if (!existsSync(dbFile)) {
    console.error(`proctor: no kiosk data at ${path.dirname(dbFile)} (pass --data-dir with the kiosk's data folder)`);
    console.log(JSON.stringify({ ok: false, code: 'NO_KIOSK_DATA', dataDir: path.dirname(dbFile) }));
    process.exit(1);
  } else switch (positionals[0]) {
    case 'resume-code':
      resumeCode();
      break;
    case 'accommodation-code':
      resumeCode('accommodations');
      break;
    case 'identity-code':
      resumeCode('identity');
      break;
    case 'invite-attempts':
      inviteAttempts();
      break;
    case 'invite-clear':
      inviteClear();
      break;
    case 'incidents':
      incidents();
      break;
    default:
      usage();
  }
} catch (e) {
  // One sentence, no stack: the store is missing, damaged or from a newer kiosk.
  const code = typeof e === 'object' && e && 'code' in e ? String((e as { code: unknown }).code) : 'ERROR';
  console.error(`proctor: ${e instanceof Error ? e.message : String(e)}`);
  console.log(JSON.stringify({ ok: false, code, message: e instanceof Error ? e.message : String(e) }));
  process.exitCode = 1;
}
