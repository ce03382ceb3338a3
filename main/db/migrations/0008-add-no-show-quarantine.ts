import type { Migration } from './types';

/**
 * No-shows the HR endpoint cannot take: an event the HR document refuses, or one the endpoint
 * refused alone as malformed, is quarantined instead of being retried forever. It is kept (nothing
 * owed to HR is dropped), never sent again, and listed with the reason so a human can fix it.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'add-no-show-quarantine',
  up: `
    ALTER TABLE no_show_events ADD COLUMN quarantined_at INTEGER;
    ALTER TABLE no_show_events ADD COLUMN quarantine_reason TEXT CHECK (quarantine_reason IS NULL OR length(quarantine_reason) <= 1000);
  `,
};
