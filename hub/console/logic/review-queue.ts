/**
 * The review queue's rules, pure: which synced scores need a person, how many reviews each one
 * needs (one, plus one per second-review request), and the order a reviewer sees them in.
 */
export type ReviewReason = 'needs_human_scoring' | 'borderline' | 'second_review';

export const REVIEW_REASON_CODES = [
  'evidence_missed',
  'evidence_overcredited',
  'transcript_error',
  'language_accommodation',
  'rubric_gap',
  'human_scoring_required',
] as const;
export type ReviewReasonCode = (typeof REVIEW_REASON_CODES)[number];

/** Why a synced score needs a person, or null when it does not. */
export function reviewReasonOf(score: { readonly status?: unknown; readonly band?: unknown; readonly needsReview?: unknown }): Exclude<ReviewReason, 'second_review'> | null {
  if (score.status === 'needs_human_scoring' || score.needsReview === true) return 'needs_human_scoring';
  if (score.band === 'borderline') return 'borderline';
  return null;
}

export interface QueueEntry {
  readonly reviewId: string;
  readonly reason: Exclude<ReviewReason, 'second_review'>;
  /** Epoch ms the score reached the hub. */
  readonly receivedAt: number;
  /** Reviews recorded so far. */
  readonly decisions: number;
  /** Second reviews requested so far. */
  readonly secondRequests: number;
}

export interface QueuedReview extends QueueEntry {
  readonly needed: number;
  readonly open: boolean;
  /** What the reviewer is asked for now. */
  readonly now: ReviewReason | 'done';
}

export function reviewStatus(e: QueueEntry): QueuedReview {
  const needed = 1 + Math.max(0, e.secondRequests);
  const open = e.decisions < needed;
  return { ...e, needed, open, now: !open ? 'done' : e.decisions >= 1 ? 'second_review' : e.reason };
}

/**
 * Open items first; among them a requested second review, then answers no machine could score,
 * then borderline ones; oldest first within each; done items last, newest first. Ties by id, so
 * the order is total and stable across calls.
 */
export function orderQueue(entries: readonly QueueEntry[]): QueuedReview[] {
  const rank = (q: QueuedReview): number => (q.now === 'second_review' ? 0 : q.now === 'needs_human_scoring' ? 1 : q.now === 'borderline' ? 2 : 3);
  return entries
    .map(reviewStatus)
    .sort((a, b) => {
      const r = rank(a) - rank(b);
      if (r !== 0) return r;
      const t = a.open ? a.receivedAt - b.receivedAt : b.receivedAt - a.receivedAt;
      if (t !== 0) return t;
      return a.reviewId < b.reviewId ? -1 : a.reviewId > b.reviewId ? 1 : 0;
    });
}
