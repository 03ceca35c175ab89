import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { readTestEnvironment, type S3Connection } from './environment.js';

export interface TestBucket {
  name: string;
  s3: S3Connection;
  destroy(): Promise<void>;
}

export function s3ClientFor(connection: S3Connection): S3Client {
  return new S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    forcePathStyle: connection.forcePathStyle,
    credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A new, empty bucket on the run's real S3 server; `destroy` empties and removes it. */
export async function createTestBucket(): Promise<TestBucket> {
  const env = readTestEnvironment();
  const name = `extplat-t-${env.runId}-${randomBytes(4).toString('hex')}`.toLowerCase();
  const client = s3ClientFor(env.s3);
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return {
    name,
    s3: env.s3,
    destroy: async () => {
      try {
        await emptyBucket(client, name);
        await client.send(new DeleteBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
  };
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const upload of uploads.Uploads ?? []) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
      );
    }
    if (!uploads.IsTruncated) break;
  }
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = page.Contents ?? [];
    if (objects.length === 0) break;
    // One by one: keeps clean-up independent of how each S3 server wants DeleteObjects' body checksummed.
    for (const object of objects) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
  }
}

/** The STORAGE_* environment of a server that keeps its bundles in `bucket`. */
export function s3StorageEnv(bucket: TestBucket): Record<string, string> {
  return {
    STORAGE_DRIVER: 's3',
    STORAGE_S3_ENDPOINT: bucket.s3.endpoint,
    STORAGE_S3_REGION: bucket.s3.region,
    STORAGE_S3_BUCKET: bucket.name,
    STORAGE_S3_ACCESS_KEY: bucket.s3.accessKeyId,
    STORAGE_S3_SECRET_KEY: bucket.s3.secretAccessKey,
    STORAGE_S3_FORCE_PATH_STYLE: 'true',
  };
}
