export declare const HASH_LIST_FILE: string;
export declare function listFiles(dir: string, rel?: string): string[];
export declare function canonicalHashList(files: ReadonlyArray<{ path: string; size: number; sha256: string }>): string;
export declare function writeSignedHashList(unpackedDir: string, privateKeyPem: string, outFile: string): number;
