/** First start: an `hr_admin` account when none exists (password from HUB_ADMIN_PASSWORD or generated). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { HubDatabase } from './db/database';
import { hashPassword } from './auth/passwords';

export async function ensureAdmin(db: HubDatabase, username: string, password?: string): Promise<{ created: boolean; password?: string }> {
  const any = await db.pool.query("SELECT 1 FROM hr_users WHERE role = 'hr_admin' LIMIT 1");
  if (any.rowCount) return { created: false };
  const pw = password ?? randomBytes(18).toString('base64url');
  await db.pool.query('INSERT INTO hr_users (id, username, password_hash, role) VALUES ($1,$2,$3,$4)', [randomUUID(), username, await hashPassword(pw), 'hr_admin']);
  return { created: true, password: pw };
}
