/**
 * One simulated kiosk for `npm run sync-test`: real session service, journal and outbox on its
 * own data dir, interviews with media, and the real SyncEngine sending through the harness's
 * lossy proxy. Killed with SIGKILL at random by the harness and restarted; it resumes an
 * interrupted interview, then continues until `--interviews` sessions are finished and its outbox
 * is empty. Prints JSON lines: {"t":"ready"}, {"t":"resumedUpload"}, {"t":"progress",...}, {"t":"drained"}.
 */
import { parseArgs } from 'node:util';
import { getKioskState, setKioskState } from '../../main/db/queries/sessions';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import type { KioskCredential } from '../../main/services/sync/signing';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { openSyncKiosk } from '../support/sync-kiosk';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'hub-url': { type: 'string' },
    'proxy-url': { type: 'string' },
    code: { type: 'string' },
    interviews: { type: 'string', default: '20' },
    chunks: { type: 'string', default: '3' },
    'chunk-bytes': { type: 'string', default: '16384' },
    'pause-ms': { type: 'string', default: '5' },
    'hr-public': { type: 'string' },
  },
});
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const target = Number(values.interviews);
const chunks = Number(values.chunks);
const bytes = Number(values['chunk-bytes']);
const pauseMs = Number(values['pause-ms']);

async function main(): Promise<void> {
  const kiosk = openSyncKiosk(values['data-dir'] ?? '', values['hr-public'] ? { hrPublicKey: Buffer.from(values['hr-public'], 'base64') } : {});
  let cred: KioskCredential;
  const stored = getKioskState(kiosk.db, 'sync-test.credential');
  if (stored) cred = JSON.parse(stored) as KioskCredential;
  else {
    const enrolled = await enrolKiosk(values['hub-url'] ?? '', values.code ?? '', `sync-test ${process.pid}`);
    cred = { ...enrolled, hubUrl: values['proxy-url'] ?? enrolled.hubUrl };
    setKioskState(kiosk.db, 'sync-test.credential', JSON.stringify(cred));
  }
  out({ t: 'ready', kioskId: cred.kioskId });
  const engine = new SyncEngine({
    db: kiosk.db,
    hub: new HubClient(cred),
    sealer: kiosk.chunkSealer,
    batchSize: 50,
    idlePollMs: 100,
    backoffBaseMs: 100,
    backoffCapMs: 2_000,
    onUploadResumed: (key) => out({ t: 'resumedUpload', key }),
  });
  engine.start();
  await kiosk.finishResumableAsync(chunks, bytes, pauseMs);
  const finished = () => (kiosk.db.prepare("SELECT count(*) AS n FROM sessions WHERE state IN ('completed','exited')").get() as { n: number }).n;
  while (finished() < target) await kiosk.interviewAsync(chunks, bytes, pauseMs);
  for (;;) {
    const st = engine.state();
    out({ t: 'progress', pending: st.pending, confirmed: st.confirmed, lastError: st.lastError });
    if (st.pending === 0) {
      out({ t: 'drained' });
      // Stays up (a ref'd timer: the engine's own timers are unref'd) until the harness stops it.
      setInterval(() => undefined, 60_000);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

void main().catch((err: unknown) => {
  out({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
