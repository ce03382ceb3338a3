import type { HubMigration } from './index';

/**
 * Analytics (#14): expression indexes for the second pass of the exact medians
 * (hub/analytics/medians.ts). That pass fetches only the rows of the one or two unit-wide buckets
 * holding the middle ranks, `(group, floor(value)::int) IN (…)`; without these indexes it was a
 * full scan of the table (≈145 ms over 300,000 answers on the loaded CI machine, ≈20 ms with).
 * The expressions must stay textually identical to the ones medians.ts builds.
 */
export const hubMigration0005: HubMigration = {
  version: 5,
  name: 'analytics-median-buckets',
  up: `
    CREATE INDEX analytics_answers_median_bucket ON analytics_answers (question_id, (floor(total)::int));
    CREATE INDEX analytics_sessions_median_bucket ON analytics_sessions (job, (floor(score_mean)::int));
  `,
};
