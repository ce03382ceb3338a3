/**
 * The answer clock's pure rules, one behaviour per test, with the expected numbers written out by
 * hand (no product arithmetic reused). Written for mutation testing: each assertion pins a
 * boundary or a branch a mutant of main/services/session/answer-clock.ts would move.
 */
import { describe, expect, it } from 'vitest';
import { capDialogAt, closeDialogAt, DIALOG_PAUSE_CAP_MS, elapsedAt, holdAt, openDialogAt, releaseAt, type Timer } from '../../main/services/session/answer-clock';
import { runSequence, type Operation } from '../../main/services/session/operation-sequence';

const CAP = 120_000;

function timer(over: Partial<Timer> = {}): Timer {
  return { questionIndex: 0, phase: 'answering', base: 1_000, since: 10_000, prepElapsed: 0, lastPersist: 10_000, ...over };
}

describe('answer clock: elapsed time', () => {
  it('the allowance is two minutes per question', () => {
    expect(DIALOG_PAUSE_CAP_MS).toBe(CAP);
  });

  it('a running clock adds the time since `since` to its base', () => {
    expect(elapsedAt(timer(), 10_000)).toBe(1_000);
    expect(elapsedAt(timer(), 12_500)).toBe(3_500);
  });

  it('never runs backwards when `now` lies before `since`', () => {
    expect(elapsedAt(timer(), 9_000)).toBe(1_000);
  });

  it.each([
    ['a lost device', { paused: { since: 11_000, device: 'camera' } }],
    ['no page', { held: { since: 11_000 } }],
    ['an open dialog', { dialog: { since: 11_000, kind: 'help' as const } }],
  ])('stands still at its base while stopped by %s', (_name, stop) => {
    expect(elapsedAt(timer(stop), 50_000)).toBe(1_000);
  });
});

describe('answer clock: holding while no page shows the question', () => {
  it('charges the time up to the moment the page was last seen, not after', () => {
    const t = timer();
    expect(holdAt(t, 13_000)).toBe(true);
    expect(t.base).toBe(4_000);
    expect(t.since).toBe(13_000);
    expect(t.held).toEqual({ since: 13_000 });
    expect(elapsedAt(t, 99_000)).toBe(4_000);
  });

  it('a hold dated before `since` charges nothing and keeps `since`', () => {
    const t = timer();
    expect(holdAt(t, 8_000)).toBe(true);
    expect(t.base).toBe(1_000);
    expect(t.since).toBe(10_000);
    expect(t.held).toEqual({ since: 8_000 });
  });

  it('a second hold changes nothing and says so', () => {
    const t = timer();
    holdAt(t, 13_000);
    expect(holdAt(t, 15_000)).toBe(false);
    expect(t.held).toEqual({ since: 13_000 });
    expect(t.base).toBe(4_000);
  });

  it('a hold on a clock already stopped by a dialog leaves the dialog base alone', () => {
    const t = timer({ dialog: { since: 11_000, kind: 'exit' }, base: 2_000, since: 11_000 });
    expect(holdAt(t, 20_000)).toBe(true);
    expect(t.base).toBe(2_000);
    expect(t.since).toBe(11_000);
  });

  it('release returns how long it was held and lets the clock run from then', () => {
    const t = timer();
    holdAt(t, 13_000);
    expect(releaseAt(t, 17_500)).toBe(4_500);
    expect(t.held).toBeUndefined();
    expect(t.since).toBe(17_500);
    expect(elapsedAt(t, 18_000)).toBe(4_500);
  });

  it('release before the hold began returns 0, not a negative time', () => {
    const t = timer();
    holdAt(t, 13_000);
    expect(releaseAt(t, 12_000)).toBe(0);
  });

  it('release of a clock that was not held returns null and changes nothing', () => {
    const t = timer();
    expect(releaseAt(t, 20_000)).toBeNull();
    expect(t.since).toBe(10_000);
  });

  it('release while a dialog is still open keeps the clock stopped', () => {
    const t = timer();
    holdAt(t, 12_000);
    t.dialog = { since: 12_500, kind: 'help' };
    expect(releaseAt(t, 14_000)).toBe(2_000);
    expect(t.since).toBe(12_000);
    expect(elapsedAt(t, 30_000)).toBe(3_000);
  });
});

describe('answer clock: Help and Leave', () => {
  it('opening a dialog freezes the clock at that moment', () => {
    const t = timer();
    expect(openDialogAt(t, 'help', 12_000)).toBe(true);
    expect(t.dialog).toEqual({ since: 12_000, kind: 'help' });
    expect(t.base).toBe(3_000);
    expect(elapsedAt(t, 60_000)).toBe(3_000);
  });

  it('a second dialog while one is open is refused', () => {
    const t = timer();
    openDialogAt(t, 'help', 12_000);
    expect(openDialogAt(t, 'exit', 13_000)).toBe(false);
    expect(t.dialog).toEqual({ since: 12_000, kind: 'help' });
  });

  it('no dialog pauses the clock once the allowance is used up, and one just short of it still does', () => {
    expect(openDialogAt(timer({ dialogUsedMs: CAP }), 'help', 12_000)).toBe(false);
    expect(openDialogAt(timer({ dialogUsedMs: CAP + 1 }), 'help', 12_000)).toBe(false);
    const almost = timer({ dialogUsedMs: CAP - 1 });
    expect(openDialogAt(almost, 'exit', 12_000)).toBe(true);
    expect(almost.dialog?.kind).toBe('exit');
  });

  it('closing grants the time it was open and runs the clock from then', () => {
    const t = timer();
    openDialogAt(t, 'help', 12_000);
    expect(closeDialogAt(t, 42_000)).toBe(30_000);
    expect(t.dialogUsedMs).toBe(30_000);
    expect(t.dialog).toBeUndefined();
    expect(t.since).toBe(42_000);
    expect(elapsedAt(t, 43_000)).toBe(4_000);
  });

  it('grants at most what is left of the allowance, and adds it to what was used', () => {
    const t = timer({ dialogUsedMs: 100_000 });
    openDialogAt(t, 'exit', 12_000);
    expect(closeDialogAt(t, 72_000)).toBe(20_000);
    expect(t.dialogUsedMs).toBe(CAP);
  });

  it('a close dated before the open grants 0', () => {
    const t = timer();
    openDialogAt(t, 'help', 12_000);
    expect(closeDialogAt(t, 11_000)).toBe(0);
    expect(t.dialogUsedMs).toBe(0);
  });

  it('closing with no dialog open returns null and changes nothing', () => {
    const t = timer({ dialogUsedMs: 5 });
    expect(closeDialogAt(t, 20_000)).toBeNull();
    expect(t.dialogUsedMs).toBe(5);
    expect(t.since).toBe(10_000);
  });

  it('closing while the page is gone keeps the clock stopped', () => {
    const t = timer();
    openDialogAt(t, 'help', 12_000);
    holdAt(t, 13_000);
    expect(closeDialogAt(t, 20_000)).toBe(8_000);
    expect(t.since).toBe(12_000);
    expect(elapsedAt(t, 90_000)).toBe(3_000);
  });

  it('caps a dialog exactly when the allowance runs out, and runs the clock from that moment', () => {
    const t = timer({ dialogUsedMs: 20_000 });
    openDialogAt(t, 'help', 12_000);
    expect(capDialogAt(t, 12_000 + 99_999)).toBe(false);
    expect(t.dialog).toBeDefined();
    expect(capDialogAt(t, 12_000 + 100_000)).toBe(true);
    expect(t.dialog).toBeUndefined();
    expect(t.dialogUsedMs).toBe(CAP);
    expect(t.since).toBe(112_000);
    expect(elapsedAt(t, 115_000)).toBe(3_000 + 3_000);
  });

  it('a cap noticed late still restarts the clock at the moment the allowance ended', () => {
    const t = timer();
    openDialogAt(t, 'exit', 12_000);
    expect(capDialogAt(t, 500_000)).toBe(true);
    expect(t.since).toBe(12_000 + CAP);
  });

  it('cap with no dialog open does nothing', () => {
    const t = timer();
    expect(capDialogAt(t, 999_999)).toBe(false);
    expect(t.dialogUsedMs).toBeUndefined();
  });

  it('a cap while the page is gone keeps the clock stopped', () => {
    const t = timer();
    openDialogAt(t, 'exit', 12_000);
    holdAt(t, 13_000);
    expect(capDialogAt(t, 12_000 + CAP)).toBe(true);
    expect(t.since).toBe(12_000);
    expect(elapsedAt(t, 999_999)).toBe(3_000);
  });

  it('a fresh question counts no allowance used', () => {
    const t = timer();
    openDialogAt(t, 'help', 12_000);
    expect(capDialogAt(t, 12_000 + CAP - 1)).toBe(false);
    expect(capDialogAt(t, 12_000 + CAP)).toBe(true);
  });
});

describe('operation sequence', () => {
  function op(name: string, log: string[], result: 'ok' | 'fail' | 'throw' = 'ok', revertible = true): Operation {
    return {
      name,
      perform: () => {
        log.push(`perform ${name}`);
        if (result === 'throw') throw new Error(`${name} threw`);
        return result === 'ok' ? { ok: true, value: undefined } : { ok: false, error: { code: 'X', message: name } };
      },
      ...(revertible ? { revert: () => void log.push(`revert ${name}`) } : {}),
    } as Operation;
  }

  it('performs every step in order and reverts nothing when all succeed', () => {
    const log: string[] = [];
    expect(runSequence([op('a', log), op('b', log), op('c', log)])).toEqual({ ok: true, value: undefined });
    expect(log).toEqual(['perform a', 'perform b', 'perform c']);
  });

  it('on a failed step, stops, reverts the performed steps in reverse order and returns that error', () => {
    const log: string[] = [];
    const r = runSequence([op('a', log), op('b', log, 'ok', false), op('c', log), op('d', log, 'fail'), op('e', log)]);
    expect(r).toEqual({ ok: false, error: { code: 'X', message: 'd' } });
    expect(log).toEqual(['perform a', 'perform b', 'perform c', 'perform d', 'revert c', 'revert a']);
  });

  it('on a throwing step, reverts the performed steps in reverse order and rethrows', () => {
    const log: string[] = [];
    expect(() => runSequence([op('a', log), op('b', log), op('c', log, 'throw')])).toThrow('c threw');
    expect(log).toEqual(['perform a', 'perform b', 'perform c', 'revert b', 'revert a']);
  });

  it('a first step that fails reverts nothing', () => {
    const log: string[] = [];
    expect(runSequence([op('a', log, 'fail'), op('b', log)]).ok).toBe(false);
    expect(log).toEqual(['perform a']);
  });
});
