/**
 * The pack authoring tool: `npm run pack -- <command> …`
 *
 *   keygen  --out key.json [--label L] [--demo]          new Ed25519 signing key (private file, 0600)
 *   init    --id ID --out pack.json                        a complete example pack to edit
 *   lint    pack.json [--json]                             shape and meaning, with paths and codes
 *   sign    pack.json --key key.json [--out x.ikpack] [--unlock-code C | --no-unlock-code]
 *           [--stage-release hr|offline|none]              format v2 (default for 2+ stages: hr when the
 *                                                          pack names an HR endpoint, else offline);
 *                                                          none = v1, the whole content under one key
 *                                                          encrypt the questions and sign; writes
 *                                                          x.key.json (content key for the HR endpoint)
 *   verify  x.ikpack [--provisioning P] [--unlock-code C | --content-key K.json] [--at ISO] [--json]
 *   preview (pack.json | x.ikpack --unlock-code C) --resume FILE [--locale zh-CN|en] [--json]
 *   schedule-sign schedule.json --key key.json [--out x.ikschedule]
 *
 * Exit status: 0 ok, 1 refused/lint errors, 2 usage. With --json the last stdout line is one
 * JSON object; refusals carry `"code"` (e.g. `"SIGNATURE_INVALID"`).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../common/clock';
import type { Result } from '../common/result';
import { generateSigningKey, type SigningKeyPair } from '../services/packs/pack-crypto';
import { packErrorText, type PackErrorCode } from '../services/packs/pack-errors';
import { buildPack, contentKeySidecar, decryptPack, unwrapWithCode, verifyPack, type LoadedPackContent } from '../services/packs/pack-format';
import { defaultStageRelease, stageKeyOf } from '../services/packs/stage-content';
import { formatIssue, lintPack } from '../services/packs/pack-lint';
import { loadPack, RESUME_MEDIA_TYPES, type LoadedPack, type ResumeDocument } from '../services/packs/pack-provider';
import { loadProvisioning } from '../services/packs/provisioning';
import { JiebaSegmenter } from '../services/packs/resume-tags';
import { buildSchedule } from '../services/packs/schedule';
import { promptOf, tailorInterview } from '../services/packs/variants';
import { examplePack } from './pack-template';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEMO_PROVISIONING = path.join(REPO_ROOT, 'build', 'provisioning', 'demo-provisioning.json');

interface Out {
  json: boolean;
  lines: string[];
}

function print(out: Out, line: string): void {
  if (!out.json) process.stdout.write(line + '\n');
}

function finish(out: Out, body: Record<string, unknown>, exit: number): number {
  if (out.json) process.stdout.write(JSON.stringify(body) + '\n');
  return exit;
}

function refusal(out: Out, r: Extract<Result<unknown>, { ok: false }>, extra: Record<string, unknown> = {}): number {
  const code = r.error.code;
  const zh = (packErrorText as Record<string, { 'zh-CN': string } | undefined>)[code]?.['zh-CN'];
  print(out, `REFUSED ${code}: ${r.error.message}`);
  if (zh) print(out, `拒绝 ${code}：${zh}`);
  return finish(out, { ok: false, code, message: r.error.message, ...(zh ? { messageZh: zh } : {}), ...extra }, 1);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

function readKey(file: string): SigningKeyPair {
  const k = readJson(file) as Partial<SigningKeyPair>;
  if (typeof k.keyId !== 'string' || typeof k.publicKey !== 'string' || typeof k.privateKey !== 'string') {
    throw new UsageError(`${file} is not a signing key made by "pack keygen"`);
  }
  return { keyId: k.keyId, publicKey: k.publicKey, privateKey: k.privateKey };
}

class UsageError extends Error {}

function clockAt(at: string | undefined): Clock {
  if (!at) return systemClock;
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new UsageError(`--at ${at} is not an ISO date`);
  return { now: () => t };
}

function resumeFromFile(file: string): ResumeDocument {
  const data = readFileSync(file);
  const ext = path.extname(file).toLowerCase();
  const mediaType = ext === '.pdf' ? RESUME_MEDIA_TYPES[1] : ext === '.docx' ? RESUME_MEDIA_TYPES[2] : RESUME_MEDIA_TYPES[0];
  return { mediaType, data };
}

/** Verify, and decrypt too when given a way in. */
function openPackFile(file: string, opts: { provisioning?: string; unlockCode?: string; contentKey?: string; at?: string }, out: Out): { code: number } | { loaded: LoadedPackContent | undefined; summary: Record<string, unknown> } {
  const prov = loadProvisioning({ kioskMode: false, explicitPath: opts.provisioning, demoFallbackPath: DEMO_PROVISIONING });
  if (!prov.ok) return { code: refusal(out, prov) };
  const clock = clockAt(opts.at);
  const bytes = readFileSync(file);
  const verified = verifyPack(bytes, prov.value.trust, clock);
  if (!verified.ok) return { code: refusal(out, verified, { file }) };
  const m = verified.value.manifest;
  const summary: Record<string, unknown> = {
    ok: true,
    file,
    packId: m.id,
    version: m.version,
    title: m.title,
    demo: m.demo,
    hash: verified.value.hash,
    keyId: verified.value.keyId,
    bytes: verified.value.bytes,
    validity: m.validity,
    questionCount: m.outline.questionCount,
    provisioning: { source: prov.value.source, mode: prov.value.config.mode, path: prov.value.path },
    unlock: { online: m.unlock.online, offline: m.unlock.offline !== null },
    stageRelease: m.stageContent?.release ?? null,
    contentChecked: false,
  };
  let key: Buffer | undefined;
  let stageKeys: Map<number, Buffer> | undefined;
  if (opts.unlockCode) {
    const k = unwrapWithCode(m, opts.unlockCode);
    if (!k.ok) return { code: refusal(out, k, { file }) };
    key = k.value;
  } else if (opts.contentKey) {
    const sidecar = readJson(opts.contentKey) as { contentKey?: string; stageMasterKey?: string };
    if (typeof sidecar.contentKey !== 'string') throw new UsageError(`${opts.contentKey} has no contentKey`);
    key = Buffer.from(sidecar.contentKey, 'base64');
    // HR holds the stage master key of a v2 pack: with the sidecar, every stage can be checked.
    if (m.stageContent && typeof sidecar.stageMasterKey === 'string') {
      const master = Buffer.from(sidecar.stageMasterKey, 'base64');
      stageKeys = new Map(m.outline.stages.slice(1).map((s, i) => [i + 1, stageKeyOf(master, m, i + 1, s.id)] as const));
    }
  }
  if (!key) return { loaded: undefined, summary };
  const loaded = decryptPack(verified.value, key, stageKeys);
  if (!loaded.ok) return { code: refusal(out, loaded, { file }) };
  summary.contentChecked = true;
  return { loaded: loaded.value, summary };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      key: { type: 'string' },
      label: { type: 'string' },
      demo: { type: 'boolean', default: false },
      id: { type: 'string' },
      provisioning: { type: 'string' },
      'unlock-code': { type: 'string' },
      'no-unlock-code': { type: 'boolean', default: false },
      'content-key': { type: 'string' },
      'stage-release': { type: 'string' },
      at: { type: 'string' },
      resume: { type: 'string' },
      locale: { type: 'string', default: 'zh-CN' },
    },
  });
  const out: Out = { json: values.json, lines: [] };
  const file = positionals[0];

  switch (command) {
    case 'keygen': {
      if (!values.out) throw new UsageError('keygen needs --out key.json');
      if (existsSync(values.out)) throw new UsageError(`${values.out} exists; refusing to overwrite a key`);
      const k = generateSigningKey();
      writeFileSync(values.out, JSON.stringify({ kind: 'interview-kiosk-signing-key', label: values.label ?? 'pack signing key', demo: values.demo, ...k }, null, 2) + '\n', { mode: 0o600 });
      chmodSync(values.out, 0o600);
      const trusted = { keyId: k.keyId, publicKey: k.publicKey, label: values.label ?? 'pack signing key', purposes: ['pack', 'schedule'], demo: values.demo };
      print(out, `wrote ${values.out} (private: keep it off kiosks)`);
      print(out, 'add this to trustedKeys in the provisioning config:');
      print(out, JSON.stringify(trusted, null, 2));
      return finish(out, { ok: true, keyFile: values.out, trustedKey: trusted }, 0);
    }
    case 'init': {
      const target = values.out ?? file;
      if (!target) throw new UsageError('init needs --out pack.json');
      if (existsSync(target)) throw new UsageError(`${target} exists; refusing to overwrite`);
      writeFileSync(target, JSON.stringify(examplePack(values.id ?? 'new-pack'), null, 2) + '\n');
      print(out, `wrote ${target}: an example pack that passes lint; edit it, then "pack lint ${target}"`);
      return finish(out, { ok: true, file: target }, 0);
    }
    case 'lint': {
      if (!file) throw new UsageError('lint needs a pack.json');
      const r = lintPack(readJson(file), 'authoring');
      for (const i of r.issues) print(out, `${i.severity === 'error' ? 'error  ' : 'warning'} ${formatIssue(i)}`);
      const errors = r.issues.filter((i) => i.severity === 'error').length;
      print(out, `${file}: ${errors} error(s), ${r.issues.length - errors} warning(s)`);
      return finish(out, { ok: r.ok, file, errors, warnings: r.issues.length - errors, issues: r.issues }, r.ok ? 0 : 1);
    }
    case 'sign': {
      if (!file || !values.key) throw new UsageError('sign needs pack.json and --key key.json');
      const key = readKey(values.key);
      const unlockCode = values['no-unlock-code'] ? null : values['unlock-code'];
      const source = readJson(file);
      const chosen = defaultStageRelease(source, values['stage-release']);
      if (!chosen.ok) throw new UsageError('--stage-release is hr, offline or none');
      const stageRelease = chosen.release;
      const built = buildPack(source, key, { issuedAt: new Date(), ...(unlockCode !== undefined ? { unlockCode } : {}), ...(stageRelease ? { stageRelease } : {}) });
      if (!built.ok) return refusal(out, built, { file });
      const target = values.out ?? file.replace(/(\.pack)?\.json$/, '') + '.ikpack';
      const sidecar = target.replace(/\.ikpack$/, '') + '.key.json';
      writeFileSync(target, built.value.text);
      writeFileSync(
        sidecar,
        JSON.stringify(contentKeySidecar(built.value), null, 2) + '\n',
        { mode: 0o600 },
      );
      print(out, `signed ${target} (${built.value.text.length} bytes) with ${key.keyId}`);
      print(out, `content key and unlock code: ${sidecar} — give it to the HR endpoint only, never to a kiosk`);
      if (built.value.unlockCode) print(out, `offline unlock code for proctors: ${built.value.unlockCode}`);
      return finish(out, { ok: true, file: target, keyFile: sidecar, packId: built.value.manifest.id, version: built.value.manifest.version, hash: built.value.hash, keyId: key.keyId, stageRelease: built.value.manifest.stageContent?.release ?? null }, 0);
    }
    case 'verify': {
      if (!file) throw new UsageError('verify needs an .ikpack');
      const r = openPackFile(file, { provisioning: values.provisioning, unlockCode: values['unlock-code'], contentKey: values['content-key'], at: values.at }, out);
      if ('code' in r) return r.code;
      const s = r.summary;
      print(out, `OK ${String(s.packId)} ${String(s.version)} signed by ${String(s.keyId)}; sha256 ${String(s.hash)}`);
      print(out, `   trusted by ${(s.provisioning as { mode: string; path: string }).mode} provisioning ${(s.provisioning as { path: string }).path}`);
      print(out, `   content ${s.contentChecked ? 'decrypted and checked' : 'not checked (give --unlock-code to check it)'}`);
      return finish(out, s, 0);
    }
    case 'preview': {
      if (!file) throw new UsageError('preview needs a pack.json or .ikpack');
      let pack: LoadedPack;
      if (file.endsWith('.ikpack')) {
        const r = openPackFile(file, { provisioning: values.provisioning, unlockCode: values['unlock-code'], contentKey: values['content-key'], at: values.at }, out);
        if ('code' in r) return r.code;
        if (!r.loaded) throw new UsageError('preview of an .ikpack needs --unlock-code or --content-key');
        pack = r.loaded;
      } else {
        const r = loadPack(readJson(file));
        if (!r.ok) return refusal(out, r, { file });
        pack = r.value;
      }
      const locale = values.locale === 'en' ? 'en' : 'zh-CN';
      const tailoring = await tailorInterview(pack, values.resume ? resumeFromFile(values.resume) : undefined, () => JiebaSegmenter.shared());
      print(out, `${pack.pack.title[locale]} — ${pack.questions.length} questions`);
      print(out, `résumé: ${tailoring.source}${tailoring.problem ? ` (${tailoring.problem})` : ''}; tags: ${tailoring.tags.map((t) => `${t.tagId}×${t.count}`).join(', ') || '(none)'}`);
      const questions = pack.questions.map((q) => {
        const c = tailoring.choices[q.index]!;
        const prompt = promptOf(q.question, c.variantId)[locale];
        print(out, `\n[${q.stage.title[locale]}] Q${q.index + 1} ${q.question.id} · ${q.question.mode} · prep ${q.question.prepSeconds}s · answer ${q.question.answerSeconds}s`);
        print(out, `  variant: ${c.variantId}${c.matchedTags.length ? ` (chosen by ${c.matchedTags.join(', ')})` : ''}`);
        print(out, `  ${prompt}`);
        return { index: q.index, questionId: q.question.id, variantId: c.variantId, matchedTags: c.matchedTags, prompt };
      });
      return finish(out, { ok: true, packId: pack.pack.id, source: tailoring.source, tags: tailoring.tags, questions }, 0);
    }
    case 'schedule-sign': {
      if (!file || !values.key) throw new UsageError('schedule-sign needs schedule.json and --key key.json');
      const built = buildSchedule(readJson(file), path.dirname(file), readKey(values.key));
      if (!built.ok) return refusal(out, built, { file });
      const target = values.out ?? file.replace(/(\.schedule)?\.json$/, '') + '.ikschedule';
      writeFileSync(target, built.value.text);
      print(out, `signed ${target}: ${built.value.inviteCount} invites for ${built.value.centreId} on ${built.value.day}`);
      return finish(out, { ok: true, file: target, scheduleId: built.value.scheduleId, invites: built.value.inviteCount }, 0);
    }
    default:
      throw new UsageError(`unknown command ${command ?? '(none)'}; use keygen | init | lint | sign | verify | preview | schedule-sign`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`pack: ${e.message}\n`);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ ok: false, code: 'USAGE', message: e.message }) + '\n');
    process.exitCode = 2;
  } else {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`pack: ${message}\n`);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ ok: false, code: 'INTERNAL' satisfies PackErrorCode | 'INTERNAL', message }) + '\n');
    process.exitCode = 1;
  }
}
