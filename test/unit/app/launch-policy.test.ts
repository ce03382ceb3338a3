import { describe, expect, it } from 'vitest';
import { resolveLaunchConfig } from '../../../main/app/launch-config';
import { parseSwitches, refuseLaunch, refusalMessage, type SwitchFacts } from '../../../main/app/switch-policy';

/** A stand-in for Chromium's parser: knows only the switches listed, as Chromium would report them. */
const chromium = (...names: string[]) => (n: string) => names.includes(n);
const none = chromium();

describe('resolveLaunchConfig', () => {
  const overrides = { KIOSK_WINDOWED: '1', KIOSK_PRECHECK_ENDPOINT: 'http://evil.example', INTERVIEW_KIOSK_PACKS_DIR: '/tmp/packs', INTERVIEW_KIOSK_PROVISIONING: '/tmp/p.json' };

  it('keeps a packaged build in kiosk mode whatever the switches and variables say, and reports them as ignored', () => {
    const c = resolveLaunchConfig({ isPackaged: true, hasSwitch: chromium('no-kiosk'), env: overrides });
    expect(c).toMatchObject({ kiosk: true, devTools: false, source: 'packaged', precheckEndpoint: null, packsDir: null, honoured: [] });
    expect([...c.ignored].sort()).toEqual(['--no-kiosk', 'INTERVIEW_KIOSK_PACKS_DIR', 'INTERVIEW_KIOSK_PROVISIONING', 'KIOSK_PRECHECK_ENDPOINT', 'KIOSK_WINDOWED']);
  });

  it('lets only the machine provisioning ask a packaged build for a window, and never enables DevTools then', () => {
    const c = resolveLaunchConfig({ isPackaged: true, hasSwitch: none, env: {}, provisionedWindowed: true });
    expect(c).toMatchObject({ kiosk: false, devTools: false, source: 'provisioning' });
  });

  it('honours the development overrides only in an unpackaged run', () => {
    const c = resolveLaunchConfig({ isPackaged: false, hasSwitch: chromium('no-kiosk'), env: overrides });
    expect(c).toMatchObject({ kiosk: false, devTools: true, source: 'development', precheckEndpoint: 'http://evil.example', packsDir: '/tmp/packs' });
    expect(c.ignored).toEqual([]);
  });

  it('keeps a development run locked, without DevTools, unless asked', () => {
    expect(resolveLaunchConfig({ isPackaged: false, hasSwitch: none, env: {} })).toMatchObject({ kiosk: true, devTools: false });
    expect(resolveLaunchConfig({ isPackaged: false, hasSwitch: none, env: { KIOSK_WINDOWED: '0' } })).toMatchObject({ kiosk: true, devTools: false });
  });
});

describe('refuseLaunch', () => {
  const base: SwitchFacts = { argv: ['/opt/kiosk/interview-kiosk'], platform: 'linux', hasSwitch: none, env: {}, isPackaged: true };
  const names = (f: Partial<SwitchFacts>) => refuseLaunch({ ...base, ...f }).map((r) => `${r.kind}:${r.kind === 'integrity' ? r.detail : r.name}`);

  it('lets a plain launch through', () => {
    expect(refuseLaunch(base)).toEqual([]);
  });

  it.each([
    ['--remote-debugging-port=9222', 'linux'],
    ['-remote-debugging-port=9222', 'linux'],
    ['--REMOTE-DEBUGGING-PORT=9222', 'linux'],
    ['--Remote-Debugging-Port', 'darwin'],
    ['/remote-debugging-port=9222', 'win32'],
    ['/REMOTE-DEBUGGING-PORT=9222', 'win32'],
    ['-Remote-Debugging-Port=9222', 'win32'],
  ] as const)('refuses the debugging port written %s on %s', (arg, platform) => {
    expect(names({ argv: [base.argv[0]!, arg], platform })).toEqual(['switch:remote-debugging-port']);
  });

  it.each([
    '--remote-debugging-address=0.0.0.0',
    '--remote-debugging-pipe',
    '--inspect',
    '--inspect-brk=9229',
    '-inspect-port=1',
    '--no-sandbox',
    '--user-data-dir=/tmp/x',
    '--proxy-server=http://1.2.3.4:8080',
    '--ignore-certificate-errors',
    '--js-flags=--allow-natives-syntax',
    '--disable-web-security',
    '--load-extension=/tmp/ext',
    '--use-fake-ui-for-media-stream',
    '--some-switch-nobody-listed',
  ])('refuses %s (not on the allowlist)', (arg) => {
    expect(refuseLaunch({ ...base, argv: [base.argv[0]!, arg] })).toHaveLength(1);
  });

  it('also refuses what Chromium itself parsed, even in a spelling the argv scan did not see', () => {
    expect(names({ hasSwitch: chromium('remote-debugging-port', 'no-sandbox') })).toEqual(['switch:remote-debugging-port', 'switch:no-sandbox']);
  });

  it('treats a parser that throws as a refusal', () => {
    expect(refuseLaunch({ ...base, hasSwitch: () => { throw new Error('x'); } }).length).toBeGreaterThan(10);
  });

  it('does not read "/path" arguments as switches outside Windows, but does on Windows', () => {
    expect(parseSwitches(['/tmp/file'], 'linux')).toEqual([]);
    expect(parseSwitches(['/tmp/file'], 'win32').map((s) => s.name)).toEqual(['tmp/file']);
    expect(refuseLaunch({ ...base, argv: [base.argv[0]!, '/user-data-dir=C:\\x'], platform: 'win32' })).toHaveLength(1);
  });

  it('keeps scanning after a bare "--"', () => {
    expect(names({ argv: [base.argv[0]!, '--', '--inspect'] })).toEqual(['switch:inspect']);
  });

  it('allows the installer and Launch Services switches, and --no-kiosk (ignored later, not refused)', () => {
    expect(refuseLaunch({ ...base, argv: [base.argv[0]!, '--squirrel-firstrun', '-psn_0_12345', '--no-kiosk'] })).toEqual([]);
  });

  it('refuses ELECTRON_RUN_AS_NODE and NODE_OPTIONS always, TLS-weakening variables in packaged builds', () => {
    expect(names({ env: { ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '--require x' } })).toEqual(['env:ELECTRON_RUN_AS_NODE', 'env:NODE_OPTIONS']);
    expect(names({ env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', SSLKEYLOGFILE: '/tmp/k' } })).toEqual(['env:NODE_TLS_REJECT_UNAUTHORIZED', 'env:SSLKEYLOGFILE']);
    expect(names({ isPackaged: false, env: { SSLKEYLOGFILE: '/tmp/k', NODE_OPTIONS: '-r x' } })).toEqual(['env:NODE_OPTIONS']);
    expect(names({ env: { NODE_OPTIONS: '' } })).toEqual([]);
  });

  it('says what was refused in both languages, never a value', () => {
    const msg = refusalMessage(refuseLaunch({ ...base, argv: [base.argv[0]!, '--proxy-server=secret-host:1'], env: { NODE_OPTIONS: '--require /secret.js' } }));
    expect(msg).toContain('面试终端无法以此方式启动');
    expect(msg).toContain('Interview Kiosk will not start');
    expect(msg).toContain('environment variable NODE_OPTIONS');
    expect(msg).toContain('switch --proxy-server');
    expect(msg).not.toContain('/secret.js');
    expect(msg).not.toContain('secret-host');
  });
});
