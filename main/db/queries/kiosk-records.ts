/** Queries for the machine-level records of migration 0006 (invite attempts, kiosk incidents). */
import type { Db } from '../connection';
import { stmt } from '../statements';

export type InviteOutcome = 'wrong' | 'accepted' | 'locked' | 'cleared';

export interface InviteAttemptRow {
  readonly id: number;
  readonly at: number;
  readonly outcome: InviteOutcome;
  readonly code: string;
  readonly note: string | null;
}

export function insertInviteAttempt(db: Db, row: { at: number; outcome: InviteOutcome; code: string; note?: string | null }): void {
  stmt(db, `INSERT INTO invite_attempts (at, outcome, code, note) VALUES (@at, @outcome, @code, @note)`).run({ ...row, note: row.note ?? null });
}

/** Wrong codes since the last accepted code or proctor clearing: how many, and the last one's time. */
export function wrongSinceReset(db: Db): { count: number; lastAt: number | null } {
  const r = stmt(
    db,
    `SELECT COUNT(*) AS count, MAX(at) AS lastAt FROM invite_attempts
      WHERE outcome = 'wrong'
        AND id > COALESCE((SELECT MAX(id) FROM invite_attempts WHERE outcome IN ('accepted','cleared')), 0)`,
  ).get() as { count: number; lastAt: number | null };
  return { count: r.count, lastAt: r.lastAt };
}

export function recentInviteAttempts(db: Db, limit: number): InviteAttemptRow[] {
  return stmt(db, `SELECT id, at, outcome, code, note FROM invite_attempts ORDER BY id DESC LIMIT ?`).all(Math.max(1, Math.min(limit, 1000))) as InviteAttemptRow[];
}

export interface KioskIncidentRow {
  readonly id: string;
  readonly seq: number;
  readonly kind: 'hand_raised' | 'diagnostics';
  readonly at: number;
  readonly screen: string;
  readonly body: string;
}

/** Appends an entry to a kiosk incident (seq 1 opens it) and returns the entry's seq. */
export function appendKioskIncident(db: Db, row: Omit<KioskIncidentRow, 'seq'>): number {
  const next = (stmt(db, `SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM kiosk_incidents WHERE id = ?`).get(row.id) as { seq: number }).seq;
  stmt(db, `INSERT INTO kiosk_incidents (id, seq, kind, at, screen, body) VALUES (@id, @seq, @kind, @at, @screen, @body)`).run({ ...row, seq: next });
  return next;
}

export function kioskIncidentExists(db: Db, id: string): boolean {
  return stmt(db, `SELECT 1 FROM kiosk_incidents WHERE id = ? LIMIT 1`).get(id) !== undefined;
}

export function recentKioskIncidents(db: Db, limit: number): KioskIncidentRow[] {
  return stmt(db, `SELECT id, seq, kind, at, screen, body FROM kiosk_incidents ORDER BY at DESC, id, seq LIMIT ?`).all(Math.max(1, Math.min(limit, 1000))) as KioskIncidentRow[];
}

/** The sessions' incidents (exits, raised hands, bundles) with the invite they belong to, newest first. */
export function recentSessionIncidents(db: Db, limit: number): Array<{ id: string; kind: string; at: number; invite: string }> {
  return stmt(db, `SELECT i.id, i.kind, i.at, s.invite_code AS invite FROM incidents i JOIN sessions s ON s.id = i.session_id ORDER BY i.at DESC LIMIT ?`).all(
    Math.max(1, Math.min(limit, 1000)),
  ) as Array<{ id: string; kind: string; at: number; invite: string }>;
}
