/**
 * Every request schema refuses keys it does not know, at every depth: a renderer (or whoever
 * holds the WebSocket token) cannot smuggle fields past validation for a later refactor to trust.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { operationNames, operations } from '../../../preload/contract/channels';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Paths (within one request) of object schemas that would silently drop unknown keys. */
function lenientObjects(schema: z.ZodType, at: string, out: string[], seen = new Set<z.ZodType>()): string[] {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const d = defOf(schema);
  switch (d.type) {
    case 'object':
      if (!d.catchall || defOf(d.catchall).type !== 'never') out.push(at || '(root)');
      for (const [k, v] of Object.entries(d.shape ?? {})) lenientObjects(v, `${at}.${k}`, out, seen);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'prefault':
    case 'nonoptional':
    case 'catch':
      if (d.innerType) lenientObjects(d.innerType, at, out, seen);
      break;
    case 'array':
      if (d.element) lenientObjects(d.element, `${at}[]`, out, seen);
      break;
    case 'pipe':
      if (d.in) lenientObjects(d.in, at, out, seen);
      if (d.out) lenientObjects(d.out, at, out, seen);
      break;
    case 'union':
      (d.options ?? []).forEach((o, i) => lenientObjects(o, `${at}|${i}`, out, seen));
      break;
    case 'intersection':
      if (d.left) lenientObjects(d.left, at, out, seen);
      if (d.right) lenientObjects(d.right, at, out, seen);
      break;
    default:
      break;
  }
  return out;
}

describe('request schemas are strict', () => {
  it.each(operationNames.map((n) => [n]))('%s refuses unknown keys at every depth', (name) => {
    expect(lenientObjects(operations[name].request, '', [])).toEqual([]);
  });

  it('a valid request with one extra key is refused, not stripped', () => {
    const ok = { inviteCode: 'DEMO-2026', locale: 'zh-CN' };
    expect(operations.checkIn.request.safeParse(ok).success).toBe(true);
    const r = operations.checkIn.request.safeParse({ ...ok, isProctor: true });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('unrecognized_keys');
  });

  it('an extra key nested inside a request is refused', () => {
    const base = { camera: 'ok', microphone: 'ok', online: true, displays: [{ width: 1920, height: 1080 }] };
    expect(operations.reportDevices.request.safeParse(base).success).toBe(true);
    expect(operations.reportDevices.request.safeParse({ ...base, displays: [{ width: 1920, height: 1080, primary: true }] }).success).toBe(false);
    const session = { sessionId: randomUUID() };
    expect(operations.getCurrent.request.safeParse(session).success).toBe(true);
    expect(operations.getCurrent.request.safeParse({ ...session, __proto__x: 1 }).success).toBe(false);
  });

  it('the walker itself finds a lenient object (it can fail)', async () => {
    const { z } = await import('zod');
    expect(lenientObjects(z.strictObject({ a: z.array(z.object({ b: z.string() })).optional() }), '', [])).toEqual(['.a[]']);
  });
});
