import type { BabelLocation } from './sample';

export declare const NOT_SAMPLED: string;
export declare function ignoreReason(loc: BabelLocation | null | undefined, ranges: readonly BabelLocation[]): string | undefined;
export declare function fileFingerprint(fileNode: { end?: number | null; comments?: readonly { value: string }[] | null }): string;
export declare const strykerPlugins: readonly unknown[];
