/**
 * Blind review: the payload a reviewer receives when reviewing blind carries no name, no photo or
 * recording, no invite code and no kiosk or session id; only the opaque review id, the question,
 * the answer's words and the scorer's levels. Applied on the server before anything is sent.
 */
export interface ReviewDetail {
  readonly reviewId: string;
  readonly blind: boolean;
  readonly questionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly reason: string;
  readonly band: string | null;
  readonly total: number | null;
  readonly status: string | null;
  readonly answerText: string | null;
  readonly competencies: readonly unknown[];
  readonly reasons: readonly unknown[];
  readonly decisions: readonly unknown[];
  readonly secondRequests: number;
  readonly candidate?: { readonly name: string | null; readonly inviteCode: string; readonly candidateRef: string | null } | undefined;
  readonly source?: { readonly kioskId: string; readonly sessionId: string } | undefined;
  readonly media?: readonly { readonly key: string; readonly segment: number; readonly seq: number; readonly mimeType: string | null; readonly size: number | null }[] | undefined;
  readonly mediaWithheld?: boolean;
}

/** Keys that identify a person; removed from any nested object too (a decision's reviewer is kept). */
const IDENTIFYING = new Set(['candidate', 'source', 'media', 'candidateName', 'candidate_name', 'name', 'photo', 'photoKey', 'inviteCode', 'invite_code', 'candidateRef', 'candidate_ref', 'kioskId', 'kiosk_id', 'sessionId', 'session_id', 'email', 'phone']);

function scrub(v: unknown, depth = 0): unknown {
  if (depth > 12) return null;
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!IDENTIFYING.has(k)) out[k] = scrub(x, depth + 1);
    return out;
  }
  return v;
}

export function redactForBlind(d: ReviewDetail): ReviewDetail {
  const scrubbed = scrub({ ...d, candidate: undefined, source: undefined, media: undefined }) as ReviewDetail;
  return { ...scrubbed, blind: true, mediaWithheld: (d.media?.length ?? 0) > 0 || d.mediaWithheld === true };
}
