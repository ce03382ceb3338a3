/**
 * The proctor's way to confirm an identity check at the kiosk (issue #15): `npm run proctor --
 * identity-code` prints the centre code for the submission waiting on this kiosk's data folder, and
 * a hub-style token for the new `confirm_identity` action confirms (and one for another action does not).
 * Through the real composition root on the demo provisioning, with the demo pack re-signed with
 * `policy.identity: { mode: 'required' }`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { silentLogger } from '../../main/common/logger';

const root = path.resolve(import.meta.dirname, '../..');
const sender = { transport: 'web' as const, trusted: true, description: 'test' };
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;

async function call<T>(core: KioskCore, channel: string, body: unknown): Promise<{ ok: boolean; value: T; error: { code: string } }> {
  return (await core.router.handle(channel, body, sender)) as { ok: boolean; value: T; error: { code: string } };
}

function identityPack(): string {
  const work = mkdtempSync(path.join(os.tmpdir(), 'identity-cli-'));
  const packsDir = path.join(work, 'packs');
  mkdirSync(packsDir);
  const src = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as { policy: Record<string, unknown> };
  src.policy.identity = { mode: 'required' };
  writeFileSync(path.join(work, 'pack.json'), JSON.stringify(src));
  const demo = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { demoUnlockCodes: Record<string, string> };
  execFileSync(process.execPath, ['--import', 'tsx', 'main/dev/pack-cli.ts', 'sign', path.join(work, 'pack.json'), '--key', 'build/provisioning/demo-signing-key.json', '--out', path.join(packsDir, 'software-engineer.ikpack'), '--unlock-code', demo.demoUnlockCodes['software-engineer']!], { cwd: root });
  return packsDir;
}

describe('confirming an identity check with the proctor tools', () => {
  it('identity-code prints the centre code for the waiting submission; a token for another action is refused, a confirm_identity token confirms (its nonce journaled)', async () => {
    const packsDir = identityPack();
    const dataDir = path.join(path.dirname(packsDir), 'data');
    const open = () => createKioskCore({ dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, resourcesDir: root, packsDir });
    let core = open();
    let sessionId = '';
    try {
      const s = await call<{ sessionId: string; consentVersion: string }>(core, 'kiosk:session:checkIn', { inviteCode: 'DEMO-2026', locale: 'en' });
      expect(s.ok).toBe(true);
      sessionId = s.value.sessionId;
      expect((await call(core, 'kiosk:session:consent', { sessionId, accepted: true, consentVersion: s.value.consentVersion })).ok).toBe(true);
      expect((await call(core, 'kiosk:session:precheck', { sessionId, camera: 'ok', microphone: 'ok' })).ok).toBe(true);
      expect((await call(core, 'kiosk:session:start', { sessionId })).error.code).toBe('IDENTITY_REQUIRED');
      expect((await call(core, 'kiosk:identity:open', { sessionId })).ok).toBe(true);
      expect((await call(core, 'kiosk:identity:idNumber', { sessionId, docType: 'passport', number: 'E12345678' })).ok).toBe(true);
    } finally {
      core.close();
    }

    const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', ...args], { cwd: root, encoding: 'utf8' });
    const r = cli(['identity-code', '--invite', 'DEMO-2026', '--data-dir', dataDir, '--json']);
    expect(r.status).toBe(0);
    const out = lastJson(r.stdout) as { identityCode: string; method: string; ordinal: number };
    expect(out).toMatchObject({ ok: true, sessionId, method: 'id_number', ordinal: 1, identityCode: expect.stringMatching(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/) });

    core = open();
    try {
      // The centre code rejects (the proctor could not match the document): the candidate tries again.
      const rejected = await call<{ phase: string }>(core, 'kiosk:identity:proctor', { sessionId, code: out.identityCode, decision: 'reject' });
      expect(rejected.value.phase).toBe('choosing');
      expect((await call(core, 'kiosk:identity:idNumber', { sessionId, docType: 'prc_resident_id', number: '11010519491231002X' })).ok).toBe(true);
      // A token for another action is refused; the confirm_identity token confirms, once.
      const token = (action: string) => lastJson(cli(['issue', '--key', 'build/provisioning/demo-proctor-key.json', '--session', sessionId, '--action', action, '--json']).stdout).formatted as string;
      expect((await call(core, 'kiosk:identity:proctor', { sessionId, code: token('resume'), decision: 'confirm' })).error.code).toBe('PROCTOR_CODE_NOT_FOR_THIS');
      const t = token('confirm_identity');
      const confirmed = await call<{ phase: string; cleared: boolean }>(core, 'kiosk:identity:proctor', { sessionId, code: t, decision: 'confirm' });
      expect(confirmed.value).toMatchObject({ phase: 'confirmed', cleared: true });
      expect((await call(core, 'kiosk:session:start', { sessionId })).ok).toBe(true);
      const events = core.db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? AND type IN ('identity_proctor_rejected', 'identity_proctor_confirmed', 'proctor_token_accepted', 'identity_code_refused') ORDER BY seq`).all(sessionId) as { type: string; payload: string }[];
      expect(events.map((e) => [e.type, (JSON.parse(e.payload) as { via?: string; action?: string; detail?: string }).via ?? (JSON.parse(e.payload) as { action?: string }).action ?? (JSON.parse(e.payload) as { detail?: string }).detail])).toEqual([
        ['identity_proctor_rejected', 'centre_code'],
        ['identity_code_refused', 'PROCTOR_TOKEN_WRONG_ACTION'],
        ['proctor_token_accepted', 'confirm_identity'],
        ['identity_proctor_confirmed', 'proctor_token'],
      ]);
    } finally {
      core.close();
    }
    // Nothing is waiting any more: the tool says so.
    const none = cli(['identity-code', '--invite', 'DEMO-2026', '--data-dir', dataDir, '--json']);
    expect(none.status).toBe(1);
    expect(lastJson(none.stdout)).toMatchObject({ ok: false, code: 'NOTHING_PENDING' });
  });
});
