import { describe, expect, it } from 'vitest';
import { AnswerMode, DeviceState, ExitReason, InviteCode, Locale, SessionState, TimerMode, Timestamp } from '../../../preload/contract/common';
import { errorCodes, packErrorCodes } from '../../../preload/contract/errors';
import { AppendChunkRequest, CheckInRequest, ExitConfirmRequest, MAX_CHUNK_BYTES, MAX_EXIT_TEXT_CHARS, ResumeRequest } from '../../../preload/contract/session';

const sessionId = '7f9c24e8-3b12-4fef-91e6-5b3b1f1a2c3d';
const accepts = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('the contract accepts exactly its documented values', () => {
  it('enumerates states, reasons, modes, locales and device states as the README does', () => {
    const cases: Array<[{ options: readonly string[]; safeParse(v: unknown): { success: boolean } }, string[]]> = [
      [SessionState, ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted', 'completed', 'exited', 'expired', 'no_show']],
      [ExitReason, ['network', 'device', 'time', 'personal', 'question_content', 'privacy', 'gave_up', 'other']],
      [AnswerMode, ['video', 'audio', 'text']],
      [TimerMode, ['paused', 'wallclock']],
      [Locale, ['zh-CN', 'en']],
      [DeviceState, ['ok', 'missing', 'denied', 'lost', 'unknown']],
    ];
    for (const [schema, values] of cases) {
      expect([...schema.options]).toEqual(values);
      for (const v of values) expect(accepts(schema, v), v).toBe(true);
      expect(accepts(schema, '')).toBe(false);
      expect(accepts(schema, 'Stryker was here!')).toBe(false);
    }
  });

  it('normalises invite codes and refuses anything but letters, digits and dashes', () => {
    expect(InviteCode.parse('  demo-2026 ')).toBe('DEMO-2026');
    expect(InviteCode.parse('abcd')).toBe('ABCD');
    // Separators a person types (spaces, leading or doubled dashes) normalise to single dashes.
    expect(InviteCode.parse('-ABCD')).toBe('ABCD');
    expect(InviteCode.parse('AB CD')).toBe('AB-CD');
    for (const bad of ['abc', 'ABCD!', 'ÄBCD', 'A'.repeat(33), '']) expect(accepts(InviteCode, bad), bad).toBe(false);
    expect(accepts(InviteCode, 'A'.repeat(32))).toBe(true);
    // Check-in carries the code as typed: the invite gate normalises it and counts malformed codes.
    expect(CheckInRequest.parse({ inviteCode: 'demo-2026', locale: 'zh-CN', unlockCode: ' ab12 ' })).toEqual({ inviteCode: 'demo-2026', locale: 'zh-CN', unlockCode: 'ab12' });
    expect(accepts(CheckInRequest, { inviteCode: '', locale: 'en' })).toBe(false);
    expect(accepts(CheckInRequest, { inviteCode: 'DEMO-2026', locale: 'en', unlockCode: ' abc ' })).toBe(false);
  });

  it('requires a few words when the exit reason is "other", and bounds the text', () => {
    expect(accepts(ExitConfirmRequest, { sessionId, reason: 'other' })).toBe(false);
    expect(accepts(ExitConfirmRequest, { sessionId, reason: 'other', text: '   ' })).toBe(false);
    const missing = ExitConfirmRequest.safeParse({ sessionId, reason: 'other', text: '' });
    expect(missing.success).toBe(false);
    if (!missing.success) expect(missing.error.issues[0]).toMatchObject({ path: ['text'], message: 'a reason of "other" needs a few words' });
    expect(ExitConfirmRequest.parse({ sessionId, reason: 'other', text: ' 家里停电 ' })).toEqual({ sessionId, reason: 'other', text: '家里停电' });
    expect(accepts(ExitConfirmRequest, { sessionId, reason: 'network' })).toBe(true);
    expect(accepts(ExitConfirmRequest, { sessionId, reason: 'network', text: 'x'.repeat(MAX_EXIT_TEXT_CHARS) })).toBe(true);
    expect(accepts(ExitConfirmRequest, { sessionId, reason: 'network', text: 'x'.repeat(MAX_EXIT_TEXT_CHARS + 1) })).toBe(false);
    expect(accepts(ExitConfirmRequest, { sessionId: 'nope', reason: 'network' })).toBe(false);
  });

  it('takes resume codes as people type them', () => {
    expect(ResumeRequest.parse({ inviteCode: 'demo-2026', resumeCode: ' abcde-fghjk ' })).toEqual({ inviteCode: 'DEMO-2026', resumeCode: 'ABCDEFGHJK' });
    expect(ResumeRequest.parse({ inviteCode: 'DEMO-2026' })).toEqual({ inviteCode: 'DEMO-2026' });
    // A hub-issued proctor token is 125 characters, 149 in groups of five: up to 200 are taken.
    expect(accepts(ResumeRequest, { inviteCode: 'DEMO-2026', resumeCode: 'x'.repeat(200) })).toBe(true);
    expect(accepts(ResumeRequest, { inviteCode: 'DEMO-2026', resumeCode: 'x'.repeat(201) })).toBe(false);
  });

  it('accepts media chunks of 1..MAX bytes with a video or audio type only', () => {
    const chunk = (over: Record<string, unknown>) => ({ sessionId, questionIndex: 0, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: new Uint8Array(1), ...over });
    expect(accepts(AppendChunkRequest, chunk({}))).toBe(true);
    expect(accepts(AppendChunkRequest, chunk({ mimeType: 'audio/webm;codecs=opus' }))).toBe(true);
    expect(accepts(AppendChunkRequest, chunk({ mimeType: 'video/webm;codecs="vp8, opus"' }))).toBe(true);
    for (const mimeType of ['text/html', 'video/', 'xvideo/webm', 'video/webm<script>', 'image/png', '']) expect(accepts(AppendChunkRequest, chunk({ mimeType })), mimeType).toBe(false);
    expect(accepts(AppendChunkRequest, chunk({ data: new Uint8Array(0) }))).toBe(false);
    expect(accepts(AppendChunkRequest, chunk({ data: new Uint8Array(MAX_CHUNK_BYTES) }))).toBe(true);
    expect(accepts(AppendChunkRequest, chunk({ data: new Uint8Array(MAX_CHUNK_BYTES + 1) }))).toBe(false);
    expect(accepts(AppendChunkRequest, chunk({ data: [1] }))).toBe(false);
    expect(accepts(AppendChunkRequest, chunk({ seq: -1 }))).toBe(false);
    expect(accepts(AppendChunkRequest, chunk({ attempt: 0.5 }))).toBe(false);
  });

  it('has timestamps as non-negative integers and unique error codes, pack codes included', () => {
    expect(accepts(Timestamp, 0)).toBe(true);
    expect(accepts(Timestamp, -1)).toBe(false);
    expect(accepts(Timestamp, 1.5)).toBe(false);
    expect(new Set(errorCodes).size).toBe(errorCodes.length);
    for (const c of packErrorCodes) expect(errorCodes).toContain(c);
    for (const c of ['INVALID_INPUT', 'STORAGE_FULL', 'RESUME_CODE_REQUIRED', 'JOURNAL_WRITE_FAILED']) expect(errorCodes).toContain(c);
  });
});
