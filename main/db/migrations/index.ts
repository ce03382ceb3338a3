/**
 * The migration registry. One file per version; never edit a migration that has shipped.
 * Pending migrations run in one transaction and set `PRAGMA user_version`.
 */
import { migration0001 } from './0001-create-core-tables';
import { migration0002 } from './0002-create-pack-tables';
import { migration0003 } from './0003-create-answer-drafts';
import type { Migration } from './types';

export type { Migration } from './types';

export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]?.version ?? 0;
