/**
 * Reminder settings, per hub, from the environment (see README "The HR hub"):
 *   HUB_REMINDER_OFFSETS      before the window start, comma separated (default "24h,1h"; units m, h, d)
 *   HUB_REMINDER_MAX_ATTEMPTS sends tried per reminder before it is recorded as failed (default 5)
 *   HUB_REMINDER_RETRY_BASE   first retry delay, doubled per attempt (default "1m", at most 1 h)
 *   HUB_REMINDER_POLL         how often the scheduler looks for due work (default "30s")
 *   HUB_CHECK_URL             the at-home system check, "{code}" replaced by the invite code
 *   HUB_TIMEZONE              how times are written in messages (default Asia/Shanghai)
 *   HUB_NOSHOW_GRACE          wait after a window ends before the hub records a no-show (default "15m")
 *   HUB_SMTP_HOST/PORT/SECURE/USER/PASSWORD/FROM, HUB_DINGTALK_WEBHOOK/SECRET, HUB_WECOM_WEBHOOK
 */

export interface ReminderOffset {
  /** Stable name of the reminder kind, e.g. "24h". */
  readonly kind: string;
  readonly beforeMs: number;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
}

export interface ReminderConfig {
  readonly offsets: readonly ReminderOffset[];
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly pollMs: number;
  /** A claimed send must be recorded within this time or it is taken as lost (never resent). */
  readonly leaseMs: number;
  /** Each send gives up (as an unknown outcome) after this; shorter than the lease. */
  readonly sendTimeoutMs: number;
  readonly noShowGraceMs: number;
  readonly checkUrl?: string;
  readonly timeZone: string;
  readonly smtp?: SmtpConfig;
  readonly dingtalk?: { readonly webhook: string; readonly secret?: string };
  readonly wecom?: { readonly webhook: string };
}

const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^\s*(\d{1,6})\s*([smhd])\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration like 30s, 15m, 1h or 2d`);
  return Number(m[1]) * UNIT[m[2]!]!;
}

export function parseOffsets(text: string): ReminderOffset[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0 || parts.length > 10) throw new Error('HUB_REMINDER_OFFSETS needs 1 to 10 offsets, e.g. "24h,1h"');
  const out = parts.map((p) => ({ kind: p.replace(/\s+/g, ''), beforeMs: parseDuration(p) }));
  for (const o of out) if (o.beforeMs <= 0 || o.beforeMs > 30 * UNIT.d!) throw new Error(`reminder offset ${o.kind} must be between 1 s and 30 d`);
  if (new Set(out.map((o) => o.beforeMs)).size !== out.length) throw new Error('HUB_REMINDER_OFFSETS lists the same offset twice');
  return out.sort((a, b) => b.beforeMs - a.beforeMs);
}

function url(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  const u = new URL(value);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL`);
  return value;
}

export function reminderConfigFromEnv(env: NodeJS.ProcessEnv): ReminderConfig {
  const maxAttempts = Number(env.HUB_REMINDER_MAX_ATTEMPTS ?? 5);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) throw new Error('HUB_REMINDER_MAX_ATTEMPTS must be 1–20');
  const smtpHost = env.HUB_SMTP_HOST;
  const dingtalk = url('HUB_DINGTALK_WEBHOOK', env.HUB_DINGTALK_WEBHOOK);
  const wecom = url('HUB_WECOM_WEBHOOK', env.HUB_WECOM_WEBHOOK);
  const checkUrl = env.HUB_CHECK_URL;
  if (checkUrl && !checkUrl.includes('{code}')) throw new Error('HUB_CHECK_URL must contain {code}');
  return {
    offsets: parseOffsets(env.HUB_REMINDER_OFFSETS ?? '24h,1h'),
    maxAttempts,
    retryBaseMs: Math.min(parseDuration(env.HUB_REMINDER_RETRY_BASE ?? '1m'), UNIT.h!),
    pollMs: parseDuration(env.HUB_REMINDER_POLL ?? '30s'),
    leaseMs: 5 * 60_000,
    sendTimeoutMs: 60_000,
    noShowGraceMs: parseDuration(env.HUB_NOSHOW_GRACE ?? '15m'),
    timeZone: env.HUB_TIMEZONE ?? 'Asia/Shanghai',
    ...(checkUrl ? { checkUrl } : {}),
    ...(smtpHost
      ? {
          smtp: {
            host: smtpHost,
            port: Number(env.HUB_SMTP_PORT ?? 587),
            secure: env.HUB_SMTP_SECURE === '1' || env.HUB_SMTP_SECURE === 'true',
            ...(env.HUB_SMTP_USER ? { user: env.HUB_SMTP_USER } : {}),
            ...(env.HUB_SMTP_PASSWORD ? { password: env.HUB_SMTP_PASSWORD } : {}),
            from: env.HUB_SMTP_FROM ?? `interview-hub@${smtpHost}`,
          },
        }
      : {}),
    ...(dingtalk ? { dingtalk: { webhook: dingtalk, ...(env.HUB_DINGTALK_SECRET ? { secret: env.HUB_DINGTALK_SECRET } : {}) } } : {}),
    ...(wecom ? { wecom: { webhook: wecom } } : {}),
  };
}
