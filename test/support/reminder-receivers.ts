/**
 * Loopback receivers for the hub's reminders: a real SMTP server (smtp-server) and an HTTP server
 * standing in for the DingTalk and WeCom group robots. Each records what arrived, keyed by the
 * reminder's idempotency key; each can be told to refuse the next N deliveries. The DingTalk
 * receiver checks the `timestamp` + `sign` query parameters itself, as DingTalk documents them
 * (written here independently of hub/reminders/channels.ts), and answers errcode 310000 when they
 * do not match.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: string[];
  readonly key: string;
  readonly messageId: string;
  readonly text: string;
}

export interface ReceivedRobot {
  readonly robot: 'dingtalk' | 'wecom';
  readonly key: string;
  readonly body: Record<string, unknown>;
  readonly signatureValid: boolean | null;
  readonly query: URLSearchParams;
}

function decodeQuotedPrintable(s: string): string {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The text part of a single-part text/plain mail as nodemailer writes it. */
export function mailText(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headText = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of headText.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const body = raw.slice(split + 4);
  const enc = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text = enc === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : enc === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
  return { headers, text };
}

export interface SmtpReceiver {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** The next N RCPT TO commands are answered 451 (a temporary refusal: nothing is accepted). */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse > 0) {
        refuse--;
        const err = Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 });
        return callback(err);
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const { headers, text } = mailText(Buffer.concat(chunks).toString('utf8'));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), key: headers.get('x-reminder-key') ?? '', messageId: headers.get('message-id') ?? '', text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    refuseNext(n) {
      refuse = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** DingTalk's documented check: sign = base64(HMAC-SHA256(key = secret, data = timestamp + "\n" + secret)). */
export function dingtalkSignatureValid(query: URLSearchParams, secret: string, nowMs: number): boolean {
  const ts = query.get('timestamp');
  const sign = query.get('sign');
  if (!ts || !sign || !/^\d{13}$/.test(ts)) return false;
  if (Math.abs(Number(ts) - nowMs) > 3600_000) return false;
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(Buffer.from(`${ts}\n${secret}`, 'utf8'));
  const expected = mac.digest();
  const given = Buffer.from(sign, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface RobotReceiver {
  readonly url: string;
  readonly received: ReceivedRobot[];
  /** The next N posts are answered 500. */
  failNext(n: number): void;
  /** Every post is answered 500 from now on (or not). */
  failAlways(on: boolean): void;
  /** The next N posts are recorded as received and never answered (the sender cannot tell whether they arrived). */
  swallowNext(n: number): void;
  close(): Promise<void>;
}

export async function startRobotReceiver(dingtalkSecret: string, now: () => number): Promise<RobotReceiver> {
  const received: ReceivedRobot[] = [];
  let fail = 0;
  let always = false;
  let swallow = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (always || fail > 0) {
        if (fail > 0) fail--;
        return answer(500, { errcode: -1, errmsg: 'system busy' });
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return answer(400, { errcode: 40035, errmsg: 'invalid json' });
      }
      const robot = u.pathname.startsWith('/dingtalk') ? 'dingtalk' : 'wecom';
      const key = String(req.headers['x-reminder-key'] ?? '');
      if (swallow > 0) {
        swallow--;
        received.push({ robot, key, body, signatureValid: robot === 'dingtalk' ? dingtalkSignatureValid(u.searchParams, dingtalkSecret, now()) : null, query: u.searchParams });
        return; // no answer: the request times out on the sender's side
      }
      if (robot === 'dingtalk') {
        const valid = dingtalkSignatureValid(u.searchParams, dingtalkSecret, now());
        received.push({ robot, key, body, signatureValid: valid, query: u.searchParams });
        if (!valid) return answer(200, { errcode: 310000, errmsg: 'sign not match' });
        return answer(200, { errcode: 0, errmsg: 'ok' });
      }
      received.push({ robot, key, body, signatureValid: null, query: u.searchParams });
      return answer(200, { errcode: 0, errmsg: 'ok' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext(n) {
      fail = n;
    },
    failAlways(on) {
      always = on;
    },
    swallowNext(n) {
      swallow = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
