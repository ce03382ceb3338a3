import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (eslint no-restricted-imports zones)', () => {
  it('fails a service that value-imports electron', async () => {
    const msgs = await restricted('main/services/session/bad.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(msgs.join('\n')).toMatch(/never value-import electron/);
  });

  it('allows a type-only electron import in a service', async () => {
    expect(await restricted('main/services/session/ok.ts', "import type { App } from 'electron';\nexport type X = App;\n")).toEqual([]);
  });

  it('keeps better-sqlite3 inside main/db', async () => {
    expect(await restricted('main/services/journal/bad.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).not.toEqual([]);
    expect(await restricted('main/db/ok.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toEqual([]);
  });

  it('keeps the renderer away from main and from Node built-ins', async () => {
    expect(await restricted('renderer/bad.ts', "import { openDatabase } from '../main/db/connection';\nexport const o = openDatabase;\n")).not.toEqual([]);
    expect(await restricted('renderer/bad2.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).not.toEqual([]);
  });

  it('keeps the contract free of electron and Node', async () => {
    expect(await restricted('preload/contract/bad.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n")).not.toEqual([]);
    expect(await restricted('preload/contract/bad2.ts', "import { createHash } from 'node:crypto';\nexport const c = createHash;\n")).not.toEqual([]);
  });

  it('forbids services from importing the app layer', async () => {
    expect(await restricted('main/services/session/bad3.ts', "import { createKioskCore } from '../../app/main';\nexport const c = createKioskCore;\n")).not.toEqual([]);
  });
  it('keeps shared/ pure: no electron, Node built-ins, main or renderer', async () => {
    expect(await restricted('shared/scoring/bad.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).not.toEqual([]);
    expect(await restricted('shared/scoring/bad2.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n")).not.toEqual([]);
    expect(await restricted('shared/scoring/bad3.ts', "import { getAnswer } from '../../main/db/queries/sessions';\nexport const g = getAnswer;\n")).not.toEqual([]);
    expect(await restricted('shared/scoring/ok.ts', "import { STAR } from './lexicon';\nexport const s = STAR;\n")).toEqual([]);
  });

  it('lets the renderer import shared/ pure code', async () => {
    expect(await restricted('renderer/ok.ts', "import { starHint } from '../shared/scoring/star-hints';\nexport const h = starHint;\n")).toEqual([]);
  });
});
