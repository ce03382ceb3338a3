/**
 * Runs the hub's migrations (hub/db/migrations) in order, each in its own transaction, under an
 * advisory lock so two hub processes starting together do not race. A database whose recorded
 * version is newer than this code knows is refused.
 */
import type { HubDatabase } from './database';
import { hubMigrations } from './migrations/index';

const LOCK_KEY = 7_402_113; // any constant: the hub's migration lock

export async function migrate(db: Pick<HubDatabase, 'pool'>): Promise<number> {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS hub_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const res = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM hub_schema_migrations');
    const current = res.rows[0]?.v ?? 0;
    const latest = hubMigrations[hubMigrations.length - 1]?.version ?? 0;
    if (current > latest) throw new Error(`hub database is at schema ${current}, newer than this hub (${latest}): refusing to open`);
    for (const m of hubMigrations) {
      if (m.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.up);
        await client.query('INSERT INTO hub_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return latest;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
