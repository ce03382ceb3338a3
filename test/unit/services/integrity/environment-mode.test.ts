import { describe, expect, it } from 'vitest';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';

describe('environment snapshot', () => {
  it('records how the kiosk was launched in every snapshot', () => {
    const probe = new OsEnvironmentProbe('1.0.0', 'electron', null, { kioskMode: true, source: 'packaged', ignored: ['--no-kiosk', 'KIOSK_WINDOWED'] });
    expect(probe.snapshot(1).lockdown).toEqual({ kioskMode: true, source: 'packaged', ignored: ['--no-kiosk', 'KIOSK_WINDOWED'] });
    expect(probe.snapshot(2).lockdown.kioskMode).toBe(true);
  });

  it('says a development shell is not locked', () => {
    expect(new OsEnvironmentProbe('1.0.0', 'web-dev').snapshot(1).lockdown).toEqual({ kioskMode: false, source: 'web-dev', ignored: [] });
  });
});
