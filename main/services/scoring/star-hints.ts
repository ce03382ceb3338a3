/** STAR hints live in shared/scoring (the renderer computes them while the candidate types); re-exported here. */
export * from '../../../shared/scoring/star-hints';
