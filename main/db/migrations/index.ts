/**
 * The migration registry. One file per version; never edit a migration that has shipped.
 * Pending migrations run in one transaction and set `PRAGMA user_version`.
 */
import { migration0001 } from './0001-create-core-tables';
import { migration0002 } from './0002-create-pack-tables';
import { migration0003 } from './0003-create-answer-drafts';
import { migration0004 } from './0004-protect-media-chunks';
import { migration0005 } from './0005-protect-pack-secrets';
import { migration0006 } from './0006-create-kiosk-records';
import { migration0008 } from './0008-add-no-show-quarantine';
import { migration0009 } from './0009-create-scoring-tables';
import { migration0010 } from './0010-move-media-to-files';
import { migration0011 } from './0011-create-session-keys';
import { migration0013 } from './0013-create-accommodations';
import { migration0015 } from './0015-create-proctor-token-nonces';
import { migration0016 } from './0016-create-outbox';
import { migration0017 } from './0017-sync-cursors';
import { migration0018 } from './0018-erase-media-damage';
import { migration0019 } from './0019-create-session-stage-keys';
import { migration0020 } from './0020-create-identity-records';
import { migration0021 } from './0021-create-score-material';
import { migration0022 } from './0022-seal-review-notes';
import type { Migration } from './types';

export type { Migration } from './types';

/**
 * Versions are assigned per feature, so the list may have gaps (0003 and 0004 land from other
 * branches); it is sorted here and must be strictly increasing.
 */
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0008, migration0009, migration0010, migration0011, migration0013, migration0015, migration0016, migration0017, migration0018, migration0019, migration0020, migration0021, migration0022].sort((a, b) => a.version - b.version);
migrations.forEach((m, i) => {
  const prev = migrations[i - 1];
  if (prev && prev.version >= m.version) throw new Error(`migration versions must be strictly increasing (${prev.version} then ${m.version})`);
});

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]?.version ?? 0;
