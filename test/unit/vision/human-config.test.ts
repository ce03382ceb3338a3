import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VISION_MODEL_FILES, VISION_TF_FLAGS, visionHumanConfig } from '../../../shared/vision/human-config';

const root = path.resolve(import.meta.dirname, '../../..');

/** Models that estimate emotion, age, gender, identity, liveness or spoofing — never allowed (issue #15). */
const FORBIDDEN = /emotion|affect|\bage\b|^age|gender|gear|ssrnet|antispoof|liveness|faceres|description|insightface|mobileface|attention/i;
/** Human's config sections that run such a model. */
const FORBIDDEN_FACE_SECTIONS = ['emotion', 'description', 'antispoof', 'liveness', 'gear', 'attention'] as const;

function walk(v: unknown, at: string, out: Array<[string, unknown]>): void {
  if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`, out);
  else out.push([at, v]);
}

describe('the Human configuration', () => {
  const config = visionHumanConfig('kiosk://app/models/human/', 'kiosk://app/models/wasm/');

  it('switches every emotion, age/gender, description, liveness and anti-spoof model off explicitly', () => {
    for (const k of FORBIDDEN_FACE_SECTIONS) {
      const section = (config.face as Record<string, unknown>)[k];
      expect(section, `face.${k} must be present, not left to Human's default`).toEqual({ enabled: false });
    }
  });

  it('enables nothing whose path names a forbidden model, and no body, hand, object or segmentation model', () => {
    const leaves: Array<[string, unknown]> = [];
    walk(config, 'config', leaves);
    for (const [at, v] of leaves) {
      if (at.endsWith('.enabled') && v === true) expect(at, `${at} is enabled`).not.toMatch(FORBIDDEN);
      if (typeof v === 'string' && at.endsWith('modelPath')) expect(v).not.toMatch(FORBIDDEN);
    }
    for (const k of ['body', 'hand', 'object', 'segmentation', 'gesture'] as const) expect(config[k].enabled).toBe(false);
    const enabledModels = leaves.filter(([at, v]) => at.endsWith('.enabled') && v === true).map(([at]) => at).sort();
    expect(enabledModels).toEqual(['config.face.detector.enabled', 'config.face.enabled', 'config.face.iris.enabled', 'config.face.mesh.enabled']);
  });

  it('loads models and wasm only from the paths it is given (our own origin), runs every frame afresh on wasm', () => {
    expect(config.modelBasePath).toBe('kiosk://app/models/human/');
    expect(config.wasmPath).toBe('kiosk://app/models/wasm/');
    expect(config.backend).toBe('wasm');
    expect(config.cacheSensitivity).toBe(0);
    expect(config.cacheModels).toBe(false);
    expect(JSON.stringify(config)).not.toMatch(/https?:|cdn|jsdelivr|unpkg/i);
  });

  it('forces one wasm thread (the threaded build spawns blob: workers the CSP refuses)', () => {
    expect(VISION_TF_FLAGS).toEqual({ WASM_HAS_MULTITHREAD_SUPPORT: false });
  });
});

describe('native-models/', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'native-models/manifest.json'), 'utf8')) as {
    models: Array<{ name: string; kind?: string; files: Array<{ path: string; sha256: string }> }>;
  };
  const vision = manifest.models.filter((m) => m.kind === 'vision');

  it('lists exactly the face detector, mesh, iris and the wasm backend, each file with a sha256', () => {
    expect(vision.map((m) => m.name).sort()).toEqual(['blazeface', 'facemesh', 'iris', 'tfjs-backend-wasm']);
    for (const m of vision) for (const f of m.files) {
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(path.basename(f.path)).not.toMatch(FORBIDDEN);
    }
    const listed = vision.flatMap((m) => m.files.map((f) => path.basename(f.path)));
    for (const f of VISION_MODEL_FILES) expect(listed).toContain(f);
  });

  it('holds no forbidden model file on disk (after build/scripts/copy-models.mjs)', () => {
    for (const sub of ['human', 'wasm', '.']) {
      const dir = path.join(root, 'native-models', sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) expect(f, `native-models/${sub}/${f}`).not.toMatch(FORBIDDEN);
    }
  });
});
