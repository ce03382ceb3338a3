/**
 * Ingest of kiosk outbox items. Each item is stored exactly once: the primary key is
 * (kiosk, idempotency key), a repeat with the same body is `duplicate`, a repeat with a different
 * body is `conflict` (and, for a journal event, a `fork` flag). Journal events are checked on
 * arrival: the hub recomputes each hash and checks it against its neighbours; a missing
 * predecessor is a `gap` flag (resolved when the event arrives and fits), a mismatch is a `fork`.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { HubDatabase } from './db/database';
import { canonicalJson, GENESIS, journalEventHash } from './journal-chain';
import { refreshSessionFacts } from './analytics/facts';
import { identityOfMediaBody, identityOfMediaKey, SEALED_MEDIA_FORMAT, SEALED_OVERHEAD } from './storage/sealed-media';

export const ITEM_KINDS = [
  'session',
  'journal_event',
  'incident',
  'kiosk_incident',
  'no_show',
  'reschedule_request',
  'precheck_run',
  'score',
  'review',
  'feedback_report',
  'media_chunk',
  // an identity photo from the check-in (issue #15): uploaded like a media chunk, verified the same way
  'identity_photo',
] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const id = z.string().min(1).max(200);

export const itemSchema = z.object({
  key: z.string().min(1).max(300),
  kind: z.enum(ITEM_KINDS),
  body: z.record(z.string(), z.unknown()),
});
export const itemsRequestSchema = z.object({ items: z.array(itemSchema).min(1).max(500) });
export type IngestItem = z.infer<typeof itemSchema>;

const journalBody = z.object({
  sessionId: id,
  seq: z.number().int().min(1),
  type: z.string().min(1).max(100),
  at: z.number().int(),
  payload: z.string().max(1_000_000),
  prevHash: hex64,
  hash: hex64,
});
const sessionBody = z.object({ id, inviteCode: z.string().min(1).max(200), state: z.string().min(1).max(50) }).loose();
/**
 * A media chunk item (#13): the plaintext's sha256/size (checked when a reader opens it), the
 * sealed object's sealedSha256/sealedSize (checked against the verified upload), format IKS1 and
 * the AES-GCM identity of the chunk its fields name; the HR-wrapped session key when the kiosk has one.
 */
const mediaBody = z
  .object({
    sessionId: id,
    sha256: hex64,
    size: z.number().int().min(1),
    format: z.string().max(20),
    identity: z.string().max(300),
    sealedSha256: hex64,
    sealedSize: z.number().int().min(SEALED_OVERHEAD + 1),
    sessionKey: z.object({ hrWrapped: z.string().max(200), hrKeyId: z.string().max(100) }).loose().nullable().optional(),
  })
  .loose();

export type ItemStatus = 'stored' | 'duplicate' | 'conflict' | 'rejected';
export interface ItemResult {
  readonly key: string;
  readonly status: ItemStatus;
  readonly code?: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function flag(c: pg.PoolClient, kioskId: string, sessionId: string, seq: number, kind: 'gap' | 'fork' | 'bad_hash', detail: object): Promise<void> {
  await c.query('INSERT INTO chain_flags (kiosk_id, session_id, seq, kind, detail) VALUES ($1,$2,$3,$4,$5)', [kioskId, sessionId, seq, kind, JSON.stringify(detail)]);
}

async function ingestJournalEvent(c: pg.PoolClient, kioskId: string, item: IngestItem): Promise<ItemResult> {
  const parsed = journalBody.safeParse(item.body);
  if (!parsed.success) return { key: item.key, status: 'rejected', code: 'INVALID_ITEM' };
  const e = parsed.data;
  const recomputed = journalEventHash(e.prevHash, e.sessionId, e.seq, e.type, e.at, e.payload);
  if (recomputed !== e.hash) {
    await flag(c, kioskId, e.sessionId, e.seq, 'bad_hash', { claimed: e.hash, recomputed });
    return { key: item.key, status: 'rejected', code: 'BAD_EVENT_HASH' };
  }
  const existing = await c.query<{ hash: string }>('SELECT hash FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 AND seq=$3', [kioskId, e.sessionId, e.seq]);
  const have = existing.rows[0];
  if (have) {
    if (have.hash === e.hash) return { key: item.key, status: 'duplicate' };
    await flag(c, kioskId, e.sessionId, e.seq, 'fork', { stored: have.hash, received: e.hash });
    return { key: item.key, status: 'conflict', code: 'CHAIN_FORK' };
  }
  await c.query(
    'INSERT INTO journal_events (kiosk_id, session_id, seq, type, at, payload, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
    [kioskId, e.sessionId, e.seq, e.type, e.at, e.payload, e.prevHash, e.hash],
  );
  // Predecessor: genesis for seq 1, else the stored event seq-1 must carry our prevHash.
  if (e.seq === 1) {
    if (e.prevHash !== GENESIS) await flag(c, kioskId, e.sessionId, e.seq, 'fork', { reason: 'first event does not start at genesis' });
  } else {
    const prev = await c.query<{ hash: string }>('SELECT hash FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 AND seq=$3', [kioskId, e.sessionId, e.seq - 1]);
    const p = prev.rows[0];
    if (!p) await flag(c, kioskId, e.sessionId, e.seq, 'gap', { missing: e.seq - 1 });
    else if (p.hash !== e.prevHash) await flag(c, kioskId, e.sessionId, e.seq, 'fork', { expectedPrev: p.hash, received: e.prevHash });
  }
  // Successor already here (arrived first): it was flagged as a gap; resolve it if we fit.
  const next = await c.query<{ prev_hash: string }>('SELECT prev_hash FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 AND seq=$3', [kioskId, e.sessionId, e.seq + 1]);
  const n = next.rows[0];
  if (n) {
    if (n.prev_hash === e.hash) {
      await c.query("UPDATE chain_flags SET resolved_at = now() WHERE kiosk_id=$1 AND session_id=$2 AND seq=$3 AND kind='gap' AND resolved_at IS NULL", [kioskId, e.sessionId, e.seq + 1]);
    } else {
      await flag(c, kioskId, e.sessionId, e.seq + 1, 'fork', { expectedPrev: e.hash, received: n.prev_hash });
    }
  }
  return { key: item.key, status: 'stored' };
}

function sessionOf(item: IngestItem): string | null {
  return typeof item.body.sessionId === 'string' ? item.body.sessionId : typeof item.body.id === 'string' && item.kind === 'session' ? item.body.id : null;
}

async function ingestOne(c: pg.PoolClient, kioskId: string, item: IngestItem): Promise<ItemResult> {
  const bodyText = canonicalJson(item.body);
  const bodyHash = sha256(bodyText);
  const sessionId = sessionOf(item);
  const prior = await c.query<{ body_sha256: string; kind: string }>('SELECT body_sha256, kind FROM items WHERE kiosk_id=$1 AND idem_key=$2', [kioskId, item.key]);
  const p = prior.rows[0];
  if (p) {
    if (p.body_sha256 === bodyHash && p.kind === item.kind) return { key: item.key, status: 'duplicate' };
    if (item.kind === 'journal_event' && sessionId) {
      const seq = typeof item.body.seq === 'number' ? item.body.seq : 0;
      await flag(c, kioskId, sessionId, seq, 'fork', { reason: 'same idempotency key, different event' });
    }
    return { key: item.key, status: 'conflict', code: 'IDEMPOTENCY_CONFLICT' };
  }
  switch (item.kind) {
    case 'journal_event': {
      const r = await ingestJournalEvent(c, kioskId, item);
      if (r.status !== 'stored') return r;
      break;
    }
    case 'session': {
      const s = sessionBody.safeParse(item.body);
      if (!s.success) return { key: item.key, status: 'rejected', code: 'INVALID_ITEM' };
      await c.query(
        `INSERT INTO hub_sessions (kiosk_id, session_id, invite_code, state, body) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (kiosk_id, session_id) DO UPDATE SET invite_code=EXCLUDED.invite_code, state=EXCLUDED.state, body=EXCLUDED.body, updated_at=now()`,
        [kioskId, s.data.id, s.data.inviteCode, s.data.state, bodyText],
      );
      break;
    }
    case 'identity_photo': {
      // An identity photo (#15) travels and rests sealed like a chunk (#13), bound to its session
      // and ordinal (`ik-identity/v1|photo|<n>`); the hub keeps the sealed bytes only.
      const m = mediaBody.safeParse(item.body);
      const ordinal = (item.body as { ordinal?: unknown }).ordinal;
      if (!m.success || typeof ordinal !== 'number' || !Number.isSafeInteger(ordinal) || ordinal < 0) return { key: item.key, status: 'rejected', code: 'INVALID_ITEM' };
      if (m.data.format !== SEALED_MEDIA_FORMAT) return { key: item.key, status: 'rejected', code: 'MEDIA_NOT_SEALED' };
      if (m.data.identity !== `ik-identity/v1|photo|${ordinal}` || item.key !== `identity-photo:${m.data.sessionId}:${ordinal}`) {
        return { key: item.key, status: 'rejected', code: 'MEDIA_IDENTITY_MISMATCH' };
      }
      const obj = await c.query<{ sha256: string; size: string }>('SELECT sha256, size FROM media_objects WHERE kiosk_id=$1 AND idem_key=$2', [kioskId, item.key]);
      const o = obj.rows[0];
      if (!o) return { key: item.key, status: 'rejected', code: 'MEDIA_NOT_UPLOADED' };
      if (o.sha256 !== m.data.sealedSha256 || Number(o.size) !== m.data.sealedSize) return { key: item.key, status: 'rejected', code: 'MEDIA_HASH_MISMATCH' };
      break;
    }
    case 'media_chunk': {
      const m = mediaBody.safeParse(item.body);
      if (!m.success) return { key: item.key, status: 'rejected', code: 'INVALID_ITEM' };
      if (m.data.format !== SEALED_MEDIA_FORMAT) return { key: item.key, status: 'rejected', code: 'MEDIA_NOT_SEALED' };
      // The identity is the chunk the item's own fields name, and the one its key names.
      const identity = identityOfMediaBody(item.body);
      if (!identity || m.data.identity !== identity || (item.key.startsWith('media:') && identityOfMediaKey(item.key) !== identity)) {
        return { key: item.key, status: 'rejected', code: 'MEDIA_IDENTITY_MISMATCH' };
      }
      const obj = await c.query<{ sha256: string; size: string }>('SELECT sha256, size FROM media_objects WHERE kiosk_id=$1 AND idem_key=$2', [kioskId, item.key]);
      const o = obj.rows[0];
      if (!o) return { key: item.key, status: 'rejected', code: 'MEDIA_NOT_UPLOADED' };
      if (o.sha256 !== m.data.sealedSha256 || Number(o.size) !== m.data.sealedSize) return { key: item.key, status: 'rejected', code: 'MEDIA_HASH_MISMATCH' };
      break;
    }
    case 'incident':
    case 'kiosk_incident':
    case 'no_show':
    case 'reschedule_request':
    case 'precheck_run':
    case 'score':
    case 'review':
    case 'feedback_report':
      break;
    default: {
      const never: never = item.kind;
      return { key: item.key, status: 'rejected', code: `UNKNOWN_KIND_${String(never)}` };
    }
  }
  await c.query('INSERT INTO items (kiosk_id, idem_key, kind, session_id, body, body_sha256) VALUES ($1,$2,$3,$4,$5,$6)', [
    kioskId,
    item.key,
    item.kind,
    sessionId,
    bodyText,
    bodyHash,
  ]);
  return { key: item.key, status: 'stored' };
}

/**
 * Ingests a batch in order, each item in its own savepoint of one transaction: a rejected item
 * changes nothing, and the batch commits (durably) before the kiosk is answered.
 */
export async function ingestItems(db: HubDatabase, kioskId: string, items: readonly IngestItem[]): Promise<ItemResult[]> {
  return db.transaction(async (c) => {
    const out: ItemResult[] = [];
    for (const item of items) {
      await c.query('SAVEPOINT item');
      try {
        const r = await ingestOne(c, kioskId, item);
        // Released in every case: a refused item wrote nothing but its chain flag, which is kept.
        await c.query('RELEASE SAVEPOINT item');
        out.push(r);
      } catch (err) {
        await c.query('ROLLBACK TO SAVEPOINT item');
        // A racing duplicate on a real server (two connections) lands here: report, do not fail the batch.
        if (err instanceof Error && 'code' in err && (err as { code?: string }).code === '23505') out.push({ key: item.key, status: 'duplicate' });
        else throw err;
      }
    }
    // Analytics facts of every session this batch changed, in the same transaction (#14).
    const touched = items.filter((it, i) => out[i]?.status === 'stored').map(sessionOf).filter((s): s is string => s !== null);
    await refreshSessionFacts(c, kioskId, touched);
    await c.query('UPDATE kiosks SET last_seen_at = now() WHERE id = $1', [kioskId]);
    return out;
  });
}
