/**
 * A review's recording, pure parts (#14): a segment is the concatenation of its chunks in
 * sequence order; which bytes of which chunks a Range request covers; the media type a browser
 * is told. The route (server/routes.ts) reads and verifies the chunks.
 */
export interface RecordingChunk {
  readonly key: string;
  readonly seq: number;
  readonly size: number;
  readonly sha256: string;
  readonly storageKey: string;
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range over `total` bytes (inclusive ends). */
export type ByteRange = { readonly start: number; readonly end: number };

/**
 * null: no Range header (or one this server does not honour, like several ranges: the whole file
 * is then sent, which RFC 9110 allows); 'unsatisfiable': a range outside the file (416).
 */
export function parseByteRange(header: string | undefined, total: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (total === 0) return 'unsatisfiable';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, total - n), end: total - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? total - 1 : Math.min(Number(m[2]), total - 1);
  if (start >= total || end < start) return 'unsatisfiable';
  return { start, end };
}

/** For each chunk the range touches: its index and the slice [from, to) of its bytes. */
export function planRecording(sizes: readonly number[], range: ByteRange): Array<{ index: number; from: number; to: number }> {
  const out: Array<{ index: number; from: number; to: number }> = [];
  let offset = 0;
  sizes.forEach((size, index) => {
    const lo = Math.max(range.start, offset);
    const hi = Math.min(range.end + 1, offset + size);
    if (hi > lo) out.push({ index, from: lo - offset, to: hi - offset });
    offset += size;
  });
  return out;
}

const MIME = /^(audio|video)\/(webm|ogg|mp4|mpeg|wav)(;[ a-z0-9=.,"-]{0,100})?$/i;

/** The chunk's recorded media type if it is a plain audio/video type, else a safe default. */
export function recordingMime(mime: string | null, mode: 'audio' | 'video' | null): string {
  if (mime && MIME.test(mime)) return mime.replace(/"/g, '');
  return mode === 'audio' ? 'audio/webm' : 'video/webm';
}
