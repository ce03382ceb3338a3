/**
 * The hub's one SQL path: node-postgres (`pg`) against either a real PostgreSQL server
 * (`DATABASE_URL`) or the embedded default, PGlite served over the PostgreSQL wire protocol by
 * @electric-sql/pglite-socket. Both speak the same protocol to the same driver and run the same
 * migrations and queries.
 *
 * Embedded: the socket server multiplexes up to `maxConnections` clients onto PGlite's single
 * session at the query level, so two clients' transactions would interleave inside one session.
 * The hub therefore keeps ONE pooled connection in embedded mode (PGlite is single-threaded, so
 * this costs nothing in throughput); external tools (psql, a second process) may still connect.
 */
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrate } from './migrate';

export type HubDbMode = 'embedded' | 'postgres';

export interface HubDatabase {
  readonly mode: HubDbMode;
  readonly pool: pg.Pool;
  /** Connection string the same driver uses (embedded: the loopback socket server). */
  readonly url: string;
  /** Runs `fn` in one transaction on one connection; rolls back on any throw. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; absent → embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  /** Embedded only: where PGlite keeps its files (absent → in memory). */
  readonly dataDir?: string | undefined;
  /** Pool size for a real server (default 10). */
  readonly poolSize?: number;
  /** Embedded only: the socket multiplexer's connection limit (default 16). */
  readonly maxConnections?: number;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<HubDatabase> {
  let url: string;
  let mode: HubDbMode;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (opts.databaseUrl) {
    url = opts.databaseUrl;
    mode = 'postgres';
  } else {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const lite = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
    const server = new PGLiteSocketServer({ db: lite, port: 0, host: '127.0.0.1', maxConnections: opts.maxConnections ?? 16 });
    await server.start();
    url = `postgres://postgres@${server.getServerConn()}/postgres`;
    mode = 'embedded';
    stopEmbedded = async () => {
      await server.stop();
      await lite.close();
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: mode === 'embedded' ? 1 : (opts.poolSize ?? 10) });
  // An idle client's socket error (server restart) must not crash the hub: the pool drops it.
  pool.on('error', () => undefined);
  const db: HubDatabase = {
    mode,
    pool,
    url,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      if (stopEmbedded) await stopEmbedded();
    },
  };
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
