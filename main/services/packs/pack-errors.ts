/**
 * The refusals of the pack and schedule loaders, each with its own code and a message a
 * test-centre manager understands in both languages. Codes travel as data (IPC, CLI JSON);
 * the text says what happened and what to do, never how the crypto works.
 */
import type { LocalizedText } from '../../../preload/contract/common';
import { packErrorCodes } from '../../../preload/contract/errors';

export { packErrorCodes };

export type PackErrorCode = (typeof packErrorCodes)[number];

/** What a manager reads next to the code. `{subject}` is "interview pack" or "schedule". */
export const packErrorText: Record<PackErrorCode, LocalizedText> = {
  PACK_TOO_LARGE: {
    'zh-CN': '文件过大，不像是正常的面试包或日程，已拒绝。请向 HR 索取正确的文件。',
    en: 'The file is far larger than any real interview pack or schedule and was refused. Ask HR for the correct file.',
  },
  PACK_MALFORMED: {
    'zh-CN': '文件已损坏或不是面试包/日程文件，已拒绝。请重新下载或向 HR 索取。',
    en: 'The file is damaged or is not an interview pack or schedule, and was refused. Download it again or ask HR for it.',
  },
  PACK_UNSIGNED: {
    'zh-CN': '文件没有签名，无法确认来自贵公司 HR，已拒绝。请向 HR 索取已签名的版本。',
    en: 'The file is not signed, so the kiosk cannot tell it comes from your HR team; it was refused. Ask HR for the signed version.',
  },
  SIGNATURE_INVALID: {
    'zh-CN': '文件在签名后被修改过（可能被篡改或传输损坏），已拒绝。请勿使用此文件，并通知 HR。',
    en: 'The file was changed after it was signed (tampered with or damaged in transfer) and was refused. Do not use it, and tell HR.',
  },
  KEY_UNTRUSTED: {
    'zh-CN': '文件的签名密钥不在本机信任列表中，已拒绝。请确认文件来自贵公司 HR，或请 IT 更新本机配置。',
    en: 'The file was signed with a key this kiosk does not trust and was refused. Check it comes from your HR team, or ask IT to update the kiosk provisioning.',
  },
  PACK_SCHEMA_FROM_FUTURE: {
    'zh-CN': '文件需要更新版本的面试终端软件，已拒绝。请请 IT 升级本机软件。',
    en: 'The file needs a newer version of the kiosk software and was refused. Ask IT to update the kiosk.',
  },
  PACK_NOT_YET_VALID: {
    'zh-CN': '文件尚未到生效时间，已拒绝。请在生效后再导入，或检查本机时间是否正确。',
    en: 'The file is not valid yet and was refused. Import it once it becomes valid, or check the kiosk clock.',
  },
  PACK_EXPIRED: {
    'zh-CN': '文件已过期，已拒绝。请向 HR 索取最新版本。',
    en: 'The file has expired and was refused. Ask HR for the current version.',
  },
  PACK_INVALID: {
    'zh-CN': '文件内容不符合格式要求（编写有误），已拒绝。请将错误位置告知 HR 修正。',
    en: 'The file content does not follow the required format (an authoring error) and was refused. Send the reported location to HR to fix.',
  },
  PACK_INCONSISTENT: {
    'zh-CN': '面试包内容前后矛盾（如权重之和不为 1、能力项无题目考察），已拒绝。请将错误位置告知 HR 修正。',
    en: 'The interview pack contradicts itself (e.g. weights do not sum to 1, a competency no question measures) and was refused. Send the reported location to HR to fix.',
  },
  PACK_DEMO_REFUSED: {
    'zh-CN': '这是演示用文件，正式面试终端不接受，已拒绝。',
    en: 'This is a demonstration file; a production kiosk does not accept it, so it was refused.',
  },
  PACK_DOWNGRADE: {
    'zh-CN': '本机已安装同一面试包的更新版本，旧版本被拒绝。',
    en: 'A newer version of this interview pack is already installed; the older one was refused.',
  },
  PACK_LOCKED: {
    'zh-CN': '面试题目尚未解锁。请在签到时联网解锁，或由监考人员输入解锁码。',
    en: 'The interview questions are still locked. Unlock them at check-in online, or have the proctor enter the unlock code.',
  },
  UNLOCK_CODE_REQUIRED: {
    'zh-CN': '无法连接 HR 服务器解锁题目。请监考人员输入本场面试的解锁码。',
    en: 'The HR server cannot be reached to unlock the questions. The proctor needs to enter this interview\u2019s unlock code.',
  },
  UNLOCK_CODE_INVALID: {
    'zh-CN': '解锁码不正确。请核对后重新输入。',
    en: 'The unlock code is not correct. Check it and enter it again.',
  },
  UNLOCK_REFUSED: {
    'zh-CN': 'HR 服务器拒绝为此邀请码解锁题目（邀请不属于本考点、不在时间窗口内或已撤销）。请联系 HR。',
    en: 'The HR server refused to unlock the questions for this invite (not for this centre, outside its time window, or withdrawn). Contact HR.',
  },
  PROVISIONING_MISSING: {
    'zh-CN': '本机尚未完成配置（缺少全机配置文件），不能加载任何面试包。请联系 IT。',
    en: 'This kiosk has not been provisioned (the machine-wide configuration is missing), so no interview pack can be loaded. Contact IT.',
  },
  PROVISIONING_INVALID: {
    'zh-CN': '本机配置文件有误，不能加载任何面试包。请联系 IT。',
    en: 'The kiosk configuration is invalid, so no interview pack can be loaded. Contact IT.',
  },
  SCHEDULE_WRONG_CENTRE: {
    'zh-CN': '该日程属于其他考点，已拒绝。',
    en: 'This schedule belongs to another test centre and was refused.',
  },
  RESUME_UNREADABLE: {
    'zh-CN': '无法读取候选人简历，将使用通用题目继续面试。',
    en: 'The candidate\u2019s résumé could not be read; the interview continues with the standard questions.',
  },
  PACK_VERSION_REUSED: {
    'zh-CN': '本机已安装同一版本号但内容不同的面试包，此文件被拒绝。请 HR 为修改后的面试包提升版本号。',
    en: 'A pack with the same version number but different content is already installed, so this file was refused. HR must give a changed pack a new version number.',
  },
  UNLOCK_CODE_LOCKED: {
    'zh-CN': '解锁码输错次数过多，已暂时锁定。请稍后再试，或联系 HR 通过网络解锁。',
    en: 'Too many wrong unlock codes: unlocking is paused for a while. Try again later, or ask HR to unlock online.',
  },
  STAGE_RELEASE_UNREACHABLE: {
    'zh-CN': '无法连接 HR 服务器获取下一部分题目。已录制的内容不会丢失，等待期间不计时；请重试或联系监考人员。',
    en: 'The HR server cannot be reached for the next part\u2019s questions. Nothing recorded is lost and no time runs while waiting; retry, or call the proctor.',
  },
  STAGE_RELEASE_REFUSED: {
    'zh-CN': 'HR 服务器拒绝开放下一部分题目（其记录中上一部分尚未提交，或回复无法验证）。请联系监考人员。',
    en: 'The HR server refused to release the next part (its record does not show the previous part submitted, or its answer could not be verified). Call the proctor.',
  },
};

/** A refusal with a precise location (`stages[1].questions[2].answerSeconds`) when there is one. */
export interface PackProblem {
  readonly code: PackErrorCode;
  /** Technical detail in English for logs and HR; never contains question content. */
  readonly detail: string;
  readonly path?: string;
}

export function problemMessage(p: PackProblem): string {
  return `${packErrorText[p.code].en} (${p.path ? p.path + ': ' : ''}${p.detail})`;
}
