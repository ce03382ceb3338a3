import { describe, expect, it } from 'vitest';
import { allowedScriptUrl } from '../../../renderer/trusted-types';

describe('the renderer Trusted Types policy', () => {
  const origin = 'app://kiosk';
  it('admits our own script URLs and our own blob: URLs only', () => {
    expect(allowedScriptUrl('app://kiosk/assets/worker.js', origin)).toBe(true);
    expect(allowedScriptUrl('/assets/ffmpeg-core.js', origin)).toBe(true);
    expect(allowedScriptUrl('blob:app://kiosk/1234-5678', origin)).toBe(true);
    expect(allowedScriptUrl('https://cdn.example/ffmpeg-core.js', origin)).toBe(false);
    expect(allowedScriptUrl('blob:https://evil.example/1234', origin)).toBe(false);
    expect(allowedScriptUrl('data:text/javascript,alert(1)', origin)).toBe(false);
    expect(allowedScriptUrl('javascript:alert(1)', origin)).toBe(false);
  });
});
