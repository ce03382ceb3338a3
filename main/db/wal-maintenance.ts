/**
 * WAL checkpoints, kept off the recording path. Auto-checkpointing is off on every connection
 * (see connection.ts); the session service asks for a checkpoint between answers, and a hard cap
 * bounds the WAL if one answer runs very long.
 */
import type { Db } from './connection';

/**
 * What one stored chunk adds to the WAL: its commit touches about three pages (the media_chunks
 * leaf, the journal leaf, an interior page now and then), each written as a 4 KiB frame with a
 * 24-byte header. The chunk's bytes are in its segment file, not in the WAL (migration 0010), so
 * they must not be counted: counting them forced a checkpoint on the recording path after 256 MB
 * of media (a 30-minute answer at 1.2 Mbps) and checkpointed between every answer.
 */
export const CHUNK_COMMIT_WAL_BYTES = 3 * (4096 + 24);

export interface WalMaintenance {
  /** WAL bytes just committed (not media bytes: see CHUNK_COMMIT_WAL_BYTES); checkpoints at once only past the hard cap. */
  noteWritten(bytes: number): void;
  /** A safe point (between answers, after exit): checkpoint if the WAL has grown. */
  checkpointIfNeeded(): void;
}

export class PassiveWalMaintenance implements WalMaintenance {
  private sinceCheckpoint = 0;

  constructor(
    private readonly db: Db,
    private readonly softLimitBytes = 4 * 1024 * 1024,
    private readonly hardLimitBytes = 256 * 1024 * 1024,
  ) {}

  noteWritten(bytes: number): void {
    this.sinceCheckpoint += bytes;
    if (this.sinceCheckpoint >= this.hardLimitBytes) this.checkpoint();
  }

  checkpointIfNeeded(): void {
    if (this.sinceCheckpoint >= this.softLimitBytes) this.checkpoint();
  }

  checkpoint(): { busy: number; log: number; checkpointed: number } {
    const row = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    this.sinceCheckpoint = 0;
    return row[0] ?? { busy: 0, log: 0, checkpointed: 0 };
  }
}
