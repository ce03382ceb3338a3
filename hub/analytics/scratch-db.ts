/**
 * A throwaway hub database for the analytics proof commands: a fresh database on the PostgreSQL
 * server named by `url` (created, migrated, dropped afterwards), or embedded PGlite when no URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type HubDatabase } from '../db/database';

export async function scratchDatabase(url: string | undefined): Promise<{ db: HubDatabase; label: string; url: string; drop: () => Promise<void> }> {
  if (!url) {
    const db = await openDatabase({});
    return { db, label: 'embedded', url: db.url, drop: () => db.close() };
  }
  const name = `hub_analytics_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: u.toString() });
  return {
    db,
    label: 'postgres',
    url: u.toString(),
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
