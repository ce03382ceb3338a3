import { describe, expect, it } from 'vitest';
import { demoPack } from '../../../../main/services/packs/pack-provider';
import { packNeeds, policyOf } from '../../../../main/services/precheck/precheck-service';
import { DEFAULT_PRECHECK_POLICY, interactivePolicy, isBlocking, precheckInputFromPack, resolvePrecheckPolicy } from '../../../../main/services/precheck/policy';

describe('pre-check policy', () => {
  it('uses the defaults when the pack says nothing', () => {
    expect(resolvePrecheckPolicy(undefined)).toBe(DEFAULT_PRECHECK_POLICY);
    expect(resolvePrecheckPolicy({})).toEqual(DEFAULT_PRECHECK_POLICY);
  });

  it('overrides only what the pack sets', () => {
    const p = resolvePrecheckPolicy({ cpuCores: { fail: 4 }, network: { latencyMs: { fail: 500 } }, blocking: ['os'] });
    expect(p.cpuCores).toEqual({ fail: 4, warn: 4 });
    expect(p.network.latencyMs).toEqual({ fail: 500, warn: 300 });
    expect(p.network.uploadMbps).toEqual(DEFAULT_PRECHECK_POLICY.network.uploadMbps);
    expect(p.blocking).toEqual(['os']);
  });

  it("maps the pack schema's pre-check and lockdown fields onto the thresholds", () => {
    const input = precheckInputFromPack({
      precheck: { minUploadKbps: 2000, maxLatencyMs: 200, minFreeDiskMb: 4096, minCameraWidth: 1280, minBatteryPercent: 40 },
      lockdown: { maxDisplays: 2 },
    });
    const p = resolvePrecheckPolicy(input);
    expect(p.network.uploadMbps).toEqual({ fail: 2, warn: 2 });
    expect(p.network.latencyMs).toEqual({ fail: 200, warn: 200 });
    expect(p.disk.minFreeMb).toBe(4096);
    expect(p.camera).toMatchObject({ minWidth: 1280, minHeight: 960 });
    expect(p.power.batteryPercent).toEqual({ fail: 40, warn: 50 });
    expect(p.displays.maxCount).toBe(2);
  });

  it('takes the full policy fields too (the prohibited-process list)', () => {
    const p = resolvePrecheckPolicy(precheckInputFromPack({ precheck: { prohibitedProcesses: ['wechat'], virtualMachine: 'forbid' } }));
    expect(p.prohibitedProcesses).toEqual(['wechat']);
    expect(p.virtualMachine).toBe('forbid');
  });

  it("derives the devices and the recording size from the demo pack's questions", () => {
    const pack = demoPack();
    const needs = packNeeds(pack, policyOf(pack));
    expect(needs.camera).toBe(pack.questions.some((q) => q.question.mode === 'video'));
    expect(needs.recordingMb).toBeGreaterThan(0);
    expect(interactivePolicy(policyOf(pack), needs).camera.required).toBe(needs.camera);
  });

  it('never blocks on a device the interview does not use', () => {
    const textOnly = { camera: false, microphone: false, recordingMb: 0 };
    expect(isBlocking('camera.frames', DEFAULT_PRECHECK_POLICY, textOnly)).toBe(false);
    expect(isBlocking('microphone.level', DEFAULT_PRECHECK_POLICY, { ...textOnly, microphone: true })).toBe(true);
    expect(isBlocking('network.latency', DEFAULT_PRECHECK_POLICY, textOnly)).toBe(false);
  });
});
