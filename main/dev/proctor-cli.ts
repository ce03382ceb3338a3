/**
 * `npm run proctor -- resume-code --invite CODE [--data-dir DIR]`: prints the resume code a
 * returning candidate needs after the grace window. The code is bound to the session and to its
 * resume count, so each code works once.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databasePath, DEMO_PROCTOR_SECRET } from '../app/composition-root';
import { openDatabaseReadOnly } from '../db/connection';
import { getSessionByInvite } from '../db/queries/sessions';
import { formatResumeCode, HmacResumeCodes } from '../services/session/resume-codes';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    invite: { type: 'string' },
    'data-dir': { type: 'string', default: '.kiosk-data' },
    json: { type: 'boolean', default: false },
  },
});

if (positionals[0] !== 'resume-code' || !values.invite) {
  console.error('usage: npm run proctor -- resume-code --invite CODE [--data-dir DIR] [--json]');
  process.exit(2);
}
// Read-only: the kiosk may be running on this store; the tool must not touch its state.
const db = openDatabaseReadOnly(databasePath(path.resolve(values['data-dir'])));
try {
  const session = getSessionByInvite(db, values.invite.trim().toUpperCase());
  if (!session) {
    console.log(JSON.stringify({ ok: false, code: 'SESSION_NOT_FOUND', message: 'no interview was started with this invite code' }));
    process.exitCode = 1;
  } else {
    // Demo provisioning; a provisioned centre uses its own secret from the machine-wide config.
    const code = formatResumeCode(new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor(session.id, session.resume_count));
    if (values.json) console.log(JSON.stringify({ ok: true, sessionId: session.id, state: session.state, resumeCode: code }));
    else console.log(`Resume code for ${session.invite_code} (${session.state}): ${code}`);
  }
} finally {
  db.close();
}
