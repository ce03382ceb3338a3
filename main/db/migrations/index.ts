/**
 * The migration registry. One file per version; never edit a migration that has shipped.
 * Pending migrations run in one transaction and set `PRAGMA user_version`.
 */
import { migration0001 } from './0001-create-core-tables';
import { migration0002 } from './0002-create-pack-tables';
import { migration0004 } from './0004-protect-media-chunks';
import { migration0008 } from './0008-add-no-show-quarantine';
import type { Migration } from './types';

export type { Migration } from './types';

// Versions are strictly increasing, not necessarily contiguous (numbers are assigned per change).
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0004, migration0008];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]?.version ?? 0;
