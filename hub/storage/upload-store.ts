/**
 * Object storage for media and reports. Resumable uploads (tus) are received into a local
 * FileStore; once an upload is complete and its hash verified, `finalize` makes it an object:
 * on the file system it stays where tus wrote it, on S3 it is put into the bucket through the
 * AWS SDK and the staged copy removed.
 *
 * Why not @tus/s3-store directly: it computes every offset with ListParts, which the S3 server we
 * can run in tests (s3rver) answers with 405, so that path could not be tested here. Staging
 * locally keeps one tested path; the cost is local disk for uploads in flight.
 */
import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export type UploadStoreConfig =
  | { readonly kind: 'fs'; readonly directory: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly endpoint?: string | undefined;
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly forcePathStyle?: boolean;
    };

export interface UploadStore {
  readonly kind: UploadStoreConfig['kind'];
  /** Where tus writes uploads in flight. */
  readonly datastore: DataStore;
  /** A staged (complete) upload's bytes. */
  readStaged(uploadId: string): Promise<Readable>;
  /** Makes a verified upload an object; returns its location for `read`. */
  finalize(uploadId: string, objectKey: string, size: number): Promise<string>;
  read(location: string): Promise<Readable>;
}

export function createUploadStore(config: UploadStoreConfig, stagingDir?: string): UploadStore {
  switch (config.kind) {
    case 'fs': {
      mkdirSync(config.directory, { recursive: true });
      const store = new FileStore({ directory: config.directory });
      const read = (id: string) => Promise.resolve(store.read(id) as Readable);
      return { kind: 'fs', datastore: store, readStaged: read, finalize: (id) => Promise.resolve(id), read };
    }
    case 's3': {
      const dir = stagingDir ?? join(tmpdir(), 'hub-tus-staging');
      mkdirSync(dir, { recursive: true });
      const staging = new FileStore({ directory: dir });
      const client = new S3Client({
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        forcePathStyle: config.forcePathStyle ?? true,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
        // The SDK's default streams bodies aws-chunked with a trailing checksum; S3-compatible
        // servers that do not decode it (s3rver, older MinIO) store the framing as the object.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return {
        kind: 's3',
        datastore: staging,
        readStaged: (id) => Promise.resolve(staging.read(id) as Readable),
        async finalize(id, objectKey, size) {
          await client.send(new PutObjectCommand({ Bucket: config.bucket, Key: objectKey, Body: staging.read(id), ContentLength: size }));
          await staging.remove(id).catch(() => undefined);
          return objectKey;
        },
        async read(location) {
          const out = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: location }));
          return out.Body as Readable;
        },
      };
    }
    default: {
      const never: never = config;
      throw new Error(`unknown upload store ${String(never)}`);
    }
  }
}

/** From the environment: HUB_S3_BUCKET (+ HUB_S3_ENDPOINT, region, keys) selects S3; else files. */
export function uploadStoreFromEnv(env: NodeJS.ProcessEnv, defaultDir: string): UploadStoreConfig {
  if (env.HUB_S3_BUCKET) {
    return {
      kind: 's3',
      bucket: env.HUB_S3_BUCKET,
      endpoint: env.HUB_S3_ENDPOINT,
      region: env.HUB_S3_REGION ?? 'us-east-1',
      accessKeyId: env.HUB_S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.HUB_S3_SECRET_ACCESS_KEY ?? '',
    };
  }
  return { kind: 'fs', directory: env.HUB_UPLOAD_DIR ?? defaultDir };
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
