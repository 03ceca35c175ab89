import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runToExit, s3ClientFor, validEntries } from '@extplat/testing';
import pg from 'pg';
import { certificateFingerprint, createDevCa, issuePublisherCertificate } from '@extplat/signing';
import {
  type ApiHarness,
  makeBundle,
  MIB,
  newPrincipal,
  openMultipartUploads,
  putPresignedParts,
  startApi,
  storedKeys,
  testTrust,
  type TestBundle,
  uploadViaPresigned,
  uploadViaProxy,
} from './api-harness.js';

type Version = {
  version: string;
  contentHash: string;
  signatureStatus: string;
  endpoints: unknown[];
  uiEntry: string | null;
  runtime: string;
  publishedBy: string;
};
type Finalized = { created: boolean; version: Version };
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

async function finalize(
  api: ApiHarness,
  uploadId: string,
  signature?: string,
  extra: Record<string, unknown> = {},
  token?: string,
) {
  return api.request<Finalized & ErrorBody>('POST', '/api/ext-bundles/finalize', {
    token,
    json: { uploadId, ...(signature ? { signature } : {}), ...extra },
  });
}

async function count(api: ApiHarness, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: api.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

type Initiated = { uploadId: string; strategy: string; partSize: number; partCount: number };

async function initiateProxy(api: ApiHarness, size: number, token?: string) {
  const initiated = await api.request<Initiated>('POST', '/api/ext-bundles/initiate-upload', {
    token,
    json: { filename: 'bundle.tar.zst', size, preferredStrategy: 'proxy' },
  });
  expect(initiated.status).toBe(201);
  return initiated.body;
}

async function putPart(
  api: ApiHarness,
  uploadId: string,
  partNumber: number,
  body: Buffer | ReadableStream<Uint8Array>,
  token?: string,
) {
  return api.request<{ etag: string } & ErrorBody>(
    'PUT',
    `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=${partNumber}`,
    { token, body, headers: { 'content-type': 'application/octet-stream' } },
  );
}

/** A request body sent with chunked transfer encoding (no Content-Length), in chunks of 64 KiB. */
function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

function partOf(bundle: TestBundle, partSize: number, partNumber: number): Buffer {
  return bundle.bytes.subarray((partNumber - 1) * partSize, partNumber * partSize);
}

/** Every upload and finalize path, on each storage driver: what the store holds is read from the store itself. */
describe.each([{ driver: 's3' as const }, { driver: 'fs' as const }])(
  'upload pipeline on the $driver driver and PostgreSQL',
  ({ driver }) => {
    let api: ApiHarness;
    const keys = (prefix: string): Promise<string[]> => storedKeys(api, prefix);

    beforeAll(async () => {
      testTrust();
      api = await startApi({ storage: driver });
    }, 60_000);

    afterAll(() => api?.close());

    it('proxies a single-part bundle, verifies it and registers the version with everything from the manifest', async () => {
      const bundle = makeBundle({ manifest: { version: '1.0.0' } });
      const { uploadId, partCount } = await uploadViaProxy(api, bundle);
      expect(partCount).toBe(1);
      const result = await finalize(api, uploadId, bundle.signature);
      expect(result.status).toBe(200);
      expect(result.body.created).toBe(true);
      expect(result.body.version).toMatchObject({
        version: '1.0.0',
        contentHash: bundle.contentHash,
        signatureStatus: 'verified',
        runtime: 'wasm-component@1',
        uiEntry: 'ui/index.html',
        endpoints: [{ method: 'GET', path: '/tickets/:id', handler: 'getTicket' }],
      });
      const hex = bundle.contentHash.slice('sha256:'.length);
      expect(await keys(`sha256/${hex}/`)).toEqual([
        `sha256/${hex}/bundle.tar.zst`,
        `sha256/${hex}/manifest.json`,
        `sha256/${hex}/signature.json`,
      ]);
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
    });

    it('takes multi-part proxy uploads, parts in any order', async () => {
      const bundle = makeBundle({ manifest: { version: '1.1.0' }, payloadBytes: 11 * MIB });
      const { uploadId, partCount } = await uploadViaProxy(api, bundle, [3, 1, 2]);
      expect(partCount).toBe(3);
      const result = await finalize(api, uploadId, bundle.signature);
      expect(result.status).toBe(200);
      expect(result.body.version.contentHash).toBe(bundle.contentHash);
    });

    it('resumes a proxy upload: the status lists the stored parts, finalize waits for the rest', async () => {
      const bundle = makeBundle({ manifest: { version: '1.2.1' }, payloadBytes: 11 * MIB });
      const { uploadId, partSize, partCount } = await initiateProxy(api, bundle.bytes.length);
      expect(partCount).toBe(3);
      expect((await putPart(api, uploadId, 2, partOf(bundle, partSize, 2))).status).toBe(200);
      // "The connection is lost": the client asks what the store holds and sends only what is missing.
      const status = await api.request<{ state: string; parts: { partNumber: number }[]; receivedBytes: number }>(
        'GET',
        `/api/ext-bundles/uploads/${uploadId}`,
      );
      expect(status.body).toMatchObject({ state: 'initiated', parts: [{ partNumber: 2 }], receivedBytes: partSize });
      const early = await finalize(api, uploadId, bundle.signature);
      expect(early.status).toBe(409);
      expect(early.body.error).toMatchObject({ code: 'UPLOAD_INCOMPLETE', details: { missing: [1, 3] } });
      for (const partNumber of [3, 1]) {
        expect((await putPart(api, uploadId, partNumber, partOf(bundle, partSize, partNumber))).status).toBe(200);
      }
      const result = await finalize(api, uploadId, bundle.signature);
      expect(result.status).toBe(200);
      expect(result.body.version.contentHash).toBe(bundle.contentHash);
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
    });

    it('short-circuits content that is already registered, and re-finalizing is idempotent', async () => {
      const bundle = makeBundle({ manifest: { version: '1.3.0' } });
      const { uploadId } = await uploadViaProxy(api, bundle);
      const first = await finalize(api, uploadId, bundle.signature);
      const again = await finalize(api, uploadId, bundle.signature);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ ...first.body, created: false });
      const exists = await api.request<{ strategy: string; uploadId: null; version: Version }>(
        'POST',
        '/api/ext-bundles/initiate-upload',
        {
          json: { filename: 'bundle.tar.zst', size: bundle.bytes.length, sha256: bundle.contentHash },
        },
      );
      expect(exists.body).toMatchObject({ strategy: 'exists', uploadId: null, version: { version: '1.3.0' } });
    });

    it('registers exactly one version when ten uploads of the same content finalize at once', async () => {
      const bundle = makeBundle({ manifest: { version: '1.4.0' } });
      const uploads = await Promise.all(Array.from({ length: 10 }, () => uploadViaProxy(api, bundle)));
      const before = await count(api, 'extension_versions');
      const results = await Promise.all(uploads.map(({ uploadId }) => finalize(api, uploadId, bundle.signature)));
      expect(results.map((result) => result.status)).toEqual(Array(10).fill(200));
      expect(results.filter((result) => result.body.created)).toHaveLength(1);
      expect(await count(api, 'extension_versions')).toBe(before + 1);
      for (const { uploadId } of uploads) expect(await keys(`staging/${uploadId}/`)).toEqual([]);
    });

    it('answers 409 VERSION_EXISTS for the same version with other content', async () => {
      const first = makeBundle({ manifest: { version: '2.0.0' } });
      await finalize(api, (await uploadViaProxy(api, first)).uploadId, first.signature);
      const second = makeBundle({ manifest: { version: '2.0.0', description: 'different bytes' } });
      const result = await finalize(api, (await uploadViaProxy(api, second)).uploadId, second.signature);
      expect(result.status).toBe(409);
      expect(result.body.error.code).toBe('VERSION_EXISTS');
      expect(await keys(`sha256/${second.contentHash.slice(7)}/`)).toEqual([]);
    });

    it('refuses an oversize bundle at initiate, before any byte moves', async () => {
      const result = await api.request<ErrorBody>('POST', '/api/ext-bundles/initiate-upload', {
        json: { filename: 'big.tar.zst', size: 200 * MIB + 1 },
      });
      expect(result.status).toBe(413);
      expect(result.body.error).toMatchObject({ code: 'BUNDLE_TOO_LARGE', details: { limit: 200 * MIB } });
    });

    describe('refused proxy parts answer 4xx, keep the API up and the upload open', () => {
      /** After a refused part: the same part with the right bytes is taken and the bundle finalizes. */
      async function expectUploadStillUsable(bundle: TestBundle, uploadId: string): Promise<void> {
        const retry = await putPart(api, uploadId, 1, bundle.bytes);
        expect(retry.status).toBe(200);
        const result = await finalize(api, uploadId, bundle.signature);
        expect(result.status).toBe(200);
        expect(result.body.version.contentHash).toBe(bundle.contentHash);
      }

      it('a part longer than its size (Content-Length): 400 PART_SIZE_MISMATCH', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.0' } });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const put = await putPart(api, uploadId, 1, Buffer.concat([bundle.bytes, Buffer.alloc(4096)]));
        expect(put.status).toBe(400);
        expect(put.body.error).toMatchObject({ code: 'PART_SIZE_MISMATCH', details: { partNumber: 1 } });
        await expectUploadStillUsable(bundle, uploadId);
      });

      it('a chunked part that runs past its size: 400 PART_SIZE_MISMATCH', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.1' } });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const put = await putPart(api, uploadId, 1, chunked(Buffer.concat([bundle.bytes, Buffer.alloc(1 * MIB)])));
        expect(put.status).toBe(400);
        expect(put.body.error.code).toBe('PART_SIZE_MISMATCH');
        await expectUploadStillUsable(bundle, uploadId);
      });

      it('a chunked part that ends short of its size: 400 PART_SIZE_MISMATCH', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.2' } });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const put = await putPart(api, uploadId, 1, chunked(bundle.bytes.subarray(0, bundle.bytes.length - 10)));
        expect(put.status).toBe(400);
        expect(put.body.error).toMatchObject({
          code: 'PART_SIZE_MISMATCH',
          details: { size: bundle.bytes.length, received: bundle.bytes.length - 10 },
        });
        await expectUploadStillUsable(bundle, uploadId);
      });

      it('a first part that is not zstd (Content-Length or chunked): 415 NOT_ZSTD', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.3' } });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const notZstd = Buffer.alloc(bundle.bytes.length, 0x41);
        for (const body of [notZstd, chunked(notZstd)]) {
          const put = await putPart(api, uploadId, 1, body);
          expect(put.status).toBe(415);
          expect(put.body.error.code).toBe('NOT_ZSTD');
        }
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
        await expectUploadStillUsable(bundle, uploadId);
      });

      it('a client that goes away mid-part leaves the API up, and the part is taken afterwards', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.6' }, payloadBytes: 2 * MIB });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const gone = new Promise<void>((resolve) => {
          const put = httpRequest(`${api.base}/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=1`, {
            method: 'PUT',
            headers: {
              authorization: `Bearer ${api.adminToken}`,
              'content-type': 'application/octet-stream',
              'content-length': String(bundle.bytes.length),
            },
          });
          put.on('error', () => resolve());
          put.on('close', () => resolve());
          put.write(bundle.bytes.subarray(0, MIB), () => put.destroy());
        });
        await gone;
        await expectUploadStillUsable(bundle, uploadId);
      });

      it('a declared type that is not binary: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const { uploadId } = await initiateProxy(api, 1024);
        const wrongType = await api.request<ErrorBody>(
          'PUT',
          `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=1`,
          { body: Buffer.alloc(1024), headers: { 'content-type': 'text/plain' } },
        );
        expect(wrongType.status).toBe(415);
        expect(wrongType.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        // curl's default for --data-binary: no form parser may take a part first (its cap answered 413).
        const formType = await api.request<ErrorBody>(
          'PUT',
          `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=1`,
          {
            body: Buffer.alloc(2 * 1024 * 1024, 0x61),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
        );
        expect(formType.status).toBe(415);
        expect(formType.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      });

      it('a part number outside the upload: 400 INVALID_PART_NUMBER', async () => {
        const bundle = makeBundle({ manifest: { version: '3.0.4' } });
        const { uploadId, partCount } = await initiateProxy(api, bundle.bytes.length);
        const beyond = await putPart(api, uploadId, partCount + 1, bundle.bytes);
        expect(beyond.status).toBe(400);
        expect(beyond.body.error).toMatchObject({
          code: 'INVALID_PART_NUMBER',
          details: { partNumber: partCount + 1, partCount },
        });
        await expectUploadStillUsable(bundle, uploadId);
      });
    });

    it('ends the upload when a claimed part ETag differs from the stored part, leaving nothing behind', async () => {
      const bundle = makeBundle({ manifest: { version: '3.0.5' } });
      const { uploadId } = await uploadViaProxy(api, bundle);
      const result = await finalize(api, uploadId, bundle.signature, {
        parts: [{ partNumber: 1, etag: '0'.repeat(32) }],
      });
      expect(result.status).toBe(400);
      expect(result.body.error).toMatchObject({ code: 'PART_SIZE_MISMATCH', details: { partNumber: 1 } });
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      expect(await keys(`sha256/${bundle.contentHash.slice(7)}/`)).toEqual([]);
      expect((await finalize(api, uploadId, bundle.signature)).body.error.code).toBe('UPLOAD_NOT_FOUND');
    });

    it('rejects a declared hash that does not match, and ends the upload', async () => {
      const bundle = makeBundle({ manifest: { version: '3.1.0' } });
      const { uploadId } = await uploadViaProxy(api, bundle);
      const result = await finalize(api, uploadId, bundle.signature, { sha256: `sha256:${'0'.repeat(64)}` });
      expect(result.status).toBe(400);
      expect(result.body.error.code).toBe('HASH_MISMATCH');
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
    });

    it('aborts idempotently; finalizing an aborted upload is UPLOAD_NOT_FOUND', async () => {
      const bundle = makeBundle({ manifest: { version: '3.2.0' } });
      const { uploadId } = await uploadViaProxy(api, bundle);
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      const openBefore = await openMultipartUploads(api);
      expect((await api.request('POST', '/api/ext-bundles/abort', { json: { uploadId } })).status).toBe(200);
      expect(await openMultipartUploads(api)).toBe(openBefore - 1);
      expect((await api.request('POST', '/api/ext-bundles/abort', { json: { uploadId } })).status).toBe(200);
      const result = await finalize(api, uploadId, bundle.signature);
      expect(result.status).toBe(404);
      expect(result.body.error.code).toBe('UPLOAD_NOT_FOUND');
      expect(await keys(`staging/${uploadId}/`)).toEqual([]);
    });

    it('answers UPLOAD_EXPIRED for a session past its expiry', async () => {
      const bundle = makeBundle({ manifest: { version: '3.3.0' } });
      const { uploadId } = await uploadViaProxy(api, bundle);
      const client = new pg.Client({ connectionString: api.database.url });
      await client.connect();
      await client.query(`UPDATE upload_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
        uploadId,
      ]);
      await client.end();
      const result = await finalize(api, uploadId, bundle.signature);
      expect(result.status).toBe(410);
      expect(result.body.error.code).toBe('UPLOAD_EXPIRED');
    });

    describe('hostile and invalid bundles leave nothing behind', () => {
      const hostile: [string, () => ReturnType<typeof makeBundle>, string][] = [
        [
          'a path traversal',
          () => makeBundle({ entries: [...validEntries(), { name: 'ui/../../etc/x', data: 'x' }] }),
          'INVALID_BUNDLE',
        ],
        [
          'a symlink',
          () =>
            makeBundle({ entries: [...validEntries(), { name: 'ui/l', type: 'symlink', linkname: '/etc/passwd' }] }),
          'INVALID_BUNDLE',
        ],
        [
          'a missing manifest',
          () => makeBundle({ entries: validEntries().filter((e) => e.name !== 'manifest.json') }),
          'INVALID_BUNDLE',
        ],
        ['an invalid manifest', () => makeBundle({ manifest: { version: 'one' } }), 'INVALID_MANIFEST'],
        [
          'a signature by another publisher',
          () => makeBundle({ manifest: { version: '9.0.0' }, signer: testTrust().other }),
          'PUBLISHER_MISMATCH',
        ],
      ];

      it.each(hostile)('%s', async (_name, build, code) => {
        const bundle = build();
        const versions = await count(api, 'extension_versions');
        const { uploadId } = await uploadViaProxy(api, bundle);
        const result = await finalize(api, uploadId, bundle.signature);
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(500);
        expect(result.body.error.code).toBe(code);
        expect(await count(api, 'extension_versions')).toBe(versions);
        expect(await keys(`sha256/${bundle.contentHash.slice(7)}/`)).toEqual([]);
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      });

      it('a missing signature under the enforce policy', async () => {
        const bundle = makeBundle({ manifest: { version: '9.1.0' } });
        const { uploadId } = await uploadViaProxy(api, bundle);
        const result = await finalize(api, uploadId);
        expect(result.status).toBe(422);
        expect(result.body.error.code).toBe('SIGNATURE_REQUIRED');
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      });

      it('a signature for other content', async () => {
        const bundle = makeBundle({ manifest: { version: '9.2.0' } });
        const other = makeBundle({ manifest: { version: '9.3.0' } });
        const { uploadId } = await uploadViaProxy(api, bundle);
        const result = await finalize(api, uploadId, other.signature);
        expect(result.status).toBe(422);
        expect(result.body.error.code).toBe('DIGEST_MISMATCH');
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      });

      it('the console learns the signing policy and the trusted CA before any upload', async () => {
        const config = await api.request<{ signingPolicy: string; trustedCas: { fingerprint: string }[] }>(
          'GET',
          '/api/console-config',
        );
        expect(config.status).toBe(200);
        expect(config.body.signingPolicy).toBe('enforce');
        expect(config.body.trustedCas.map((ca) => ca.fingerprint)).toEqual([
          certificateFingerprint(testTrust().ca.certificatePem),
        ]);
      });

      it('a signer from another CA, naming the CA this platform trusts', async () => {
        const foreignCa = createDevCa({ commonName: 'another data folder CA', validDays: 30, keyBits: 2048 });
        const signer = issuePublisherCertificate({ ca: foreignCa, publisher: 'example', validDays: 30, keyBits: 2048 });
        const bundle = makeBundle({ manifest: { version: '9.4.0' }, signer });
        const { uploadId } = await uploadViaProxy(api, bundle);
        const result = await finalize(api, uploadId, bundle.signature);
        expect(result.status).toBe(422);
        expect(result.body.error.code).toBe('SIGNER_UNTRUSTED');
        expect(result.body.error.details?.['trustedCas']).toEqual([
          {
            subject: expect.stringContaining('test CA'),
            fingerprint: certificateFingerprint(testTrust().ca.certificatePem),
          },
        ]);
      });
    });

    it('reports the failing rule of a hostile bundle', async () => {
      const bundle = makeBundle({
        entries: [...validEntries(), { name: 'ui/l', type: 'symlink', linkname: '/etc/passwd' }],
      });
      const result = await finalize(api, (await uploadViaProxy(api, bundle)).uploadId, bundle.signature);
      expect(result.body.error.details).toMatchObject({ reason: 'UNSUPPORTED_ENTRY_TYPE', entry: 'ui/l' });
    });

    it('keeps a verifiable audit chain across successful and refused uploads', async () => {
      const good = makeBundle({ manifest: { version: '3.4.0' } });
      expect((await finalize(api, (await uploadViaProxy(api, good)).uploadId, good.signature)).status).toBe(200);
      const bad = makeBundle({ manifest: { version: '3.4.1' } });
      expect((await finalize(api, (await uploadViaProxy(api, bad)).uploadId)).status).toBe(422);
      const audit = await api.request<{ items: { type: string; outcome: string }[] }>(
        'GET',
        '/api/audit?type=upload.finalize&limit=200',
      );
      const outcomes = new Set(audit.body.items.map((event) => event.outcome));
      expect(outcomes).toEqual(new Set(['success', 'failure']));
      const entry = fileURLToPath(new URL('../dist/audit/verify-chain.js', import.meta.url));
      const result = await runToExit(entry, { DATABASE_URL: api.database.url });
      expect(result.code).toBe(0);
    });

    describe('ownership: parts and finalize belong to the principal that initiated the upload', () => {
      let otherAdmin: string;

      beforeAll(async () => {
        otherAdmin = await newPrincipal(api, { role: 'platform-admin' });
      });

      it("refuses another platform admin's parts and finalize with 403 UPLOAD_NOT_OWNED; it may abort", async () => {
        const bundle = makeBundle({ manifest: { version: '5.0.0' } });
        const { uploadId } = await initiateProxy(api, bundle.bytes.length);
        const part = await putPart(api, uploadId, 1, bundle.bytes, otherAdmin);
        expect(part.status).toBe(403);
        expect(part.body.error).toMatchObject({ code: 'UPLOAD_NOT_OWNED', details: { uploadId } });
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
        expect((await putPart(api, uploadId, 1, bundle.bytes)).status).toBe(200);
        const foreignFinalize = await finalize(api, uploadId, bundle.signature, {}, otherAdmin);
        expect(foreignFinalize.status).toBe(403);
        expect(foreignFinalize.body.error.code).toBe('UPLOAD_NOT_OWNED');
        // The refused finalize took no lease: the upload is still open for its owner, and any admin may end it.
        const status = await api.request<{ state: string }>('GET', `/api/ext-bundles/uploads/${uploadId}`);
        expect(status.body.state).toBe('initiated');
        const abort = await api.request<{ state: string }>('POST', '/api/ext-bundles/abort', {
          token: otherAdmin,
          json: { uploadId },
        });
        expect(abort.status).toBe(200);
        expect(abort.body.state).toBe('aborted');
        expect(await keys(`staging/${uploadId}/`)).toEqual([]);
      });

      it('counts an API key as its own principal, and publishes in the name of the initiator', async () => {
        const key = await newPrincipal(api, { role: 'platform-admin', kind: 'api-key' });
        const bundle = makeBundle({ manifest: { version: '5.1.0' } });
        const { uploadId } = await uploadViaProxy(api, bundle, undefined, key);
        // The user who created the key is another principal.
        const byCreator = await finalize(api, uploadId, bundle.signature);
        expect(byCreator.status).toBe(403);
        expect(byCreator.body.error.code).toBe('UPLOAD_NOT_OWNED');
        const byKey = await finalize(api, uploadId, bundle.signature, {}, key);
        expect(byKey.status).toBe(200);
        expect(byKey.body.version.publishedBy).toMatch(/^api-key:[0-9a-f-]{36}$/);
        // Finalizing again (idempotent for the owner) stays refused to anyone else.
        expect((await finalize(api, uploadId, bundle.signature, {}, otherAdmin)).status).toBe(403);
      });

      if (driver === 's3') {
        it('refuses presigned part URLs to anyone but the initiator', async () => {
          const initiated = await api.request<Initiated>('POST', '/api/ext-bundles/initiate-upload', {
            json: { filename: 'bundle.tar.zst', size: 1024 },
          });
          expect(initiated.body.strategy).toBe('presigned-multipart');
          const presign = await api.request<ErrorBody>(
            'POST',
            `/api/ext-bundles/uploads/${initiated.body.uploadId}/parts`,
            { token: otherAdmin, json: { partNumbers: [1] } },
          );
          expect(presign.status).toBe(403);
          expect(presign.body.error.code).toBe('UPLOAD_NOT_OWNED');
        });
      }
    });

    if (driver === 'fs') {
      it('offers the proxy strategy when presigned uploads are asked for: the answer names the strategy', async () => {
        const initiated = await api.request<Initiated>('POST', '/api/ext-bundles/initiate-upload', {
          json: { filename: 'bundle.tar.zst', size: 1024, preferredStrategy: 'presigned-multipart' },
        });
        expect(initiated.status).toBe(201);
        expect(initiated.body.strategy).toBe('proxy');
        const presign = await api.request<ErrorBody>(
          'POST',
          `/api/ext-bundles/uploads/${initiated.body.uploadId}/parts`,
          {
            json: { partNumbers: [1] },
          },
        );
        expect(presign.status).toBe(409);
        expect(presign.body.error.code).toBe('WRONG_STRATEGY');
      });
    }

    if (driver === 's3') {
      describe('presigned uploads (s3 only)', () => {
        it('takes presigned multipart uploads with parts PUT straight to S3 by fetch, out of order, and resumes after an interruption', async () => {
          const bundle = makeBundle({ manifest: { version: '1.2.0' }, payloadBytes: 11 * MIB });
          const initiated = await api.request<Initiated>('POST', '/api/ext-bundles/initiate-upload', {
            json: { filename: 'bundle.tar.zst', size: bundle.bytes.length },
          });
          expect(initiated.body.strategy).toBe('presigned-multipart');
          const { uploadId, partSize } = initiated.body;
          await putPresignedParts(api, uploadId, bundle, partSize, [2]);
          const status = await api.request<{ parts: { partNumber: number }[]; receivedBytes: number }>(
            'GET',
            `/api/ext-bundles/uploads/${uploadId}`,
          );
          expect(status.body.parts.map((part) => part.partNumber)).toEqual([2]);
          expect(status.body.receivedBytes).toBe(partSize);
          const early = await finalize(api, uploadId, bundle.signature);
          expect(early.status).toBe(409);
          expect(early.body.error.code).toBe('UPLOAD_INCOMPLETE');
          await putPresignedParts(api, uploadId, bundle, partSize, [3, 1]);
          const result = await finalize(api, uploadId, bundle.signature);
          expect(result.status).toBe(200);
          expect(result.body.version.contentHash).toBe(bundle.contentHash);
        });

        it('finalizes with the ETags the client saw', async () => {
          const bundle = makeBundle({ manifest: { version: '4.0.0' } });
          const { uploadId, etags } = await uploadViaPresigned(api, bundle);
          const parts = [...etags].map(([partNumber, etag]) => ({ partNumber, etag }));
          const result = await finalize(api, uploadId, bundle.signature, { parts });
          expect(result.status).toBe(200);
        });

        it('refuses non-zstd bytes sent straight to S3 at finalize (422 INVALID_BUNDLE, NOT_ZSTD), leaving nothing', async () => {
          const bytes = Buffer.alloc(2048, 0x41);
          const fake: TestBundle = { ...makeBundle({ manifest: { version: '4.1.0' } }), bytes };
          const { uploadId } = await uploadViaPresigned(api, { ...fake, contentHash: `sha256:${'1'.repeat(64)}` });
          const result = await finalize(api, uploadId, fake.signature);
          expect(result.status).toBe(422);
          expect(result.body.error).toMatchObject({ code: 'INVALID_BUNDLE', details: { reason: 'NOT_ZSTD' } });
          expect(await keys(`staging/${uploadId}/`)).toEqual([]);
        });

        it('answers 409 WRONG_STRATEGY for part URLs of a proxy upload', async () => {
          const { uploadId } = await initiateProxy(api, 1024);
          const presign = await api.request<ErrorBody>('POST', `/api/ext-bundles/uploads/${uploadId}/parts`, {
            json: { partNumbers: [1] },
          });
          expect(presign.status).toBe(409);
          expect(presign.body.error.code).toBe('WRONG_STRATEGY');
        });

        it('answers 400 INVALID_PART_NUMBER for a part URL outside the upload', async () => {
          const initiated = await api.request<Initiated>('POST', '/api/ext-bundles/initiate-upload', {
            json: { filename: 'bundle.tar.zst', size: 1024 },
          });
          const presign = await api.request<ErrorBody>(
            'POST',
            `/api/ext-bundles/uploads/${initiated.body.uploadId}/parts`,
            { json: { partNumbers: [1, 2] } },
          );
          expect(presign.status).toBe(400);
          expect(presign.body.error).toMatchObject({ code: 'INVALID_PART_NUMBER', details: { partNumber: 2 } });
        });

        it('refuses to overwrite a canonical object and keeps the original bytes', async () => {
          const bundle = makeBundle({ manifest: { version: '1.0.1' } });
          const { uploadId } = await uploadViaProxy(api, bundle);
          expect((await finalize(api, uploadId, bundle.signature)).status).toBe(200);
          const bucket = api.bucket;
          if (!bucket) throw new Error('s3 expected');
          const client = s3ClientFor(bucket.s3);
          const key = `sha256/${bundle.contentHash.slice(7)}/bundle.tar.zst`;
          const overwrite = client.send(
            new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: Buffer.from('evil'), IfNoneMatch: '*' }),
          );
          await expect(overwrite).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
          const stored = await client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
          expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(bundle.bytes)).toBe(true);
        });
      });
    }
  },
);

describe('signature policies', () => {
  it('warn accepts unsigned bundles and records them as unsigned; a bad signature is still rejected', async () => {
    const api = await startApi({ storage: 'fs', env: { SIGNING_POLICY: 'warn' } });
    try {
      const unsigned = makeBundle({ manifest: { version: '1.0.0' } });
      const ok = await finalize(api, (await uploadViaProxy(api, unsigned)).uploadId);
      expect(ok.status).toBe(200);
      expect(ok.body.version.signatureStatus).toBe('unsigned');
      const bad = makeBundle({ manifest: { version: '1.0.1' }, signer: testTrust().other });
      const rejected = await finalize(api, (await uploadViaProxy(api, bad)).uploadId, bad.signature);
      expect(rejected.status).toBe(422);
      expect(rejected.body.error.code).toBe('PUBLISHER_MISMATCH');
    } finally {
      await api.close();
    }
  }, 60_000);

  it('off records versions as not checked (development only)', async () => {
    const api = await startApi({ storage: 'fs', env: { SIGNING_POLICY: 'off' } });
    try {
      const bundle = makeBundle({ manifest: { version: '1.0.0' } });
      const result = await finalize(api, (await uploadViaProxy(api, bundle)).uploadId);
      expect(result.status).toBe(200);
      expect(result.body.version.signatureStatus).toBe('not-checked');
    } finally {
      await api.close();
    }
  }, 60_000);
});

describe('upload rate limits', () => {
  it('answers 429 with Retry-After once a principal exceeds its budget', async () => {
    const api = await startApi({ storage: 'fs', env: { UPLOAD_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const response = await api.request('POST', '/api/ext-bundles/initiate-upload', {
          json: { filename: 'b.tar.zst', size: 1024 },
        });
        statuses.push(response.status);
        retryAfter ??= response.headers.get('retry-after');
      }
      expect(statuses).toEqual([201, 201, 201, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await api.close();
    }
  }, 60_000);
});

describe('bucket CORS for browser uploads', () => {
  it('is applied at start-up when STORAGE_S3_CORS_ORIGINS is set', async () => {
    const api = await startApi({ env: { STORAGE_S3_CORS_ORIGINS: 'https://console.example.test' } });
    try {
      const { GetBucketCorsCommand } = await import('@aws-sdk/client-s3');
      const bucket = api.bucket;
      if (!bucket) throw new Error('s3 expected');
      const cors = await s3ClientFor(bucket.s3).send(new GetBucketCorsCommand({ Bucket: bucket.name }));
      expect(cors.CORSRules?.[0]).toMatchObject({
        AllowedOrigins: ['https://console.example.test'],
        ExposeHeaders: ['ETag'],
      });
      const preflight = await fetch(`${bucket.s3.endpoint}/${bucket.name}/staging/x/bundle.tar.zst`, {
        method: 'OPTIONS',
        headers: { origin: 'https://console.example.test', 'access-control-request-method': 'PUT' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.example.test');
    } finally {
      await api.close();
    }
  }, 60_000);
});
