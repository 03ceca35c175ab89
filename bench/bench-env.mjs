// What the benches that need real services share: a fresh database on the local PostgreSQL and a fresh
// bucket on the local S3 server (scripts/s3-rgw.sh start), named after the run, and their clean-up.
// The same TEST_* variables as the test harness point them elsewhere.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';

export async function benchServices() {
  const s3 = {
    endpoint: process.env.TEST_S3_ENDPOINT ?? 'http://127.0.0.1:7480',
    accessKeyId: process.env.TEST_S3_ACCESS_KEY ?? 'extplat-test',
    secretAccessKey: process.env.TEST_S3_SECRET_KEY ?? 'extplat-test-secret',
  };
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const run = Date.now().toString(36);
  const database = `extplat_bench_${run}`;
  const bucket = `extplat-bench-${run}`;
  // A connection per statement: an admin connection held idle for a whole bench can be cut by the server
  // (other work on a shared machine terminates backends), and its error would end the bench.
  async function asAdmin(sql) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  }
  await asAdmin(`CREATE DATABASE ${database}`);
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;

  // The local S3 server keeps objects in memory: benches give the space back as they go.
  async function emptyBucket() {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      if (!page.Contents?.length) break;
      for (const object of page.Contents) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      }
    }
  }

  return {
    run,
    client,
    bucket,
    databaseUrl: databaseUrl.toString(),
    /** The STORAGE_* and DATABASE_URL settings of a server on these services. */
    env: {
      DATABASE_URL: databaseUrl.toString(),
      STORAGE_DRIVER: 's3',
      STORAGE_S3_ENDPOINT: s3.endpoint,
      STORAGE_S3_BUCKET: bucket,
      STORAGE_S3_ACCESS_KEY: s3.accessKeyId,
      STORAGE_S3_SECRET_KEY: s3.secretAccessKey,
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
    },
    emptyBucket,
    async close() {
      await emptyBucket();
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      await asAdmin(`DROP DATABASE ${database} WITH (FORCE)`);
    },
  };
}
