/**
 * Text out of a résumé: plain text, PDF (pdfjs-dist, Mozilla's PDF engine) or DOCX (mammoth).
 * The file decides its type by its first bytes, not by the media type it was labelled with. A
 * hostile or broken file yields a refusal value, never an exception. Every kind is read in a child
 * process with a memory cap, a hard kill on timeout and decompressed-size checks before anything
 * is inflated (resume-parser.ts). Résumé text is personal data: it is never logged.
 */
import { err, ok, type Result } from '../../common/result';
import type { ResumeDocument } from './pack-provider';
import { RESUME_LIMITS, sharedResumeParser, type ResumeDocumentParser } from './resume-parser';

export const MAX_RESUME_BYTES = 10 * 1024 * 1024;
export const MAX_RESUME_CHARS = RESUME_LIMITS.maxChars;

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

/**
 * Every kind, plain text included, is decoded and tidied (NFKC, control characters, bounded) in
 * the parser's child process, and hashed in its worker: the kiosk's main loop only checks the size
 * and the first bytes.
 */
export async function extractResumeText(doc: ResumeDocument, parser: ResumeDocumentParser = sharedResumeParser()): Promise<Result<ResumeText>> {
  if (doc.data.byteLength === 0) return err('RESUME_UNREADABLE', 'the résumé is empty');
  if (doc.data.byteLength > MAX_RESUME_BYTES) return err('RESUME_UNREADABLE', `the résumé is larger than ${MAX_RESUME_BYTES} bytes`);
  const kind = sniffResume(doc.data);
  const parsed = await parser.parse(kind, doc.data);
  if (!parsed.ok) return err('RESUME_UNREADABLE', `the ${kind} résumé could not be read: ${parsed.reason}`);
  if (parsed.text.trim().length === 0) return err('RESUME_UNREADABLE', `the ${kind} résumé contains no text (a scanned image?)`);
  return ok({ kind, text: parsed.text, sha256: parsed.sha256 });
}
