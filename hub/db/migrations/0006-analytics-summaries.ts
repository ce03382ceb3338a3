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
    ${rebuildAllSql()}
  `,
};
