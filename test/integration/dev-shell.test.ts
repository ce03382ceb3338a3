/**
 * The development shell's rough edges (issue 17): a port in use is one sentence and a non-zero
 * exit, not a stack trace; `npm start` (build/scripts/start.mjs) exits non-zero and says so when
 * its server dies. Real processes, real ports.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const procs: ChildProcess[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const s of servers) await new Promise((r) => s.close(r));
  procs.length = 0;
  servers.length = 0;
});

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: '1', DISPLAY: '', WAYLAND_DISPLAY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, out: () => out, err: () => err };
}

async function busyPort(): Promise<number> {
  const s = net.createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'kiosk-devshell-'));

describe('development shell', () => {
  it('answers a port in use with one sentence and exit 1, without a stack trace', async () => {
    const port = await busyPort();
    const r = run(['--import', 'tsx', 'main/dev/serve.ts', '--port', String(port), '--data-dir', dataDir()], {});
    const { code } = await r.exited;
    expect(code).toBe(1);
    const lines = r.err().trim().split('\n').filter((l) => !/\[(info|debug|warn)\]/.test(l));
    expect(lines).toEqual([expect.stringContaining(`Port ${port} on 127.0.0.1 is already in use`)]);
    expect(r.err()).not.toMatch(/^\s+at /m);
  });

  it('refuses a port that is not a number with exit 2', async () => {
    const r = run(['--import', 'tsx', 'main/dev/serve.ts', '--port', 'eighty', '--data-dir', dataDir()], {});
    expect((await r.exited).code).toBe(2);
    expect(r.err()).toContain('is not a port number');
  });

  it('npm start exits non-zero and says so when the port is taken', async () => {
    const port = await busyPort();
    const r = run(['build/scripts/start.mjs'], { KIOSK_PORT: String(port), KIOSK_DATA_DIR: dataDir() });
    const { code } = await r.exited;
    expect(code).toBe(1);
    expect(r.err()).toContain('already in use');
    expect(r.err()).toContain('stopped with exit code 1');
  });

  it('npm start exits non-zero and says so when its server dies', async () => {
    const r = run(['build/scripts/start.mjs'], { KIOSK_PORT: '0', KIOSK_DATA_DIR: dataDir() });
    await expect.poll(() => r.out(), { timeout: 60_000 }).toContain('Demo interview ready');
    expect(r.out()).toContain('CJK fonts');
    const serverPid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(r.child.pid)]).toString().trim().split('\n')[0]);
    expect(serverPid).toBeGreaterThan(0);
    process.kill(serverPid, 'SIGKILL');
    const { code } = await r.exited;
    expect(code).toBe(1);
    expect(r.err()).toContain('stopped unexpectedly (killed by SIGKILL)');
  });
});
