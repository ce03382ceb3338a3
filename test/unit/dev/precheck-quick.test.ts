/**
 * KIOSK_DEV_PRECHECK_QUICK: the development web shell may ask the page to measure the devices for
 * a shorter time (end-to-end scenarios that are not about the pre-check). The product's durations
 * are the default, and the values are bounded by the contract.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InteractivePolicy, MeasureDurations } from '../../../preload/contract/precheck';
import { silentLogger } from '../../../main/common/logger';
import { devPrecheckMeasureMs, QUICK_PRECHECK_MEASURE_MS } from '../../../main/dev/dev-options';
import { PrecheckService } from '../../../main/services/precheck/precheck-service';
import { makeFixture, must } from '../../support/session-fixture';
import { FakeMachine, goodFacts } from '../services/precheck/fake-machine';

function service(measureMs?: MeasureDurations) {
  const f = makeFixture();
  return new PrecheckService({
    clock: f.clock,
    logger: silentLogger,
    appVersion: '0.0.0-test',
    dataDir: path.dirname(f.dbPath),
    machine: () => ({ sources: new FakeMachine(goodFacts()), close: async () => undefined }),
    sessions: f.service,
    endpoint: () => null,
    homePack: f.pack,
    ...(measureMs ? { measureMs } : {}),
  });
}

describe('quick pre-check measurements (development web shell only)', () => {
  it('is on only for KIOSK_DEV_PRECHECK_QUICK=1', () => {
    expect(devPrecheckMeasureMs({ KIOSK_DEV_PRECHECK_QUICK: '1' })).toEqual(QUICK_PRECHECK_MEASURE_MS);
    for (const v of [undefined, '', '0', 'true', 'yes', ' 1']) expect(devPrecheckMeasureMs({ KIOSK_DEV_PRECHECK_QUICK: v })).toBeUndefined();
  });

  it('shortens every measurement but stays within the contract', () => {
    expect(MeasureDurations.safeParse(QUICK_PRECHECK_MEASURE_MS).success).toBe(true);
    const product = { cameraMs: 2500, quietMs: 1500, speakMs: 4000, toneMs: 1500 };
    for (const k of Object.keys(product) as Array<keyof MeasureDurations>) expect(QUICK_PRECHECK_MEASURE_MS[k]).toBeLessThan(product[k]);
    expect(MeasureDurations.safeParse({ ...QUICK_PRECHECK_MEASURE_MS, cameraMs: 0 }).success).toBe(false);
    expect(MeasureDurations.safeParse({ ...QUICK_PRECHECK_MEASURE_MS, quietMs: 399 }).success).toBe(false);
    expect(MeasureDurations.safeParse({ ...QUICK_PRECHECK_MEASURE_MS, speakMs: 20_001 }).success).toBe(false);
    expect(MeasureDurations.safeParse({ ...QUICK_PRECHECK_MEASURE_MS, toneMs: 400.5 }).success).toBe(false);
    expect(MeasureDurations.safeParse({ ...QUICK_PRECHECK_MEASURE_MS, extra: 1 }).success).toBe(false);
  });

  it('the run tells the page the shorter times only when the shell set them', async () => {
    const runId = crypto.randomUUID();
    const plain = must(await service().run({ runId, mode: 'home' }));
    expect(plain.interactive.measureMs).toBeUndefined();
    expect(InteractivePolicy.safeParse(plain.interactive).success).toBe(true);
    const quick = must(await service(QUICK_PRECHECK_MEASURE_MS).run({ runId: crypto.randomUUID(), mode: 'home' }));
    expect(quick.interactive.measureMs).toEqual(QUICK_PRECHECK_MEASURE_MS);
    expect(quick.interactive.camera).toEqual(plain.interactive.camera);
    expect(quick.interactive.microphone).toEqual(plain.interactive.microphone);
    expect(InteractivePolicy.safeParse(quick.interactive).success).toBe(true);
  });
});
