/**
 * How an invite code typed by a candidate becomes the code on their invitation. Pure and
 * dependency-free: the contract, the invite gate in main and the renderer's hint share it.
 *
 * A Chinese IME types full-width letters and dashes (`ＤＥＭＯ－２０２６`); people type spaces,
 * long dashes or dots where the invitation shows a dash (`demo 2026`, `DEMO—2026`, `demo.2026`).
 * NFKC folds the full-width forms, every run of separators becomes one dash, case is folded.
 */

/** The longest raw input looked at; anything longer is refused before any work is done on it. */
export const MAX_RAW_INVITE_CHARS = 64;

/** A normalised invite code: letters, digits and single dashes, 4–32 characters. */
export const INVITE_CODE_PATTERN = /^[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,31}$/;

// Invisible characters a paste or an IME can leave behind: removed, never turned into a dash.
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
// Whitespace, every dash and hyphen (Unicode Pd), the prolonged-sound mark an IME gives for "-",
// dots, underscores, slashes, commas and the ideographic punctuation that sits between groups.
const SEPARATORS = /[\s\p{Pd}\u2212\u30FC\uFF70._/\\,:;|·・\u3001\u3002\uFF0C\uFF0E\uFF61\uFF64]+/gu;

export function normalizeInviteCode(raw: string): string {
  return raw
    .slice(0, MAX_RAW_INVITE_CHARS)
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .toUpperCase()
    // Upper-casing can decompose (ῒ → Ϊ̀): fold again so normalising twice changes nothing.
    .normalize('NFKC')
    .replace(SEPARATORS, '-')
    .replace(/^-+|-+$/g, '');
}

export function isInviteCode(code: string): boolean {
  return INVITE_CODE_PATTERN.test(code);
}
