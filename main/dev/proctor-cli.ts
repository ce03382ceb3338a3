/**
 * `npm run proctor -- resume-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]`:
 * prints the resume code a returning candidate needs after the grace window. The code is bound to
 * the session and to its resume count, so each code works once.
 *
 * The code comes from the centre's resume-code secret in the provisioning config (the machine-wide
 * file, or `--provisioning`), or from the kiosk's wrapped copy of it in the data folder when IT has
 * removed the plain secret from the config. Only a demo config uses the public demo secret; a
 * kiosk without a provisioned secret has no valid codes, and this tool says so (exit 1).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databasePath } from '../app/composition-root';
import { systemClock } from '../common/clock';
import { openDatabaseReadOnly } from '../db/connection';
import { getSessionByInvite } from '../db/queries/sessions';
import { FileKeyProtector } from '../services/packs/key-protector';
import { loadProvisioning } from '../services/packs/provisioning';
import { resumeCodesFor } from '../services/packs/resume-secrets';
import { formatResumeCode } from '../services/session/resume-codes';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    invite: { type: 'string' },
    'data-dir': { type: 'string', default: '.kiosk-data' },
    provisioning: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

function fail(code: string, message: string): never {
  console.log(JSON.stringify({ ok: false, code, message }));
  process.exit(1);
}

if (positionals[0] !== 'resume-code' || !values.invite) {
  console.error('usage: npm run proctor -- resume-code --invite CODE [--data-dir DIR] [--provisioning FILE] [--json]');
  process.exit(2);
}
const dataDir = path.resolve(values['data-dir']);
const prov = loadProvisioning({
  kioskMode: false,
  ...(values.provisioning ? { explicitPath: path.resolve(values.provisioning) } : {}),
  userPath: path.join(dataDir, 'provisioning.json'),
  demoFallbackPath: path.join(process.cwd(), 'build', 'provisioning', 'demo-provisioning.json'),
});
if (!prov.ok) fail(prov.error.code, prov.error.message);
const { codes, problem } = resumeCodesFor(prov.value.config, dataDir, new FileKeyProtector(dataDir), systemClock);
if (problem) fail('RESUME_CODES_UNAVAILABLE', `no resume code can be issued: ${problem}`);

// Read-only: the kiosk may be running on this store; the tool must not touch its state.
const db = openDatabaseReadOnly(databasePath(dataDir));
try {
  const session = getSessionByInvite(db, values.invite.trim().toUpperCase());
  if (!session) {
    console.log(JSON.stringify({ ok: false, code: 'SESSION_NOT_FOUND', message: 'no interview was started with this invite code' }));
    process.exitCode = 1;
  } else {
    const code = formatResumeCode(codes.codeFor(session.id, session.resume_count));
    const mode = prov.value.config.mode;
    if (values.json) console.log(JSON.stringify({ ok: true, sessionId: session.id, state: session.state, resumeCode: code, provisioning: mode }));
    else console.log(`Resume code for ${session.invite_code} (${session.state}, ${mode} provisioning): ${code}`);
  }
} finally {
  db.close();
}
