/**
 * The ways a reminder leaves the hub: email (SMTP through nodemailer) and the DingTalk and WeCom
 * group robots (their documented JSON text messages; DingTalk's optional signature adds
 * `timestamp` and `sign` = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) to the URL).
 *
 * Each send answers whether the failure is DEFINITE (the message certainly did not go: no
 * connection, or the server answered with a refusal) or AMBIGUOUS (the request may have been
 * delivered: the connection dropped or timed out after the message was handed over). The scheduler
 * retries only definite failures, because a reminder must never be sent twice.
 */
import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { ReminderConfig, SmtpConfig } from './config';

export type SendOutcome = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly definite: boolean; readonly detail: string };

export interface OutgoingReminder {
  readonly channel: 'email' | 'dingtalk' | 'wecom';
  readonly to: { readonly email: string | null; readonly phone: string | null };
  readonly subject: string;
  readonly text: string;
  /** The same for every attempt of one reminder: in the Message-ID and an X-Reminder-Key header. */
  readonly idempotencyKey: string;
}

export interface ReminderSender {
  send(r: OutgoingReminder): Promise<SendOutcome>;
  close(): void;
}

export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/** The webhook URL with DingTalk's signature parameters, when a secret is configured. */
export function dingtalkUrl(webhook: string, secret: string | undefined, timestamp: number): string {
  if (!secret) return webhook;
  const u = new URL(webhook);
  u.searchParams.set('timestamp', String(timestamp));
  u.searchParams.set('sign', dingtalkSign(secret, timestamp));
  return u.toString();
}

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > max - 3) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

async function postJson(url: string, body: unknown, key: string, timeoutMs: number): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'x-reminder-key': key }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (err instanceof Error ? err.name : 'ERROR');
    return { ok: false, definite: CONNECT_CODES.has(code), detail: `WEBHOOK_${CONNECT_CODES.has(code) ? 'UNREACHABLE' : 'NO_ANSWER'}: ${code}` };
  }
  const text = (await res.text().catch(() => '')).slice(0, 300);
  if (!res.ok) return { ok: false, definite: true, detail: `WEBHOOK_HTTP_${res.status}: ${text}` };
  let answer: { errcode?: unknown; errmsg?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    return { ok: false, definite: true, detail: `WEBHOOK_BAD_ANSWER: ${text}` };
  }
  if (answer.errcode !== 0) return { ok: false, definite: true, detail: `WEBHOOK_REFUSED: errcode ${String(answer.errcode)} ${String(answer.errmsg ?? '')}`.slice(0, 300) };
  return { ok: true, detail: 'errcode 0' };
}

function smtpTransport(c: SmtpConfig, timeoutMs: number) {
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    ...(c.user ? { auth: { user: c.user, pass: c.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

export function createSender(config: ReminderConfig, now: () => number): ReminderSender {
  const mail = config.smtp ? smtpTransport(config.smtp, config.sendTimeoutMs) : null;
  return {
    async send(r) {
      if (r.channel === 'email') {
        if (!mail || !config.smtp) return { ok: false, definite: true, detail: 'CHANNEL_NOT_CONFIGURED: HUB_SMTP_HOST is not set' };
        if (!r.to.email) return { ok: false, definite: true, detail: 'NO_ADDRESS: the invite has no email' };
        try {
          const info = await mail.sendMail({
            from: config.smtp.from,
            to: r.to.email,
            subject: r.subject,
            text: r.text,
            messageId: `<${r.idempotencyKey.replace(/[^A-Za-z0-9._:-]/g, '_')}@interview-hub>`,
            headers: { 'X-Reminder-Key': r.idempotencyKey },
          });
          return { ok: true, detail: String(info.response ?? 'accepted').slice(0, 300) };
        } catch (err) {
          const e = err as { code?: string; command?: string; responseCode?: number; message?: string };
          // A reply from the server (e.g. 550, 451) or a failure before any mail command was sent
          // means the message was not accepted. A dropped connection or timeout mid-transfer might
          // have been accepted: ambiguous.
          const definite = typeof e.responseCode === 'number' || e.command === 'CONN' || ['ECONNECTION', 'EAUTH', 'EENVELOPE', 'EDNS', 'ETLS'].includes(e.code ?? '');
          return { ok: false, definite, detail: `SMTP_${e.code ?? 'ERROR'}: ${e.responseCode ?? ''} ${e.message ?? ''}`.slice(0, 300) };
        }
      }
      if (r.channel === 'dingtalk') {
        if (!config.dingtalk) return { ok: false, definite: true, detail: 'CHANNEL_NOT_CONFIGURED: HUB_DINGTALK_WEBHOOK is not set' };
        const body = { msgtype: 'text', text: { content: truncateUtf8(r.text, 18_000) }, at: { atMobiles: r.to.phone ? [r.to.phone] : [], isAtAll: false } };
        return postJson(dingtalkUrl(config.dingtalk.webhook, config.dingtalk.secret, now()), body, r.idempotencyKey, config.sendTimeoutMs);
      }
      if (!config.wecom) return { ok: false, definite: true, detail: 'CHANNEL_NOT_CONFIGURED: HUB_WECOM_WEBHOOK is not set' };
      // WeCom's text content is at most 2048 bytes.
      const body = { msgtype: 'text', text: { content: truncateUtf8(r.text, 2048), mentioned_mobile_list: r.to.phone ? [r.to.phone] : [] } };
      return postJson(config.wecom.webhook, body, r.idempotencyKey, config.sendTimeoutMs);
    },
    close() {
      mail?.close();
    },
  };
}
