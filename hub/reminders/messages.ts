/**
 * Reminder texts: zh-CN first, then English, in one message (a candidate's phone or mail client may
 * be set to either). A candidate whose at-home system check failed is told what to fix, per check.
 */

export interface ReminderFacts {
  readonly candidateName: string;
  readonly code: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly location: 'home' | 'centre';
  readonly centre: string;
  readonly jobId: string;
  /** How long before the start this reminder is (e.g. "24h"). */
  readonly kind: string;
  readonly checkUrl?: string;
  readonly timeZone: string;
  /** Failed check ids of the latest at-home system check, when it was NOT_READY. */
  readonly failedChecks?: readonly string[];
}

interface Fix {
  readonly zh: string;
  readonly en: string;
}

/** What to fix, by check id (the kiosk's pre-check ids) or by its group prefix. */
const FIXES: Record<string, Fix> = {
  camera: { zh: '摄像头：请连接摄像头，允许浏览器使用它，并确认镜头没有被遮挡。', en: 'Camera: connect it, allow the browser to use it, and make sure nothing covers the lens.' },
  microphone: { zh: '麦克风：请连接麦克风，允许浏览器使用它，并在安静的环境中测试音量。', en: 'Microphone: connect it, allow the browser to use it, and test the level somewhere quiet.' },
  speakers: { zh: '扬声器：请打开音量或连接耳机，确认能听到测试声音。', en: 'Speakers: turn the volume up or plug in headphones and check you hear the test sound.' },
  network: { zh: '网络：请改用稳定的有线或 Wi-Fi 网络，关闭其他占用带宽的程序后重试。', en: 'Network: use a stable wired or Wi-Fi connection and close other programs that use bandwidth, then retry.' },
  'network.clock': { zh: '系统时间：请打开“自动设置时间”，使电脑时钟准确。', en: 'Clock: turn on automatic time so the computer clock is correct.' },
  os: { zh: '操作系统：请更新到受支持的版本。', en: 'Operating system: update to a supported version.' },
  cpu: { zh: '处理器：请关闭其他程序，或换一台性能更好的电脑。', en: 'Processor: close other programs or use a faster computer.' },
  memory: { zh: '内存：请关闭其他程序后重试。', en: 'Memory: close other programs and retry.' },
  disk: { zh: '磁盘空间：请至少释放 2 GB 空间。', en: 'Disk space: free at least 2 GB.' },
  displays: { zh: '显示器：请只连接一台显示器。', en: 'Displays: connect only one display.' },
  vm: { zh: '虚拟机：请在真实电脑上参加面试，不要使用虚拟机。', en: 'Virtual machine: take the interview on a real computer, not in a virtual machine.' },
  remote_desktop: { zh: '远程桌面：请断开所有远程桌面或屏幕共享。', en: 'Remote desktop: disconnect any remote desktop or screen sharing.' },
  processes: { zh: '其他程序：请关闭录屏、屏幕共享和聊天程序。', en: 'Other programs: close screen recorders, screen sharing and chat programs.' },
  power: { zh: '电源：请连接电源适配器。', en: 'Power: plug in the power adapter.' },
};

export function fixFor(checkId: string): Fix {
  const exact = FIXES[checkId];
  if (exact) return exact;
  const group = FIXES[checkId.split('.')[0] ?? ''];
  return group ?? { zh: `检查项 ${checkId}：请按系统检查页面的提示处理后重新检查。`, en: `Check ${checkId}: follow the system check page's advice, then run it again.` };
}

function when(t: number, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' }).format(t);
}

function lead(kind: string): Fix {
  const m = /^(\d+)([smhd])$/.exec(kind);
  if (!m) return { zh: kind, en: kind };
  const n = m[1]!;
  const unit: Record<string, Fix> = { s: { zh: '秒', en: 'second' }, m: { zh: '分钟', en: 'minute' }, h: { zh: '小时', en: 'hour' }, d: { zh: '天', en: 'day' } };
  const u = unit[m[2]!]!;
  return { zh: `${n} ${u.zh}`, en: `${n} ${u.en}${n === '1' ? '' : 's'}` };
}

export function reminderMessage(f: ReminderFacts): { subject: string; text: string } {
  const l = lead(f.kind);
  const link = f.checkUrl ? f.checkUrl.replace('{code}', encodeURIComponent(f.code)) : undefined;
  const zh: string[] = [
    `${f.candidateName}，您好：`,
    `您的面试将在约 ${l.zh}后开始。`,
    `时间：${when(f.windowStart, 'zh-CN', f.timeZone)} 至 ${when(f.windowEnd, 'zh-CN', f.timeZone)}`,
    f.location === 'home' ? '地点：在家通过面试程序参加' : `地点：${f.centre}`,
    `面试码：${f.code}`,
  ];
  const en: string[] = [
    `Hello ${f.candidateName},`,
    `Your interview starts in about ${l.en}.`,
    `When: ${when(f.windowStart, 'en-GB', f.timeZone)} to ${when(f.windowEnd, 'en-GB', f.timeZone)}`,
    f.location === 'home' ? 'Where: at home, in the interview app' : `Where: ${f.centre}`,
    `Interview code: ${f.code}`,
  ];
  if (f.failedChecks && f.failedChecks.length > 0) {
    zh.push('', '您上次的系统检查未通过，请在面试前处理以下问题：', ...f.failedChecks.map((c) => `- ${fixFor(c).zh}`));
    en.push('', 'Your last system check did not pass. Before the interview, please fix:', ...f.failedChecks.map((c) => `- ${fixFor(c).en}`));
  }
  if (f.location === 'home') {
    zh.push('', link ? `请提前完成系统检查：${link}` : `请在面试程序中输入面试码 ${f.code} 完成系统检查。`);
    en.push('', link ? `Please run the system check beforehand: ${link}` : `Please run the system check in the interview app with code ${f.code}.`);
  }
  return {
    subject: `面试提醒 Interview reminder: ${when(f.windowStart, 'zh-CN', f.timeZone)}`,
    text: [...zh, '', '——', '', ...en].join('\n'),
  };
}
