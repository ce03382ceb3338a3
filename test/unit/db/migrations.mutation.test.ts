import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';

const dir = path.resolve(import.meta.dirname, '../../../main/db/migrations');

describe('the migration registry', () => {
  it('lists one migration per NNNN-verb-object file, named after it, in strictly increasing order', () => {
    const files = readdirSync(dir).filter((f) => /^\d{4}-.+\.ts$/.test(f)).sort();
    expect(migrations.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}.ts`)).toEqual(files);
    migrations.forEach((m, i) => {
      expect(m.name).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
      expect(m.up.trim().length).toBeGreaterThan(0);
      if (i > 0) expect(m.version).toBeGreaterThan(migrations[i - 1]!.version);
    });
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.at(-1)!.version);
  });
});
