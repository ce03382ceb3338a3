import { rebuildAllSql, summaryDdl } from '../../analytics/summaries';
import type { HubMigration } from './index';

/**
 * Analytics (#14): per day and per month (UTC+8) × job summaries of the fact tables, maintained
 * with them at ingest and at each HR import (hub/analytics/summaries.ts), so the year-wide reports
 * read thousands of summary rows instead of scanning 300,000 answers. The (job, time) indexes let
 * the maintenance recompute one day's or one month's cell of one job from the fact rows. An
 * existing hub's fact rows are summarised here once, by the same SQL the ingest path runs (every
 * cell touched).
 */
export const hubMigration0006: HubMigration = {
  version: 6,
  name: 'analytics-summaries',
  up: `
    ${summaryDdl()}
    CREATE INDEX analytics_answers_job_time ON analytics_answers (job, started_at);
    CREATE INDEX analytics_competencies_job_time ON analytics_competencies (job, started_at);
    CREATE INDEX analytics_prechecks_job_time ON analytics_prechecks (job, at);
    -- The exact medians' second pass (medians.ts) reads the rows of the middle buckets: the same
    -- keys as 0005's indexes, now covering every column that pass and the report filters read, so
    -- it is an index-only probe (≈2 ms instead of ≈20-60 ms of heap reads for the year's sessions).
    DROP INDEX analytics_answers_median_bucket;
    DROP INDEX analytics_sessions_median_bucket;
    CREATE INDEX analytics_answers_median_bucket ON analytics_answers (question_id, (floor(total)::int)) INCLUDE (total, status, started_at, job, centre);
    CREATE INDEX analytics_sessions_median_bucket ON analytics_sessions (job, (floor(score_mean)::int)) INCLUDE (score_mean, selected, final_round, offer, probation, started_at, centre);
    ${rebuildAllSql()}
  `,
};
