import { fork, type Serializable } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childModuleFile, ForkedResumeParser, type ForkOptions, type ForkParserChild, type ParserChildHandle } from '../../../../main/services/packs/forked-resume-parser';
import { chooseParserProcess, RESUME_LIMITS } from '../../../../main/services/packs/resume-parser';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-parser-'));
const forks: ForkOptions[] = [];

/** child_process.fork behind the same handle Electron's utilityProcess.fork gets. */
const nodeFork: ForkParserChild = (modulePath, o) => {
  forks.push(o);
  const c = fork(modulePath, [], { execArgv: [...o.execArgv], env: o.env, serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  return {
    get pid() {
      return c.pid;
    },
    postMessage: (m) => c.send(m as Serializable),
    onMessage: (l) => {
      c.on('message', l);
    },
    onExit: (l) => {
      c.on('exit', (code) => l(code));
    },
    kill: () => {
      c.kill();
    },
  };
};

const parsers: ForkedResumeParser[] = [];
function parser(opts: Partial<ConstructorParameters<typeof ForkedResumeParser>[0]> = {}): ForkedResumeParser {
  const p = new ForkedResumeParser({ fork: nodeFork, dir, ...opts });
  parsers.push(p);
  return p;
}
afterAll(async () => {
  for (const p of parsers) await p.close();
});

describe('chooseParserProcess', () => {
  it('uses utilityProcess in Electron, a Node child elsewhere, and never ELECTRON_RUN_AS_NODE with the fuse off', () => {
    expect(chooseParserProcess({ electron: false, utilityProcess: false, runAsNodeFuse: false })).toBe('child-process');
    expect(chooseParserProcess({ electron: true, utilityProcess: true, runAsNodeFuse: false })).toBe('utility-process');
    expect(chooseParserProcess({ electron: true, utilityProcess: true, runAsNodeFuse: true })).toBe('utility-process');
    expect(chooseParserProcess({ electron: true, utilityProcess: false, runAsNodeFuse: true })).toBe('child-process-run-as-node');
    expect(chooseParserProcess({ electron: true, utilityProcess: false, runAsNodeFuse: false })).toBe('unavailable');
  });
});

describe('ForkedResumeParser (the utilityProcess path, run here with child_process.fork)', () => {
  it('parses in a forked process started with the heap cap, one process for several documents', async () => {
    const p = parser();
    const doc = new TextEncoder().encode('ＡＢＣ 后端开发 résumé');
    const a = await p.parse('text', doc);
    expect(a).toEqual({ ok: true, text: 'ABC 后端开发 résumé', sha256: createHash('sha256').update(doc).digest('hex') });
    const b = await p.parse('text', new TextEncoder().encode('second'));
    expect(b.ok && b.text).toBe('second');
    expect(p.started).toBe(1);
    expect(forks.at(-1)?.execArgv).toContain(`--max-old-space-size=${RESUME_LIMITS.heapMb}`);
    expect(forks.at(-1)?.env).not.toHaveProperty('ELECTRON_RUN_AS_NODE');
  }, 30_000);

  it('hard-kills a process that overruns its budget and starts a fresh one for the next document', async () => {
    const killedPids: number[] = [];
    // A 1 ms budget: no child can even start within it, so the first document is always overdue.
    const slow = parser({ timeoutMs: 1, killPid: (pid) => {
      killedPids.push(pid);
      process.kill(pid, 'SIGKILL');
    } });
    const r = await slow.parse('text', new TextEncoder().encode('x'));
    expect(r).toEqual({ ok: false, reason: 'parsing took longer than 1 ms' });
    expect(slow.killed).toBe(1);
    expect(killedPids).toHaveLength(1);
    const r2 = await slow.parse('text', new TextEncoder().encode('y'));
    expect(r2.ok).toBe(false);
    expect(slow.started).toBe(2);
  }, 30_000);

  it('refuses the document of a process that dies mid-document, and the next one gets a new process', async () => {
    let exit: ((code: number | null) => void) | null = null;
    let n = 0;
    const dying: ForkParserChild = () => {
      n++;
      const h: ParserChildHandle = {
        pid: undefined,
        postMessage: () => queueMicrotask(() => exit?.(134)),
        onMessage: () => undefined,
        onExit: (l) => {
          exit = l;
        },
        kill: () => undefined,
      };
      return h;
    };
    const p = parser({ fork: dying });
    expect(await p.parse('pdf', new Uint8Array([1]))).toEqual({ ok: false, reason: 'the parser ran out of memory or crashed (exit 134)' });
    expect(await p.parse('pdf', new Uint8Array([1]))).toMatchObject({ ok: false });
    expect(n).toBe(2);
    expect(p.killed).toBe(2);
  });
});

describe('childModuleFile', () => {
  it('writes the child code once and rewrites a file that was changed', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'kiosk-parser-mod-'));
    const f = childModuleFile(d, 'module.exports = 1;\n');
    expect(readFileSync(f, 'utf8')).toBe('module.exports = 1;\n');
    writeFileSync(f, 'process.exit(7)');
    expect(childModuleFile(d, 'module.exports = 1;\n')).toBe(f);
    expect(readFileSync(f, 'utf8')).toBe('module.exports = 1;\n');
  });
});
