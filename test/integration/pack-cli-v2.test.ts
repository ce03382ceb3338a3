/**
 * `npm run pack -- sign --stage-release hr|offline` and `verify` end to end: the v2 file verifies
 * with the demo provisioning; with the HR sidecar every stage is checked; without the stage master
 * key an HR-release pack stays locked; a bad flag is a usage error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/pack-cli.ts', ...args], { cwd: root, encoding: 'utf8' });
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
const src = 'build/packs/src/software-engineer.pack.json';
const key = 'build/provisioning/demo-signing-key.json';

describe('npm run pack -- sign --stage-release (pack format v2)', () => {
  it('writes v2 packs that verify, and checks every stage only with the HR sidecar', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pack-v2-'));
    for (const release of ['hr', 'offline'] as const) {
      const out = path.join(dir, `se-${release}.ikpack`);
      const s = cli(['sign', src, '--key', key, '--out', out, '--no-unlock-code', '--stage-release', release, '--json']);
      expect(s.status).toBe(0);
      expect(lastJson(s.stdout)).toMatchObject({ ok: true, stageRelease: release });
      const sidecar = JSON.parse(readFileSync(out.replace(/\.ikpack$/, '.key.json'), 'utf8')) as Record<string, unknown>;
      expect(typeof sidecar.stageMasterKey).toBe('string');
      const v = cli(['verify', out, '--content-key', out.replace(/\.ikpack$/, '.key.json'), '--json']);
      expect(v.status).toBe(0);
      expect(lastJson(v.stdout)).toMatchObject({ ok: true, stageRelease: release, contentChecked: true });
    }
    const hr = path.join(dir, 'se-hr');
    const noMaster = JSON.parse(readFileSync(`${hr}.key.json`, 'utf8')) as Record<string, unknown>;
    delete noMaster.stageMasterKey;
    writeFileSync(path.join(dir, 'no-master.json'), JSON.stringify(noMaster));
    const locked = cli(['verify', `${hr}.ikpack`, '--content-key', path.join(dir, 'no-master.json'), '--json']);
    expect(locked.status).toBe(1);
    expect(lastJson(locked.stdout)).toMatchObject({ ok: false, code: 'PACK_LOCKED' });
    const bad = cli(['sign', src, '--key', key, '--out', path.join(dir, 'x.ikpack'), '--stage-release', 'later', '--json']);
    expect(bad.status).toBe(2);
  });

  it('seals a pack of two or more stages stage by stage unless told otherwise: hr when it names an HR endpoint, offline when not, v1 with none or one stage', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pack-v2-default-'));
    const source = JSON.parse(readFileSync(path.join(root, src), 'utf8')) as { stages: Array<{ questions: unknown[] }>; hrEndpoint?: unknown };
    const sign = (pack: object, name: string, extra: string[] = []) => {
      const file = path.join(dir, `${name}.pack.json`);
      writeFileSync(file, JSON.stringify(pack));
      const s = cli(['sign', file, '--key', key, '--out', path.join(dir, `${name}.ikpack`), '--no-unlock-code', ...extra, '--json']);
      expect(s.status, s.stderr).toBe(0);
      return lastJson(s.stdout).stageRelease;
    };
    expect(source.stages.length).toBeGreaterThanOrEqual(2);
    expect(source.hrEndpoint).toBeDefined();
    const { hrEndpoint: _hr, ...withoutHr } = source;
    void _hr;
    expect(sign(source, 'with-hr')).toBe('hr');
    expect(sign(withoutHr, 'no-hr')).toBe('offline');
    expect(sign(source, 'v1', ['--stage-release', 'none'])).toBeNull();
    // Every question in one stage: nothing to hold back.
    expect(sign({ ...withoutHr, stages: [{ ...source.stages[0]!, questions: source.stages.flatMap((st) => st.questions) }] }, 'one-stage')).toBeNull();
  });
});
