import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readTestEnvironment } from '@extplat/testing';
import pg from 'pg';
import { type ApiHarness, type ApiResponse, makeBundle, MIB, startApiProcess, uploadViaProxy } from '../api-harness.js';
import { assertNothingLost, privatePostgres, type PrivatePostgres, tcpProxy, type TcpProxy } from './fault-harness.js';

const finalize = (api: ApiHarness, uploadId: string, signature: string) =>
  api.request<{ error: { code: string }; created: boolean; version: { contentHash: string } }>(
    'POST',
    '/api/ext-bundles/finalize',
    {
      json: { uploadId, signature },
    },
  );

function expectRetryLater(response: ApiResponse<{ error: { code: string } }>): void {
  expect({
    status: response.status,
    code: response.body.error?.code,
    retryAfter: response.headers.get('retry-after'),
  }).toEqual({
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    retryAfter: '5',
  });
}

async function versionHashes(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ content_hash: string }>('SELECT content_hash FROM extension_versions');
    return rows.map((row) => row.content_hash);
  } finally {
    await client.end();
  }
}

describe('finalize while the S3 server stops (a proxy this test cuts, in front of the shared server)', () => {
  let proxy: TcpProxy;
  let api: ApiHarness;

  beforeAll(async () => {
    proxy = await tcpProxy(readTestEnvironment().s3.endpoint);
    // No local copy of proxied parts: finalize reads the bundle back from S3 (as for presigned uploads), the
    // stream the second test cuts.
    api = await startApiProcess({ env: { STORAGE_S3_ENDPOINT: proxy.url, UPLOAD_SPOOL_MAX_BYTES: '0' } });
  });

  afterAll(async () => {
    proxy?.restore();
    await api?.close();
    await proxy?.close();
  });

  it('answers 503 with Retry-After when S3 is down, keeps the upload, and finalizes once it is back', async () => {
    const bundle = makeBundle({ manifest: { name: 'com.example.s3-down', version: '1.0.0' }, payloadBytes: MIB });
    const { uploadId } = await uploadViaProxy(api, bundle);
    proxy.cut();
    try {
      expectRetryLater(await finalize(api, uploadId, bundle.signature));
    } finally {
      proxy.restore();
    }
    const done = await finalize(api, uploadId, bundle.signature);
    expect([done.status, done.body.created]).toEqual([200, true]);
    expect(done.body.version.contentHash).toBe(bundle.contentHash);
    await assertNothingLost(await versionHashes(api.database.url), api.bucket!);
  });

  it('answers 503 when S3 goes away while finalize streams the bundle, and finalizes once it is back', async () => {
    const bundle = makeBundle({ manifest: { name: 'com.example.s3-cut', version: '1.0.0' }, payloadBytes: 8 * MIB });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const cut = proxy.cutAfter(2 * MIB);
    try {
      const failed = await finalize(api, uploadId, bundle.signature);
      await cut;
      expectRetryLater(failed);
    } finally {
      proxy.restore();
    }
    const done = await finalize(api, uploadId, bundle.signature);
    expect([done.status, done.body.created]).toEqual([200, true]);
    await assertNothingLost(await versionHashes(api.database.url), api.bucket!);
  });
});

describe('finalize from the local copy of a proxy upload while the S3 server stops', () => {
  let proxy: TcpProxy;
  let api: Awaited<ReturnType<typeof startApiProcess>>;

  beforeAll(async () => {
    proxy = await tcpProxy(readTestEnvironment().s3.endpoint);
    api = await startApiProcess({ env: { STORAGE_S3_ENDPOINT: proxy.url } });
  });

  afterAll(async () => {
    proxy?.restore();
    await api?.close();
    await proxy?.close();
  });

  it('answers 503 when S3 is down after the parts, keeps the upload and its copy, and finalizes once it is back', async () => {
    const bundle = makeBundle({
      manifest: { name: 'com.example.spool-s3-down', version: '1.0.0' },
      payloadBytes: 6 * MIB,
    });
    const { uploadId } = await uploadViaProxy(api, bundle);
    proxy.cut();
    try {
      expectRetryLater(await finalize(api, uploadId, bundle.signature));
    } finally {
      proxy.restore();
    }
    const done = await finalize(api, uploadId, bundle.signature);
    expect([done.status, done.body.created]).toEqual([200, true]);
    expect(done.body.version.contentHash).toBe(bundle.contentHash);
    const verified = api.process.logs.filter((entry) => entry['event'] === 'upload.verify');
    expect(verified.map((entry) => entry['source'])).toEqual(['spool']);
    await assertNothingLost(await versionHashes(api.database.url), api.bucket!);
  });
});

describe('finalize while PostgreSQL restarts (a private server)', () => {
  let database: PrivatePostgres;
  let api: ApiHarness;

  beforeAll(async () => {
    database = await privatePostgres();
    api = await startApiProcess({ env: { DATABASE_URL: database.url, DATABASE_MIGRATIONS_RUN: 'true' } });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await database?.close();
  });

  it('answers 503 with Retry-After while PostgreSQL is down and finalizes after it restarts, without an API restart', async () => {
    const bundle = makeBundle({ manifest: { name: 'com.example.pg-down', version: '1.0.0' }, payloadBytes: MIB });
    const { uploadId } = await uploadViaProxy(api, bundle);
    await database.stop();
    try {
      expectRetryLater(await finalize(api, uploadId, bundle.signature));
    } finally {
      await database.start();
    }
    const done = await finalize(api, uploadId, bundle.signature);
    expect([done.status, done.body.created]).toEqual([200, true]);
    await assertNothingLost(await versionHashes(database.url), api.bucket!);
  });

  it('leaves no version without its objects when PostgreSQL restarts in the middle of finalize', async () => {
    const bundle = makeBundle({
      manifest: { name: 'com.example.pg-restart', version: '1.0.0' },
      payloadBytes: 8 * MIB,
    });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const first = finalize(api, uploadId, bundle.signature);
    await database.stop();
    await database.start();
    const answered = await first;
    if (answered.status !== 200) expectRetryLater(answered);
    const done = answered.status === 200 ? answered : await finalize(api, uploadId, bundle.signature);
    expect([done.status, done.body.created]).toEqual([200, true]);
    await assertNothingLost(await versionHashes(database.url), api.bucket!);
  });
});
