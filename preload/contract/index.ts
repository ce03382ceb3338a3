export * from './errors';
export * from './common';
export * from './session';
export * from './assistance';
export * from './precheck';
export * from './channels';
export type * from './api';
export * from './page';
export * from './scoring';
export * from './vision';
// --- audio (issue #15) ---
export * from './audio';
// --- end audio ---
