export * from './errors';
export * from './common';
export * from './session';
export * from './channels';
export type * from './api';
