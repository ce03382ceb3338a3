/** The word lists live in shared/scoring (pure code the renderer may import too); re-exported for the scorer. */
export * from '../../../shared/scoring/lexicon';
