import { describe, expect, it } from 'vitest';
import { parseFrame, requestPath } from '../../../main/dev/web-host';
import { decodeWire, encodeWire, jsonDepth, MAX_WIRE_DEPTH } from '../../../main/ipc/wire';

describe('wire decoding of hostile frames', () => {
  it('round-trips bytes and refuses nesting deeper than the limit before parsing', () => {
    const v = decodeWire(encodeWire({ data: new Uint8Array([1, 2, 3]) })) as { data: Uint8Array };
    expect([...v.data]).toEqual([1, 2, 3]);
    expect(jsonDepth('{"a":"[[[[","b":[[1]]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(() => decodeWire('['.repeat(MAX_WIRE_DEPTH + 1) + ']'.repeat(MAX_WIRE_DEPTH + 1))).toThrow(/nested/);
    expect(() => decodeWire('['.repeat(MAX_WIRE_DEPTH) + ']'.repeat(MAX_WIRE_DEPTH))).not.toThrow();
  });

  it('leaves a $bytes that is not canonical base64 as a plain object for the contract to refuse', () => {
    expect(decodeWire('{"$bytes":"<script>"}')).toEqual({ $bytes: '<script>' });
    expect(decodeWire('{"$bytes":"AAE="}')).toEqual(new Uint8Array([0, 1]));
  });

  it('accepts only frames with a non-negative integer id', () => {
    expect(parseFrame(Buffer.from('{"id":3,"channel":"kiosk:x:y","payload":{}}'), false)).toMatchObject({ ok: true, id: 3 });
    for (const bad of ['{not json', 'null', '[]', '{"id":-1}', '{"id":1.5}', '{"id":"1"}', '{"channel":"x"}']) {
      expect(parseFrame(Buffer.from(bad), false).ok, bad).toBe(false);
    }
    expect(parseFrame(Buffer.from('{"id":1}'), true)).toEqual({ ok: false, reason: 'binary frame' });
  });

  it('decodes request paths and answers null for bad escapes and NUL bytes', () => {
    expect(requestPath('/assets/a%20b.js')).toBe('/assets/a b.js');
    expect(requestPath('/%E0%A4%A')).toBeNull();
    expect(requestPath('/%ZZ')).toBeNull();
    expect(requestPath('/%00.html')).toBeNull();
    expect(requestPath(undefined)).toBe('/');
  });
});
