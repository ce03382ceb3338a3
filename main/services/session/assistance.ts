/**
 * Help for the candidate and the staff: a raised hand recorded for the proctor, a diagnostic
 * bundle written to the kiosk's data directory, and the seekable (remuxed) copy of each answer
 * segment. The committed chunks stay the record; a remux is a derived file, sealed under the
 * session's data key like the chunks (crypto/sealed-file.ts), whose plaintext and sealed sha256 are
 * journaled, so it is as tamper-evident and as unreadable without the key as the chunks it was
 * made from.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import type { AssistanceReceipt, DiagnosticsReceipt, RemuxAck, RendererDiagnostics, StoreRemuxRequest } from '../../../preload/contract/assistance';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, isCodedError, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import { storageErrorCode } from '../../db/errors';
import { segmentChunkCount } from '../../db/queries/media';
import { appendKioskIncident, kioskIncidentExists } from '../../db/queries/kiosk-records';
import { getIncident, getSession, insertIncident } from '../../db/queries/sessions';
import { journalRowsOfTypeNewestFirst } from '../../db/queries/journal';
import { getErasure } from '../../db/queries/session-keys';
import type { EnvironmentProbe } from '../environment/environment';
import type { Journal } from '../journal/journal';
import { fsyncDirectory, placeDurably, writeFileDurably } from '../storage/durable-file';
import { shredFile } from '../storage/crypto/erasure';
import { durabilityOf } from '../../db/wal-durability';
import { SealedFileWriter } from '../storage/crypto/sealed-file';
import { remuxFileName, remuxIdentity, SEALED_REMUX_FORMAT, type RemuxKeys } from '../storage/remux-file';

export interface AssistanceDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly environment: EnvironmentProbe;
  readonly logger: Logger;
  /** The kiosk's data directory; bundles go to `diagnostics/`, remuxed answers to `recordings/`. */
  readonly dataDir: string;
  /** Seals remuxed answers under their session's data key. */
  readonly keys: RemuxKeys;
}

interface PendingRemux {
  readonly file: string;
  readonly writer: SealedFileWriter;
  nextPart: number;
  bytes: number;
}

export function incidentIdAt(now: number, prefix = 'INC'): string {
  const d = new Date(now);
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${prefix}-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export { remuxFileName } from '../storage/remux-file';

const SESSION_FOLDER = /^[A-Za-z0-9_-]{1,100}$/;

export class AssistanceService {
  private readonly log: Logger;
  private readonly pending = new Map<string, PendingRemux>();

  constructor(private readonly deps: AssistanceDeps) {
    this.log = deps.logger.scope('assistance');
  }

  /**
   * Records that the candidate asked for a person. With a session it goes to the session's
   * journal; before check-in (welcome screen, home system check) to the kiosk's own incident
   * record, so the proctor finds it either way (`npm run proctor -- incidents`). `incidentId`,
   * when it names an incident the candidate already holds, is reused: one help visit, one number.
   */
  raiseHand(sessionId: string | undefined, screen: string, incidentId?: string): Result<AssistanceReceipt> {
    const { db, journal, clock } = this.deps;
    const now = clock.now();
    const s = sessionId ? getSession(db, sessionId) : undefined;
    if (sessionId && !s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    return this.storage(() => {
      const id = this.reusable(incidentId, s?.id) ?? incidentIdAt(now);
      transact(db, () => {
        if (!s) {
          appendKioskIncident(db, { id, kind: 'hand_raised', at: now, screen, body: JSON.stringify({ screen }) });
          return;
        }
        const entry = journal.append(s.id, 'hand_raised', { incidentId: id, screen, questionIndex: s.question_index, state: s.state }, now);
        if (!getIncident(db, id)) insertIncident(db, { id, session_id: s.id, kind: 'hand_raised', at: now, body: JSON.stringify({ screen, journalSeq: entry.seq }) });
      });
      this.log.warn(s ? 'hand raised' : 'hand raised before check-in', { incidentId: id, screen });
      return ok({ incidentId: id, at: now, journaled: true });
    });
  }

  /**
   * Writes one JSON file the staff can hand to support: the environment, the renderer's view,
   * the session's state and the shape (not the content) of its recent journal. The file is
   * durable (temp file, fsync, rename, fsync of the folder) before the row that names it commits.
   */
  saveDiagnostics(sessionId: string | undefined, screen: string, renderer: RendererDiagnostics, incidentId?: string): Result<DiagnosticsReceipt> {
    const { db, journal, clock, environment } = this.deps;
    const now = clock.now();
    const s = sessionId ? getSession(db, sessionId) : undefined;
    if (sessionId && !s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const bundleId = incidentIdAt(now, 'DIAG');
    return this.storage(() => {
      const id = this.reusable(incidentId, s?.id) ?? incidentIdAt(now);
      const bundle = {
        bundleId,
        incidentId: id,
        createdAt: new Date(now).toISOString(),
        screen,
        environment: environment.snapshot(now),
        renderer,
        session: s
          ? {
              id: s.id,
              state: s.state,
              questionIndex: s.question_index,
              resumeCount: s.resume_count,
              interruption: s.interruption,
              journal: { verification: journal.verify(s.id), recent: journal.recent(s.id, 40).map((e) => ({ seq: e.seq, type: e.type, at: e.at })) },
            }
          : null,
      };
      const dir = path.join(this.deps.dataDir, 'diagnostics');
      mkdirSync(dir, { recursive: true });
      const fileName = `${bundleId}.json`;
      const body = JSON.stringify(bundle, null, 2);
      // The journal row below names this file: it is durable before the row commits.
      writeFileDurably(path.join(dir, fileName), body);
      const bytes = Buffer.byteLength(body);
      transact(db, () => {
        if (!s) {
          appendKioskIncident(db, { id, kind: 'diagnostics', at: now, screen, body: JSON.stringify({ bundleId, fileName, bytes }) });
          return;
        }
        const entry = journal.append(s.id, 'diagnostics_saved', { incidentId: id, bundleId, screen, bytes }, now);
        if (!getIncident(db, id)) insertIncident(db, { id, session_id: s.id, kind: 'diagnostics', at: now, body: JSON.stringify({ bundleId, fileName, journalSeq: entry.seq }) });
      });
      this.log.info('diagnostic bundle saved', { bundleId, bytes });
      return ok({ bundleId, incidentId: id, at: now, bytes, fileName });
    });
  }

  /** The candidate's incident id when it exists here (their session's, or one opened before check-in). */
  private reusable(incidentId: string | undefined, sessionId: string | undefined): string | undefined {
    if (!incidentId) return undefined;
    const inSession = getIncident(this.deps.db, incidentId);
    if (inSession) return sessionId !== undefined && inSession.session_id === sessionId ? incidentId : undefined;
    return kioskIncidentExists(this.deps.db, incidentId) ? incidentId : undefined;
  }

  /**
   * Receives a remuxed segment in order, part by part, and seals it as it arrives (only sealed
   * records reach the disk; see crypto/sealed-file.ts). The last part seals the last record, moves
   * the file into place durably and journals `recording_remuxed` with the plaintext's sha256 and
   * size (what the renderer produced) and the sealed file's (what is on disk), next to the number
   * of committed chunks it was made from.
   */
  async storeRemux(r: StoreRemuxRequest): Promise<Result<RemuxAck>> {
    const { db, journal, clock } = this.deps;
    const s = getSession(db, r.sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const rel = remuxFileName(r);
    const key = rel;
    // Nothing more of an erased session is ever stored.
    if (getErasure(db, r.sessionId)) {
      this.pending.delete(key);
      return err('NOT_RESUMABLE', 'the data of this interview was deleted; nothing more of it is stored');
    }
    if (r.part >= r.parts) return err('INVALID_INPUT', 'part must be below parts');
    const committed = segmentChunkCount(db, r.sessionId, r.questionIndex, r.attempt, r.segment);
    if (committed !== r.sourceChunks) {
      return err('CHUNK_CONFLICT', `the remux was made from ${r.sourceChunks} chunks but ${committed} are committed for this segment`);
    }
    const final = path.join(this.deps.dataDir, 'recordings', rel);
    let p = this.pending.get(key);
    if (r.part === 0) {
      mkdirSync(path.dirname(final), { recursive: true, mode: 0o700 });
      const file = `${final}.part`;
      p = { file, nextPart: 0, bytes: 0, writer: new SealedFileWriter(file, this.deps.keys.sealerFor(r.sessionId), remuxIdentity(r)) };
      this.pending.set(key, p);
    }
    if (!p || p.nextPart !== r.part) {
      return err('QUESTION_MISMATCH', `remux part ${r.part} arrived out of order (expected ${p?.nextPart ?? 0})`);
    }
    const pending = p;
    const last = pending.nextPart + 1 === r.parts;
    const written = this.storage(() => {
      pending.writer.write(r.data);
      pending.nextPart += 1;
      pending.bytes += r.data.byteLength;
      return ok(last ? pending.writer.finish() : undefined);
    });
    if (!written.ok) {
      this.pending.delete(key);
      return written;
    }
    if (!last || !written.value) return ok({ complete: false, bytes: pending.bytes, sha256: null });

    this.pending.delete(key);
    const digest = written.value;
    const now = clock.now();
    return this.storage(() => {
      // The recording_remuxed row names this file: fsync it, rename, fsync the directory first,
      // or a power cut leaves an empty file behind a committed row.
      placeDurably(pending.file, final);
      journal.append(s.id, 'recording_remuxed', {
        questionIndex: r.questionIndex,
        attempt: r.attempt,
        segment: r.segment,
        sourceChunks: r.sourceChunks,
        durationMs: r.durationMs,
        bytes: digest.plainBytes,
        sha256: digest.plainSha256,
        file: toPosix(rel),
        format: SEALED_REMUX_FORMAT,
        sealedBytes: digest.sealedBytes,
        sealedSha256: digest.sealedSha256,
      }, now);
      return ok({ complete: true, bytes: digest.plainBytes, sha256: digest.plainSha256 });
    });
  }

  /**
   * Start-up migration of remuxed answers written before they were sealed. For each session folder
   * under `recordings/`:
   * - a `.part` file is a remux a stop cut short (before sealing existed it held plaintext): shredded;
   * - a plain `….webm` whose newest `recording_remuxed` event names it is sealed into `….webm.sealed`
   *   (temporary file, fsync, rename, fsync folder), a new `recording_remuxed` event names the sealed
   *   file with the original event's plaintext sha256 and size (so `data verify` still compares the
   *   plaintext with what was journaled when it was made) and `replaces` the plain name; only then is
   *   the plain file overwritten with zeros, fsynced and unlinked. A crash before the event leaves the
   *   plain file, and the next start seals it again; a crash after it leaves a plain file whose sealed
   *   copy is journaled, and the next start only shreds it;
   * - a plain file no event names (its bytes were never journaled), or of an erased session: shredded.
   * Work is one directory listing per session folder when nothing is left to do.
   */
  sealPlainRemuxes(): { sealed: number; shredded: number } {
    const { db, journal, clock } = this.deps;
    const root = path.join(this.deps.dataDir, 'recordings');
    let sealed = 0;
    let shredded = 0;
    let sessions: string[];
    try {
      sessions = readdirSync(root);
    } catch {
      return { sealed, shredded };
    }
    for (const sessionId of sessions) {
      if (!SESSION_FOLDER.test(sessionId)) continue;
      const dir = path.join(root, sessionId);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      let changed = false;
      const plain = names.filter((n) => n.endsWith('.webm'));
      for (const n of names.filter((x) => x.endsWith('.part'))) {
        shredFile(path.join(dir, n));
        shredded += 1;
        changed = true;
      }
      if (plain.length > 0) {
        const erased = getSession(db, sessionId) === undefined || getErasure(db, sessionId) !== undefined;
        const events = erased ? [] : journalRowsOfTypeNewestFirst(db, sessionId, 'recording_remuxed').map((e) => ({ seq: e.seq, p: parsePayload(e.payload) }));
        for (const n of plain) {
          const rel = `${sessionId}/${n}`;
          const file = path.join(dir, n);
          const sealedRel = `${rel}.sealed`;
          const newestSealed = events.find((e) => e.p?.file === sealedRel);
          const newestPlain = events.find((e) => e.p?.file === rel);
          if (!erased && newestPlain?.p && !(newestSealed && newestSealed.seq > newestPlain.seq && newestSealed.p?.replaces === rel)) {
            const ev = newestPlain.p;
            const id = { questionIndex: Number(ev.questionIndex), attempt: Number(ev.attempt), segment: Number(ev.segment) };
            if (![id.questionIndex, id.attempt, id.segment].every((x) => Number.isSafeInteger(x) && x >= 0)) continue;
            const tmp = path.join(dir, `${n}.sealed.part`);
            const writer = new SealedFileWriter(tmp, this.deps.keys.sealerFor(sessionId), remuxIdentity(id));
            forEachPiece(file, (piece) => writer.write(piece));
            const digest = writer.finish();
            placeDurably(tmp, path.join(dir, `${n}.sealed`));
            journal.append(sessionId, 'recording_remuxed', {
              ...ev,
              file: sealedRel,
              format: SEALED_REMUX_FORMAT,
              sealedBytes: digest.sealedBytes,
              sealedSha256: digest.sealedSha256,
              replaces: rel,
            }, clock.now());
            sealed += 1;
            // The event naming the sealed file must be durable before the plain file goes.
            durabilityOf(db).flushSync();
          }
          shredFile(file);
          shredded += 1;
          changed = true;
        }
      }
      if (changed) fsyncDirectory(dir);
    }
    if (sealed + shredded > 0) this.log.info('plain remuxed answers sealed', { sealed, shredded });
    return { sealed, shredded };
  }

  private storage<T>(f: () => Result<T>): Result<T> {
    try {
      return f();
    } catch (e) {
      // The keyring refuses to seal for an erased session, or cannot unwrap its key.
      if (isCodedError(e)) {
        this.log.error('assistance storage refused', { code: e.code });
        return err(e.code, e.message);
      }
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.log.error('assistance storage failure', { code });
      return err(code, 'the kiosk could not save this; ask the staff for help');
    }
  }
}

const toPosix = (rel: string): string => rel.split(path.sep).join('/');

function parsePayload(payload: string): Record<string, unknown> | undefined {
  try {
    const p = JSON.parse(payload) as unknown;
    return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a file in 1 MiB pieces. */
function forEachPiece(file: string, f: (piece: Buffer) => void): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      f(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
