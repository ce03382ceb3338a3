/** A signed schedule carries per-invite accommodations; a bad one refuses the whole schedule. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { openDatabase } from '../../../../main/db/connection';
import type { SigningKeyPair } from '../../../../main/services/packs/pack-crypto';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';
import { buildSchedule, importSchedule, ScheduleInviteDirectory } from '../../../../main/services/packs/schedule';

const root = path.resolve(import.meta.dirname, '../../../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const centreId = prov.value.centreId;
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
const window = { start: '2026-12-07T01:00:00Z', end: '2026-12-07T09:00:00Z' };
const clock = () => new ManualClock(Date.parse('2026-12-07T00:00:00Z'));

function schedule(accommodations: unknown) {
  return buildSchedule(
    {
      scheduleId: 'acc-day',
      centreId,
      day: '2026-12-07',
      invites: [
        { code: 'ACC-0001', candidateRef: 'c-1', packId: 'software-engineer', window, accommodations },
        { code: 'ACC-0002', candidateRef: 'c-2', packId: 'software-engineer', window },
      ],
    },
    root,
    demoKey,
    new Date('2026-12-06T00:00:00Z'),
  );
}

describe('accommodations in a signed schedule', () => {
  it('imports them with the invite, filling defaults, and leaves other invites without', async () => {
    const built = schedule({ timeMultiplier: 1.5, restBreakMinutes: 10 });
    if (!built.ok) throw new Error(built.error.message);
    const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'sched-acc-')), 'k.sqlite'));
    const r = await importSchedule(db, Buffer.from(built.value.text), trust, centreId, clock());
    expect(r.ok).toBe(true);
    const invites = new ScheduleInviteDirectory(db);
    expect(invites.lookup('ACC-0001')?.accommodations).toEqual({ timeMultiplier: 1.5, restBreakMinutes: 10, textAnswers: false, largeText: false, highContrast: false });
    expect(invites.lookup('ACC-0002')?.accommodations).toBeUndefined();
    db.close();
  });

  it.each([
    ['a multiplier above 3', { timeMultiplier: 4 }],
    ['a multiplier below 1', { timeMultiplier: 0.5 }],
    ['a multiplier finer than hundredths', { timeMultiplier: 1.333 }],
    ['an unknown field', { timeMultiplier: 1.5, scoreBonus: 10 }],
    ['a rest break over an hour', { restBreakMinutes: 61 }],
  ])('refuses %s', (_name, accommodations) => {
    const built = schedule(accommodations);
    expect(built.ok).toBe(false);
  });
});
