/**
 * The app:// protocol maps URLs to files under the renderer folder. A containment check written
 * as `file.startsWith(root)` (no separator) would accept a sibling folder whose name extends the
 * root's: /opt/app/renderer-private is not inside /opt/app/renderer.
 */
import { describe, expect, it } from 'vitest';
import { resolveAppFile } from '../../../main/app/window-policy';

describe('app:// path containment', () => {
  const root = '/opt/app/renderer';

  it('resolves files inside the renderer folder (the control case)', () => {
    expect(resolveAppFile('app://kiosk/assets/a.js', root)).toBe('/opt/app/renderer/assets/a.js');
  });

  it('refuses a sibling folder whose name starts with the renderer folder name', () => {
    expect(resolveAppFile('app://kiosk/..%2frenderer-private/secret.js', root)).toBeNull();
    expect(resolveAppFile('app://kiosk/..%2Frenderer2%2Findex.html', root)).toBeNull();
  });

  it('refuses the renderer folder itself as a file and its parent', () => {
    expect(resolveAppFile('app://kiosk/..%2frenderer', root)).toBeNull();
    expect(resolveAppFile('app://kiosk/..%2f', root)).toBeNull();
  });
});
