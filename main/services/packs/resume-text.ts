/**
 * Text out of a résumé: plain text, PDF (pdfjs-dist, Mozilla's PDF engine) or DOCX (mammoth).
 * The file decides its type by its first bytes, not by the media type it was labelled with. A
 * hostile or broken file yields a refusal value, never an exception, and parsing is bounded in
 * size, pages and time. Résumé text is personal data: it is never logged.
 */
import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../../common/result';
import type { ResumeDocument } from './pack-provider';

export const MAX_RESUME_BYTES = 10 * 1024 * 1024;
export const MAX_RESUME_CHARS = 100_000;
const MAX_PDF_PAGES = 20;
const PARSE_TIMEOUT_MS = 15_000;

export type ResumeKind = 'text' | 'pdf' | 'docx';

export interface ResumeText {
  readonly kind: ResumeKind;
  readonly text: string;
  readonly sha256: string;
}

export function sniffResume(data: Uint8Array): ResumeKind {
  if (data.length >= 5 && Buffer.from(data.subarray(0, 5)).toString('latin1') === '%PDF-') return 'pdf';
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) return 'docx';
  return 'text';
}

// Loaded on first use: they are large and only needed at check-in. The specifiers are variables
// so bundlers keep them as runtime imports (pdfjs is an ES module with top-level await).
const PDFJS = 'pdfjs-dist/legacy/build/pdf.mjs';
const MAMMOTH = 'mammoth';

async function pdfText(data: Uint8Array): Promise<string> {
  const pdfjs = (await import(PDFJS)) as typeof import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdfjs takes ownership of (detaches) the buffer it is given: hand it a copy.
  const task = pdfjs.getDocument({ data: new Uint8Array(data), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false });
  try {
    const doc = await task.promise;
    const parts: string[] = [];
    for (let n = 1; n <= Math.min(doc.numPages, MAX_PDF_PAGES); n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if ('str' in item) parts.push(item.str, item.hasEOL ? '\n' : '');
      }
      parts.push('\n');
      page.cleanup();
    }
    return parts.join('');
  } finally {
    await task.destroy();
  }
}

async function docxText(data: Uint8Array): Promise<string> {
  const mammoth = (await import(MAMMOTH)) as typeof import('mammoth');
  const lib = (mammoth as unknown as { default?: typeof import('mammoth') }).default ?? mammoth;
  const r = await lib.extractRawText({ buffer: Buffer.from(data) });
  return r.value;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parsing took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Normalises what the extractors return: NFKC (full-width letters → ASCII), no NULs, bounded. */
function tidy(s: string): string {
  return s
    .replace(/^\uFEFF/, '')
    .normalize('NFKC')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ')
    .slice(0, MAX_RESUME_CHARS);
}

export async function extractResumeText(doc: ResumeDocument): Promise<Result<ResumeText>> {
  if (doc.data.byteLength === 0) return err('RESUME_UNREADABLE', 'the résumé is empty');
  if (doc.data.byteLength > MAX_RESUME_BYTES) return err('RESUME_UNREADABLE', `the résumé is larger than ${MAX_RESUME_BYTES} bytes`);
  const kind = sniffResume(doc.data);
  const sha256 = createHash('sha256').update(doc.data).digest('hex');
  try {
    let text: string;
    switch (kind) {
      case 'pdf':
        text = await withTimeout(pdfText(doc.data), PARSE_TIMEOUT_MS);
        break;
      case 'docx':
        text = await withTimeout(docxText(doc.data), PARSE_TIMEOUT_MS);
        break;
      case 'text':
        text = new TextDecoder('utf-8', { fatal: false }).decode(doc.data);
        break;
    }
    const tidied = tidy(text);
    if (tidied.trim().length === 0) return err('RESUME_UNREADABLE', `the ${kind} résumé contains no text (a scanned image?)`);
    return ok({ kind, text: tidied, sha256 });
  } catch (e) {
    return err('RESUME_UNREADABLE', `the ${kind} résumé could not be read: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`);
  }
}
