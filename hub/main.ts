/**
 * `npm run hub`: starts the hub. Embedded PostgreSQL (PGlite) and local object storage under
 * HUB_DATA_DIR (default .hub-data/) unless DATABASE_URL / HUB_S3_BUCKET say otherwise.
 * HUB_PORT (default 8790), HUB_HOST (default 127.0.0.1). Prints its URL, and the first admin's
 * password once when it creates that account. Sends invite reminders (settings: reminders/config.ts).
 * Serves the HR endpoint API under /hr when HUB_HR_SIGNING_KEY_FILE and HUB_HR_WRAP_KEY_FILE name
 * its keys (hub/hr/keys.ts); a key file that is set but unusable stops the hub with the reason.
 */
import { join, resolve } from 'node:path';
import { openDatabase } from './db/database';
import { buildHub } from './server';
import { createUploadStore, uploadStoreFromEnv } from './storage/upload-store';
import { ensureAdmin } from './bootstrap';
import { reminderConfigFromEnv } from './reminders/config';
import { createSender } from './reminders/channels';
import { ReminderScheduler } from './reminders/scheduler';
import { loadHrKeys, type HrKeys } from './hr/keys';

async function main(): Promise<void> {
  // The HR keys first: a bad key file stops the hub before it opens anything.
  let hrKeys: HrKeys | null = null;
  let hrOff: string | undefined;
  if (process.env.HUB_HR_SIGNING_KEY_FILE || process.env.HUB_HR_WRAP_KEY_FILE) {
    try {
      hrKeys = loadHrKeys(process.env);
    } catch (err) {
      console.error(`hub: HR endpoint API: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
  } else {
    hrOff = 'the HR endpoint API is off on this hub: start it with HUB_HR_SIGNING_KEY_FILE and HUB_HR_WRAP_KEY_FILE (docs/hub.md)';
    console.error(`hub: ${hrOff}; /hr answers 503`);
  }
  const dataDir = resolve(process.env.HUB_DATA_DIR ?? '.hub-data');
  const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: join(dataDir, 'pg') });
  const uploads = createUploadStore(uploadStoreFromEnv(process.env, join(dataDir, 'objects')), join(dataDir, 'tus-staging'));
  const admin = await ensureAdmin(db, process.env.HUB_ADMIN_USER ?? 'admin', process.env.HUB_ADMIN_PASSWORD);
  let reminders;
  try {
    reminders = reminderConfigFromEnv(process.env);
  } catch (err) {
    console.error(`hub: reminder settings: ${err instanceof Error ? err.message : String(err)}`);
    await db.close();
    process.exit(1);
  }
  const app = await buildHub({ db, uploads, reminders, hr: { keys: hrKeys, ...(hrOff ? { offReason: hrOff } : {}) } });
  const scheduler = new ReminderScheduler({ db, config: reminders, sender: createSender(reminders, Date.now), now: Date.now, onError: (err) => console.error(`hub: reminder tick: ${err instanceof Error ? err.message : String(err)}`) });
  const port = Number(process.env.HUB_PORT ?? 8790);
  const host = process.env.HUB_HOST ?? '127.0.0.1';
  let address: string;
  try {
    address = await app.listen({ port, host });
  } catch (err) {
    console.error(`hub: cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`);
    await db.close();
    process.exit(1);
  }
  if (admin.created && !process.env.HUB_ADMIN_PASSWORD) console.log(`hub: created hr_admin "${process.env.HUB_ADMIN_USER ?? 'admin'}" with password ${admin.password} (shown once)`);
  scheduler.start();
  console.log(`hub: listening on ${address} (database: ${db.mode}, storage: ${uploads.kind})`);
  if (hrKeys) console.log(`hub: HR endpoint API at ${address}/hr (grants signed by ${hrKeys.signingKey.keyId})`);
  console.log(JSON.stringify({ url: address, db: db.mode, storage: uploads.kind }));
  const stop = async () => {
    await scheduler.stop();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main().catch((err: unknown) => {
  console.error(`hub: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
