/** The hub's migration registry: its own numbering, separate from the kiosk's SQLite schema. */
import { hubMigration0001 } from './0001-create-hub-tables';
import { hubMigration0002 } from './0002-invites-reminders';
import { hubMigration0003 } from './0003-analytics';
import { hubMigration0004 } from './0004-console-journal';
import { hubMigration0005 } from './0005-analytics-median-buckets';
import { hubMigration0006 } from './0006-analytics-summaries';
import { hubMigration0008 } from './0008-hr-endpoint';

export interface HubMigration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

export const hubMigrations: readonly HubMigration[] = [hubMigration0001, hubMigration0002, hubMigration0003, hubMigration0004, hubMigration0005, hubMigration0006, hubMigration0008];
hubMigrations.forEach((m, i) => {
  const prev = hubMigrations[i - 1];
  if (prev && prev.version >= m.version) throw new Error(`hub migration versions must be strictly increasing (${prev.version} then ${m.version})`);
});
