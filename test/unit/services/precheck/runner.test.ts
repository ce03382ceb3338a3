import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../../preload/contract/precheck';
import { machineChecks } from '../../../../main/services/precheck/precheck-service';
import { resolvePrecheckPolicy } from '../../../../main/services/precheck/policy';
import { overallOf, runChecks, type RunProgress } from '../../../../main/services/precheck/runner';
import type { Check } from '../../../../main/services/precheck/types';
import { context, FakeMachine, goodFacts } from './fake-machine';

const quick = (id: Check['id'], status: 'pass' | 'warn' | 'fail'): Check => ({ id, run: () => ({ status, value: 1, threshold: null, remediationKey: status === 'pass' ? null : 'precheck.fix.cpu', detail: '' }) });

describe('runChecks', () => {
  it('ends a hanging check as warn at its own time limit and still reports the others', async () => {
    const machine = new FakeMachine();
    machine.hang.add('processNames');
    const policy = resolvePrecheckPolicy({ timeoutsMs: { processes: 300 } });
    const t0 = performance.now();
    const results = await runChecks(machineChecks, { ...context(machine, { policy }) });
    const elapsed = performance.now() - t0;
    const processes = results.find((r) => r.id === 'processes')!;
    expect(processes).toMatchObject({ status: 'warn', value: null, remediationKey: 'precheck.fix.timeout' });
    expect(processes.durationMs).toBeGreaterThanOrEqual(290);
    expect(results.find((r) => r.id === 'cpu')!.status).toBe('pass');
    // The remote-desktop check uses the process list too, but decides without it after 2 s.
    expect(results.find((r) => r.id === 'remote_desktop')!.status).toBe('pass');
    expect(elapsed).toBeLessThan(3000);
  });

  it('ends a check that throws as warn with the error, without failing the run', async () => {
    const broken: Check = { id: 'vm', run: () => Promise.reject(new Error('dmidecode: permission denied')) };
    const [r] = await runChecks([broken], context(new FakeMachine()));
    expect(r).toMatchObject({ id: 'vm', status: 'warn', remediationKey: 'precheck.fix.checkError' });
    expect(r!.detail).toContain('dmidecode');
  });

  it('never runs past its overall budget even if every check hangs', async () => {
    const hang: Check = { id: 'os', run: () => new Promise(() => undefined) };
    const t0 = performance.now();
    const [r] = await runChecks([hang], context(new FakeMachine()), { budgetMs: 200 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r!.status).toBe('warn');
  });

  it('reports each check as it starts and ends', async () => {
    const progress: RunProgress[] = [];
    await runChecks([quick('cpu', 'pass'), quick('memory', 'warn')], context(new FakeMachine()), { onProgress: (p) => progress.push(p) });
    expect(progress.filter((p) => p.phase === 'running').map((p) => p.checkId)).toEqual(['cpu', 'memory']);
    const done = progress.filter((p) => p.phase === 'done');
    expect(done.map((p) => p.done)).toEqual([1, 2]);
    expect(done.every((p) => p.total === 2 && p.result !== undefined)).toBe(true);
  });

  it('marks a check blocking by the policy and the devices the interview uses', async () => {
    const textOnly = { camera: false, microphone: false, recordingMb: 0 };
    const results = await runChecks([quick('camera.present', 'fail'), quick('cpu', 'fail'), quick('vm', 'fail')], context(new FakeMachine(), { needs: textOnly }));
    expect(results.map((r) => [r.id, r.blocking])).toEqual([
      ['camera.present', false],
      ['cpu', true],
      ['vm', false],
    ]);
  });

  it('runs every machine check with good facts to a clean pass', async () => {
    const results = await runChecks(machineChecks.filter((c) => !c.id.startsWith('network.')), context(new FakeMachine(goodFacts())));
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
  });
});

describe('overallOf', () => {
  const r = (status: CheckResult['status'], blocking: boolean): CheckResult => ({ id: 'cpu', status, blocking, value: null, threshold: null, remediationKey: null, detail: '', durationMs: 0 });
  it('is READY when everything passes', () => expect(overallOf([r('pass', true), r('pass', false)])).toBe('READY'));
  it('is READY_WITH_WARNINGS on a warning or a non-blocking failure', () => {
    expect(overallOf([r('pass', true), r('warn', true)])).toBe('READY_WITH_WARNINGS');
    expect(overallOf([r('pass', true), r('fail', false)])).toBe('READY_WITH_WARNINGS');
  });
  it('is NOT_READY when a blocking check fails', () => expect(overallOf([r('warn', false), r('fail', true)])).toBe('NOT_READY'));
});
