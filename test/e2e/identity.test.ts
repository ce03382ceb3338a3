/**
 * The identity check at check-in in Chromium (issue #15): the demo software-engineer pack re-signed
 * with `policy.identity: { mode: 'required' }` (demo key and unlock code) and served through
 * INTERVIEW_KIOSK_PACKS_DIR, so the other scenarios keep the shipped pack. After the device check the
 * notice and the choice appear (axe-clean, both ways offered side by side); the candidate types an ID
 * number, the proctor's code confirms it, and the interview starts. On the photo path, Chromium's fake
 * camera gives the still: taken, seen, retaken, sent — and stored sealed on the kiosk.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROCTOR_SECRET, HmacResumeCodes } from '../../main/services/session/resume-codes';
import { axe, byTestId, checkIn, acceptConsent, journalEvents, openKiosk, sessionRow, type Kiosk } from './candidate-kit';
import { chromiumPath, precheckInteractiveSteps } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('identity e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

const ID = '11010519491231002X';
const codes = new HmacResumeCodes(DEMO_PROCTOR_SECRET);

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}

describe.skipIf(!hasChromium)('identity check at check-in (pack policy required)', () => {
  let work = '';
  let packsDir = '';
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'kiosk-identity-pack-'));
    packsDir = path.join(work, 'packs');
    mkdirSync(packsDir);
    const src = JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')) as { policy: Record<string, unknown> };
    src.policy.identity = { mode: 'required' };
    const srcFile = path.join(work, 'software-engineer.pack.json');
    writeFileSync(srcFile, JSON.stringify(src, null, 2));
    const demo = JSON.parse(readFileSync('build/provisioning/demo-provisioning.json', 'utf8')) as { demoUnlockCodes: Record<string, string> };
    execFileSync(process.execPath, [
      '--import', 'tsx', 'main/dev/pack-cli.ts', 'sign', srcFile,
      '--key', 'build/provisioning/demo-signing-key.json', '--out', path.join(packsDir, 'software-engineer.ikpack'),
      '--unlock-code', demo.demoUnlockCodes['software-engineer']!,
    ]);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function toIdentity(k: Kiosk): Promise<string> {
    const { page } = k;
    await checkIn(page, 'en');
    await acceptConsent(page);
    await precheckInteractiveSteps(page);
    await byTestId(page, 'precheck-start').click();
    await page.waitForSelector('[data-testid="camera-state"][data-state="ok"]', { timeout: 30_000 });
    await byTestId(page, 'devices-continue').click();
    await byTestId(page, 'identity-choice').waitFor({ timeout: 20_000 });
    return sessionRow(k.dataDir).id;
  }

  it('ID number: the notice and both choices, the proctor confirms with a code, the interview starts', async () => {
    const k = await openKiosk({ env: { INTERVIEW_KIOSK_PACKS_DIR: packsDir } });
    open.push(k);
    const { page } = k;
    const sessionId = await toIdentity(k);
    // The notice says there is no automatic face comparison; both ways are equally prominent.
    await expect(byTestId(page, 'identity-notice').innerText()).resolves.toContain('No automatic face comparison');
    const photo = byTestId(page, 'identity-choose-photo');
    const idn = byTestId(page, 'identity-choose-id');
    expect(await photo.getAttribute('class')).toBe(await idn.getAttribute('class'));
    const [pb, ib] = [await photo.boundingBox(), await idn.boundingBox()];
    expect(Math.round(pb!.height)).toBe(Math.round(ib!.height));
    await axe(page, 'identity');
    expect(journalEvents(k, 'identity_offered')).toEqual([{ mode: 'required', methods: ['photo', 'id_number'], skippable: false }]);
    expect(journalEvents(k, 'interview_started')).toHaveLength(0);

    await idn.click();
    await byTestId(page, 'identity-id-number').fill('110105194912310021');
    await byTestId(page, 'identity-id-submit').click();
    await byTestId(page, 'identity-id-problem').waitFor();
    expect(journalEvents(k, 'identity_id_entered')).toHaveLength(0);
    await byTestId(page, 'identity-id-number').fill(ID.toLowerCase());
    await byTestId(page, 'identity-id-submit').click();
    await byTestId(page, 'identity-proctor').waitFor();
    await expect(byTestId(page, 'identity-proctor').innerText()).resolves.toContain('****002X');
    await axe(page, 'identity-proctor');
    expect(journalEvents(k, 'identity_id_entered')).toEqual([{ ordinal: 1, docType: 'prc_resident_id', masked: '****002X' }]);

    // A wrong code changes nothing; the proctor's code for this submission confirms and the interview starts.
    await byTestId(page, 'identity-proctor-code').fill('AAAAA-BBBBB');
    await byTestId(page, 'identity-proctor-confirm').click();
    await expect.poll(() => journalEvents(k, 'identity_code_refused').length, { timeout: 15_000 }).toBe(1);
    await byTestId(page, 'identity-proctor-code').fill(codes.codeFor(`${sessionId}#identity:1`, 0));
    await byTestId(page, 'identity-proctor-confirm').click();
    await byTestId(page, 'question').waitFor({ timeout: 20_000 });
    expect(journalEvents(k, 'identity_proctor_confirmed')).toEqual([{ ordinal: 1, method: 'id_number', via: 'centre_code' }]);
    expect(journalEvents(k, 'interview_started')).toHaveLength(1);

    // The number is in no file of the kiosk's data folder in plaintext.
    const leaks = filesUnder(k.dataDir).filter((f) => readFileSync(f).includes(Buffer.from(ID)));
    expect(leaks).toEqual([]);
  });

  it('photo: taken, seen, retaken, sent; stored sealed on the kiosk; confirmed by the proctor', async () => {
    const k = await openKiosk({ env: { INTERVIEW_KIOSK_PACKS_DIR: packsDir } });
    open.push(k);
    const { page } = k;
    const sessionId = await toIdentity(k);
    await byTestId(page, 'identity-choose-photo').click();
    await byTestId(page, 'identity-camera').waitFor();
    await page.waitForFunction(() => ((document.querySelector('[data-testid="identity-camera"]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
    await byTestId(page, 'identity-take-photo').click();
    await byTestId(page, 'identity-photo-preview').waitFor();
    await axe(page, 'identity-photo');
    await byTestId(page, 'identity-retake').click();
    await byTestId(page, 'identity-camera').waitFor();
    await page.waitForFunction(() => ((document.querySelector('[data-testid="identity-camera"]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
    await byTestId(page, 'identity-take-photo').click();
    await byTestId(page, 'identity-use-photo').click();
    await byTestId(page, 'identity-proctor').waitFor();

    const [ev] = journalEvents(k, 'identity_photo_captured');
    expect(ev).toMatchObject({ ordinal: 1, file: `identity/${sessionId}/photo-1.jpg.sealed`, format: 'ik-identity/v1' });
    const sealed = readFileSync(path.join(k.dataDir, ev!.file as string));
    // Sealed (IKS1 header), exactly the bytes the journal names, and no JPEG on disk.
    expect(sealed.subarray(0, 4).toString('ascii')).toBe('IKS1');
    expect(createHash('sha256').update(sealed).digest('hex')).toBe(ev!.sealedSha256);
    expect(ev!.bytes as number).toBeGreaterThan(1000);
    const jpegs = filesUnder(k.dataDir).filter((f) => readFileSync(f).subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])));
    expect(jpegs).toEqual([]);

    await byTestId(page, 'identity-proctor-code').fill(codes.codeFor(`${sessionId}#identity:1`, 0));
    await byTestId(page, 'identity-proctor-confirm').click();
    await byTestId(page, 'question').waitFor({ timeout: 20_000 });
    expect(journalEvents(k, 'identity_proctor_confirmed')).toEqual([{ ordinal: 1, method: 'photo', via: 'centre_code' }]);
  });
});
