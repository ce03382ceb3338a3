/**
 * The identity check is done by people (issue #15; China's 2025 face-recognition measures, EU AI Act
 * Art. 5): nothing in the kiosk or the hub compares, recognises or embeds faces. This fails if a
 * face-description / recognition model is configured or shipped, if a pack could turn matching on,
 * or if runtime code calls a face-matching API.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { visionHumanConfig } from '../../../shared/vision/human-config';
import { VisionPackPolicy } from '../../../shared/vision/policy';
import { IdentityPackPolicy } from '../../../shared/identity/policy';

const ROOT = path.resolve(__dirname, '../../..');
const RUNTIME_DIRS = ['main', 'renderer', 'shared', 'preload', 'hub'];
/** Face-matching and face-embedding APIs and models (Human, face-api.js, InsightFace/ArcFace and the like). */
const FACE_MATCHING = /faceres|face-?descriptor|computeFaceDescriptor|human\.match|\.match\.(similarity|find)\(|FaceMatcher|faceRecognitionNet|insightface|arcface|mobilefacenet|facenet|face[_-]?embedding|compareFaces|matchFaces?\b|face[_-]?verif/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(p);
    return /\.(ts|tsx|mjs|js)$/.test(e.name) && statSync(p).isFile() ? [p] : [];
  });
}

describe('no automatic face comparison anywhere', () => {
  it('the vision configuration runs no face description (embedding) model', () => {
    const c = visionHumanConfig('kiosk://app/models/human/', 'kiosk://app/wasm/');
    expect(c.face.description.enabled).toBe(false);
    expect(JSON.stringify(c)).not.toMatch(FACE_MATCHING);
  });

  it('no shipped model is a face-description, recognition or embedding model', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'native-models/manifest.json'), 'utf8')) as { models: { name: string; role?: string; files: { path: string }[] }[] };
    for (const m of manifest.models) {
      expect(`${m.name} ${m.role ?? ''} ${m.files.map((f) => f.path).join(' ')}`).not.toMatch(/faceres|descript|embed|recogni|match|arcface|insightface|facenet/i);
    }
  });

  it('a pack cannot turn matching on: the identity and vision policies are strict', () => {
    expect(IdentityPackPolicy.safeParse({ mode: 'required', faceMatch: true }).success).toBe(false);
    expect(IdentityPackPolicy.safeParse({ mode: 'optional', compare: 'auto' }).success).toBe(false);
    expect(VisionPackPolicy.safeParse({ faceMatch: true }).success).toBe(false);
    expect(VisionPackPolicy.safeParse({ description: { enabled: true } }).success).toBe(false);
  });

  it('no runtime code calls a face-matching API', () => {
    const hits = RUNTIME_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d))).filter((f) => FACE_MATCHING.test(readFileSync(f, 'utf8')));
    expect(hits.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('the identity check uses no vision code at all: the photo is stored for a person to look at', () => {
    for (const f of ['main/services/identity/identity-check.ts', 'renderer/screens/IdentityScreen.tsx']) {
      const src = readFileSync(path.join(ROOT, f), 'utf8');
      expect(src).not.toMatch(/from ['"][^'"]*vision[^'"]*['"]|@vladmandic\/human|tfjs|onnx/);
    }
  });
});
