/**
 * Each session's random 256-bit data key, and everything sealed under it.
 *
 * The key is created the first time something of the session is sealed, inside that write's
 * transaction, so a sealed row never commits without its key. It is stored only wrapped:
 * - for the kiosk, by the KeyProtector (Electron `safeStorage` — DPAPI, Keychain, libsecret — or
 *   the logged file-key fallback in the web shell and tests), so the kiosk can resume and upload;
 * - for HR, with the endpoint's provisioned X25519 key (hr-wrap.ts), so HR can open what is
 *   uploaded without the kiosk's keystore.
 * Unwrapped keys are cached in memory per process; `forget` wipes one (deletion does that first).
 *
 * What is sealed: typed answers and drafts (through main/db/text-sealing.ts, transparently for the
 * query functions' callers) and media chunks (through the `ChunkSealer` seam of the media store).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import { CodedError } from '../../../common/result';
import type { Db } from '../../../db/connection';
import { getErasure, getSessionKey, insertSessionKey } from '../../../db/queries/session-keys';
import type { SealedTextKind, TextSealer } from '../../../db/text-sealing';
import { afterCommit, transact } from '../../../db/transaction';
import type { KeyProtector } from '../../packs/key-protector';
import { openMessage, sealMessage } from './aead';
import { recipientKeyId, wrapForHr } from './hr-wrap';
import { boundAad, parseChunkAad, textAad } from './identity';

/**
 * The media store's seam (E1's store): seals a chunk's bytes with its identity as associated data
 * and opens them again. `open` throws on any mismatch; it never returns unauthenticated bytes.
 */
export interface ChunkSealer {
  seal(bytes: Uint8Array, aad: Uint8Array | string): Uint8Array;
  open(bytes: Uint8Array, aad: Uint8Array | string): Uint8Array;
}

const aadBytes = (aad: Uint8Array | string): Uint8Array => (typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad);

export interface HrRecipient {
  /** The 32 raw bytes of HR's X25519 public key (provisioning `hrEndpoint.sealingKey`). */
  readonly publicKey: Buffer;
}

export interface SessionKeyringDeps {
  readonly db: Db;
  readonly protector: KeyProtector;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hr?: HrRecipient;
}

export class SessionKeyring implements TextSealer {
  private readonly cache = new Map<string, Buffer>();
  private readonly log: Logger;
  private readonly hrKeyId: string | undefined;

  constructor(private readonly deps: SessionKeyringDeps) {
    this.log = deps.logger.scope('keys');
    this.hrKeyId = deps.hr ? recipientKeyId(deps.hr.publicKey) : undefined;
    if (!deps.hr) this.log.warn('no HR sealing key is provisioned: session keys are wrapped for this kiosk only');
  }

  /** The session's data key; created (in the current transaction) when `create` and none exists. */
  dataKey(sessionId: string, create: boolean): Buffer | undefined {
    const hit = this.cache.get(sessionId);
    if (hit) return hit;
    const { db } = this.deps;
    const row = getSessionKey(db, sessionId);
    if (row) {
      const key = this.deps.protector.unprotect(row.kiosk_wrapped);
      if (!key || key.length !== 32) throw new CodedError('STORAGE_CORRUPT', 'the session key cannot be unwrapped on this machine');
      this.remember(sessionId, key);
      return key;
    }
    if (!create) return undefined;
    // A session whose data was erased never gets a new key: nothing of it may be written again.
    if (getErasure(db, sessionId)) throw new CodedError('STORAGE_CORRUPT', 'the data of this session was deleted');
    const key = randomBytes(32);
    const inserted = transact(db, () =>
      insertSessionKey(db, {
        session_id: sessionId,
        kiosk_wrapped: this.deps.protector.protect(key),
        protector: this.deps.protector.kind,
        hr_wrapped: this.deps.hr ? wrapForHr(key, this.deps.hr.publicKey, sessionId) : null,
        hr_key_id: this.hrKeyId ?? null,
        created_at: this.deps.clock.now(),
      }),
    );
    // Another connection stored a key first: use that one.
    if (!inserted) return this.dataKey(sessionId, false);
    this.remember(sessionId, key);
    return key;
  }

  private remember(sessionId: string, key: Buffer): void {
    // Learnt only once the row is committed: a rolled-back key must not seal anything later.
    afterCommit(this.deps.db, () => this.cache.set(sessionId, key));
  }

  /** Wipes the in-memory copy of a session's key (deletion calls this before shredding the row). */
  forget(sessionId: string): void {
    const k = this.cache.get(sessionId);
    if (k) k.fill(0);
    this.cache.delete(sessionId);
  }

  private keyOrThrow(sessionId: string): Buffer {
    const key = this.dataKey(sessionId, false);
    if (!key) throw new CodedError('STORAGE_CORRUPT', 'this session has no data key (deleted or never sealed)');
    return key;
  }

  sealText(kind: SealedTextKind, sessionId: string, questionIndex: number, attempt: number, text: string): Buffer {
    return sealMessage(this.dataKey(sessionId, true)!, Buffer.from(text, 'utf8'), textAad(kind, sessionId, questionIndex, attempt));
  }

  openText(kind: SealedTextKind, sessionId: string, questionIndex: number, attempt: number, sealed: Buffer): string {
    const plain = openMessage(this.keyOrThrow(sessionId), sealed, textAad(kind, sessionId, questionIndex, attempt));
    if (!plain) throw new CodedError('STORAGE_CORRUPT', `a sealed ${kind} does not open with its session key (altered or moved)`);
    return plain.toString('utf8');
  }

  /**
   * The media store's sealer. The associated data must name the chunk — `chunkAad(...)` of
   * identity.ts, or the media store's own `media-chunk:v1:<session>:<q>:<a>:<seg>:<seq>` string:
   * the session is read from it, so one sealer serves every session, and a chunk moved to another
   * place in any session fails to open.
   */
  chunkSealer(): ChunkSealer {
    const identity = (aad: Uint8Array) => {
      const id = parseChunkAad(aad);
      if (!id) throw new RangeError('chunk associated data must come from chunkAad()');
      return id;
    };
    return {
      seal: (bytes, aad) => {
        const a = aadBytes(aad);
        return sealMessage(this.dataKey(identity(a).sessionId, true)!, bytes, a);
      },
      open: (bytes, aad) => {
        const a = aadBytes(aad);
        const plain = openMessage(this.keyOrThrow(identity(a).sessionId), bytes, a);
        if (!plain) throw new CodedError('STORAGE_CORRUPT', 'a sealed chunk does not open with its session key (altered or moved)');
        return plain;
      },
    };
  }

  /** A sealer bound to one session, for a store that keeps its own identity bytes. */
  sealerFor(sessionId: string): ChunkSealer {
    return {
      seal: (bytes, aad) => sealMessage(this.dataKey(sessionId, true)!, bytes, boundAad(sessionId, aadBytes(aad))),
      open: (bytes, aad) => {
        const plain = openMessage(this.keyOrThrow(sessionId), bytes, boundAad(sessionId, aadBytes(aad)));
        if (!plain) throw new CodedError('STORAGE_CORRUPT', 'sealed bytes do not open with their session key (altered or moved)');
        return plain;
      },
    };
  }
}
