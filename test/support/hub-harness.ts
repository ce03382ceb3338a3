/**
 * Starts a hub for a test: embedded PGlite by default, or a fresh database on the real PostgreSQL
 * server named by HUB_TEST_DATABASE_URL (created per call, dropped at close). Objects go to a temp
 * directory, or to an S3 server when `s3` is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type HubDatabase } from '../../hub/db/database';
import { buildHub, type HubOptions } from '../../hub/server';
import { createUploadStore, type UploadStoreConfig } from '../../hub/storage/upload-store';
import { ensureAdmin } from '../../hub/bootstrap';
import type { ReminderConfig } from '../../hub/reminders/config';

export interface TestHub {
  readonly url: string;
  readonly db: HubDatabase;
  readonly app: FastifyInstance;
  readonly adminToken: string;
  readonly dir: string;
  login(username: string, password: string): Promise<string>;
  api(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const ADMIN_PASSWORD = 'correct horse battery staple';
/** Starting a hub creates a database and runs its migrations: slow on a loaded 2-core machine. */
export const HUB_HOOK_TIMEOUT_MS = 180_000;

async function freshPostgresDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function hubTestDbLabel(): string {
  return process.env.HUB_TEST_DATABASE_URL ? 'postgres' : 'embedded';
}

/**
 * A database that outlives one hub (a restart test closes the hub and opens another on it): an
 * embedded PGlite data folder, or a fresh database on HUB_TEST_DATABASE_URL's server.
 */
export interface PersistentTestDatabase {
  readonly options: { databaseUrl?: string; dataDir?: string };
  drop(): Promise<void>;
}

export async function persistentTestDatabase(): Promise<PersistentTestDatabase> {
  const base = process.env.HUB_TEST_DATABASE_URL;
  if (base) {
    const fresh = await freshPostgresDatabase(base);
    return { options: { databaseUrl: fresh.url }, drop: fresh.drop };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-pglite-'));
  return { options: { dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

export async function startTestHub(
  opts: { s3?: Omit<Extract<UploadStoreConfig, { kind: 's3' }>, 'kind'>; now?: () => number; reminders?: ReminderConfig; tokenTtlMs?: number; database?: PersistentTestDatabase; console?: HubOptions['console']; hr?: HubOptions['hr']; anonymousRateLimit?: HubOptions['anonymousRateLimit'] } = {},
): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  const base = process.env.HUB_TEST_DATABASE_URL;
  const fresh = !opts.database && base ? await freshPostgresDatabase(base) : null;
  const db = await openDatabase(opts.database ? opts.database.options : fresh ? { databaseUrl: fresh.url } : {});
  const uploads = createUploadStore(opts.s3 ? { kind: 's3', ...opts.s3 } : { kind: 'fs', directory: join(dir, 'objects') }, join(dir, 'staging'));
  await ensureAdmin(db, 'admin', ADMIN_PASSWORD);
  const app = await buildHub({
    db,
    uploads,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.reminders ? { reminders: opts.reminders } : {}),
    ...(opts.tokenTtlMs ? { tokenTtlMs: opts.tokenTtlMs } : {}),
    ...(opts.console ? { console: opts.console } : {}),
    ...(opts.hr ? { hr: opts.hr } : {}),
    ...(opts.anonymousRateLimit ? { anonymousRateLimit: opts.anonymousRateLimit } : {}),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const api: TestHub['api'] = async (method, path, token, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  };
  const login = async (username: string, password: string) => {
    const r = await api('POST', '/v1/auth/login', null, { username, password });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.json)}`);
    return String(r.json.token);
  };
  const adminToken = await login('admin', ADMIN_PASSWORD);
  return {
    url,
    db,
    app,
    adminToken,
    dir,
    login,
    api,
    async close() {
      await app.close();
      await db.close();
      if (fresh) await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
