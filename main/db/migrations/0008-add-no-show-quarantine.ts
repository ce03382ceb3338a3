import type { Migration } from './types';

/**
 * No-shows the HR endpoint cannot take: an event the HR document refuses, or one the endpoint
 * refused alone as malformed, is quarantined instead of being retried forever. It is kept (nothing
 * owed to HR is dropped), never sent again, and reported to HR once as a kiosk incident
 * (`incident_state`: NULL while owed, `reported`, or `refused` when the endpoint refused the
 * incident itself, so that is not retried forever either).
 */
export const migration0008: Migration = {
  version: 8,
  name: 'add-no-show-quarantine',
  up: `
    ALTER TABLE no_show_events ADD COLUMN quarantined_at INTEGER;
    ALTER TABLE no_show_events ADD COLUMN quarantine_reason TEXT CHECK (quarantine_reason IS NULL OR length(quarantine_reason) <= 1000);
    ALTER TABLE no_show_events ADD COLUMN incident_state TEXT CHECK (incident_state IS NULL OR incident_state IN ('reported', 'refused'));
    ALTER TABLE no_show_events ADD COLUMN incident_at INTEGER;
  `,
};
