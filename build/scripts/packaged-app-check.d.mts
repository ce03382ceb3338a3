import type { FuseV1Config } from '@electron/fuses';
export declare const HASH_LIST_FILE: string;
export declare const REQUIRED_IN_ASAR: readonly string[];
export declare const REQUIRED_UNPACKED: readonly string[];
export declare const FORBIDDEN: ReadonlyArray<{ re: RegExp; why: string }>;
export type CheckStatus = 'pass' | 'fail' | 'not_applicable';
export interface PackagedAppCheck {
  readonly name: 'fuses' | 'asar' | 'asar-integrity' | 'no-forbidden-files' | 'unpacked-files' | 'unpacked-integrity';
  readonly status: CheckStatus;
  readonly detail: string;
}
export interface PackagedAppReport {
  readonly ok: boolean;
  readonly platform: string;
  readonly checks: readonly PackagedAppCheck[];
}
export declare function layoutOf(appOutDir: string, platform: 'darwin' | 'win32' | 'linux', names: { productFilename: string; executableName: string }): { fuseTarget: string; resources: string; exe: string; plist?: string };
export declare function readAsarHeaderString(file: string): string;
export declare function asarEntries(headerString: string): Array<{ path: string; unpacked: boolean }>;
export declare function checkPackagedApp(o: {
  appOutDir: string;
  platform: 'darwin' | 'win32' | 'linux';
  productFilename: string;
  executableName: string;
  releasePublicKeyPem: string | undefined;
  fuses?: FuseV1Config;
}): Promise<PackagedAppReport>;
