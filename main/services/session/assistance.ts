/**
 * Help for the candidate and the staff: a raised hand recorded for the proctor, a diagnostic
 * bundle written to the kiosk's data directory, and the seekable (remuxed) copy of each answer
 * segment. The committed chunks stay the record; a remux is a derived file whose sha256 is
 * journaled, so it is as tamper-evident as the chunks it was made from.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, statSync, writeSync, createReadStream } from 'node:fs';
import path from 'node:path';
import type { AssistanceReceipt, DiagnosticsReceipt, RemuxAck, RendererDiagnostics, StoreRemuxRequest } from '../../../preload/contract/assistance';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import { storageErrorCode } from '../../db/errors';
import { segmentChunkCount } from '../../db/queries/media';
import { appendKioskIncident, kioskIncidentExists } from '../../db/queries/kiosk-records';
import { getIncident, getSession, insertIncident } from '../../db/queries/sessions';
import type { EnvironmentProbe } from '../environment/environment';
import type { Journal } from '../journal/journal';
import { placeDurably, writeFileDurably } from '../storage/durable-file';

export interface AssistanceDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly environment: EnvironmentProbe;
  readonly logger: Logger;
  /** The kiosk's data directory; bundles go to `diagnostics/`, remuxed answers to `recordings/`. */
  readonly dataDir: string;
}

interface PendingRemux {
  readonly file: string;
  nextPart: number;
  bytes: number;
}

export function incidentIdAt(now: number, prefix = 'INC'): string {
  const d = new Date(now);
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${prefix}-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export function remuxFileName(r: { sessionId: string; questionIndex: number; attempt: number; segment: number }): string {
  return path.join(r.sessionId, `q${r.questionIndex}-a${r.attempt}-s${r.segment}.webm`);
}

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
   * Receives a remuxed segment in order, part by part. The last part moves the file into place
   * and journals its sha256 next to the number of committed chunks it was made from.
   */
  async storeRemux(r: StoreRemuxRequest): Promise<Result<RemuxAck>> {
    const { db, journal, clock } = this.deps;
    const s = getSession(db, r.sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    if (r.part >= r.parts) return err('INVALID_INPUT', 'part must be below parts');
    const committed = segmentChunkCount(db, r.sessionId, r.questionIndex, r.attempt, r.segment);
    if (committed !== r.sourceChunks) {
      return err('CHUNK_CONFLICT', `the remux was made from ${r.sourceChunks} chunks but ${committed} are committed for this segment`);
    }
    const rel = remuxFileName(r);
    const final = path.join(this.deps.dataDir, 'recordings', rel);
    const key = rel;
    let p = this.pending.get(key);
    if (r.part === 0) {
      mkdirSync(path.dirname(final), { recursive: true });
      p = { file: `${final}.part`, nextPart: 0, bytes: 0 };
      this.pending.set(key, p);
    }
    if (!p || p.nextPart !== r.part) {
      return err('QUESTION_MISMATCH', `remux part ${r.part} arrived out of order (expected ${p?.nextPart ?? 0})`);
    }
    const pending = p;
    const written = this.storage(() => {
      const fd = openSync(pending.file, pending.nextPart === 0 ? 'w' : 'a', 0o600);
      try {
        writeSync(fd, r.data);
      } finally {
        closeSync(fd);
      }
      pending.nextPart += 1;
      pending.bytes += r.data.byteLength;
      return ok(undefined);
    });
    if (!written.ok) return written;
    if (pending.nextPart < r.parts) return ok({ complete: false, bytes: pending.bytes, sha256: null });

    this.pending.delete(key);
    const sha256 = await sha256File(pending.file);
    const now = clock.now();
    return this.storage(() => {
      // The recording_remuxed row names this file: fsync it, rename, fsync the directory first,
      // or a power cut leaves an empty file behind a committed row.
      placeDurably(pending.file, final);
      const bytes = statSync(final).size;
      journal.append(s.id, 'recording_remuxed', {
        questionIndex: r.questionIndex,
        attempt: r.attempt,
        segment: r.segment,
        sourceChunks: r.sourceChunks,
        durationMs: r.durationMs,
        bytes,
        sha256,
        file: rel.split(path.sep).join('/'),
      }, now);
      return ok({ complete: true, bytes, sha256 });
    });
  }

  private storage<T>(f: () => Result<T>): Result<T> {
    try {
      return f();
    } catch (e) {
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.log.error('assistance storage failure', { code });
      return err(code, 'the kiosk could not save this; ask the staff for help');
    }
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
