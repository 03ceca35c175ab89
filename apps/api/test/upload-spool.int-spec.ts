import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Counter } from 'prom-client';
import { ApiMetrics } from '../src/metrics/api-metrics.js';
import { UploadSpool } from '../src/upload/upload-spool.js';
import {
  type ApiHarness,
  makeBundle,
  MIB,
  startApi,
  testTrust,
  type TestBundle,
  uploadViaProxy,
} from './api-harness.js';

type Finalized = { created: boolean; version: { contentHash: string } };
type ErrorBody = { error: { code: string } };

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Proxy uploads keep a local copy of every part they stream to the store, and finalize inspects that copy
 * instead of reading the bundle back, but only when the attempt records show each part was sent once, by
 * this API process, and the store assembled what that send stored. On both drivers (the fs driver's default
 * keeps no copy; here it is turned on so the same rules are shown there).
 */
describe.each([{ driver: 's3' as const }, { driver: 'fs' as const }])(
  'proxy upload spool on the $driver driver',
  ({ driver }) => {
    let api: ApiHarness;
    let spoolDir: string;
    let serial = 0;

    beforeAll(async () => {
      testTrust();
      spoolDir = mkdtempSync(join(tmpdir(), 'extplat-spool-test-'));
      api = await startApi({
        storage: driver,
        env: { UPLOAD_SPOOL_DIR: spoolDir, UPLOAD_SPOOL_MAX_BYTES: String(64 * MIB) },
      });
    }, 60_000);

    afterAll(async () => {
      await api?.close();
      rmSync(spoolDir, { recursive: true, force: true });
    });

    /** Three parts of 5 MiB (the last shorter), a new version each time. */
    const bundle = (): TestBundle => makeBundle({ manifest: { version: `2.0.${serial++}` }, payloadBytes: 11 * MIB });

    async function verifications(): Promise<{ spool: number; store: number }> {
      const counter = api
        .app!.get(ApiMetrics)
        .registry.getSingleMetric('extplat_api_upload_verifications_total') as Counter<'source'>;
      const { values } = await counter.get();
      const of = (source: string) => values.find((value) => value.labels.source === source)?.value ?? 0;
      return { spool: of('spool'), store: of('store') };
    }

    async function finalize(uploadId: string, signature: string, extra: Record<string, unknown> = {}) {
      return api.request<Finalized & ErrorBody>('POST', '/api/ext-bundles/finalize', {
        json: { uploadId, signature, ...extra },
      });
    }

    async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
      const client = new pg.Client({ connectionString: api.database.url });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    }

    /** The upload's folder in any process folder under the spool root. */
    const spoolFolders = (uploadId: string): string[] =>
      readdirSync(spoolDir)
        .map((instance) => join(spoolDir, instance, uploadId))
        .filter((folder) => existsSync(folder));

    async function sendPart(uploadId: string, b: TestBundle, partNumber: number, partSize: number) {
      const put = await api.request(
        'PUT',
        `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=${partNumber}`,
        {
          body: b.bytes.subarray((partNumber - 1) * partSize, partNumber * partSize),
          headers: { 'content-type': 'application/octet-stream' },
        },
      );
      expect(put.status).toBe(200);
    }

    it('inspects a proxy upload sent once from the local copy, records every send, and removes the copy', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId, partCount } = await uploadViaProxy(api, b);
      expect(partCount).toBe(3);
      expect(spoolFolders(uploadId)).toHaveLength(1);
      const attempts = await sql<{ part_number: number; spooled: boolean; etag: string | null; md5: string | null }>(
        'SELECT part_number, spooled, etag, md5 FROM upload_part_attempts WHERE upload_id = $1 ORDER BY part_number',
        [uploadId],
      );
      expect(attempts.map((row) => [row.part_number, row.spooled, row.etag !== null && row.etag === row.md5])).toEqual([
        [1, true, true],
        [2, true, true],
        [3, true, true],
      ]);

      const finalized = await finalize(uploadId, b.signature);
      expect(finalized.status).toBe(200);
      expect(finalized.body.version.contentHash).toBe(b.contentHash);
      expect(await verifications()).toEqual({ spool: before.spool + 1, store: before.store });
      expect(spoolFolders(uploadId)).toEqual([]);
      // The records of the sends go with the session.
      expect(await sql('SELECT 1 FROM upload_part_attempts WHERE upload_id = $1', [uploadId])).toEqual([]);
    });

    it('keys the copy by the upload, however the client spells its id', async () => {
      const b = bundle();
      const before = await verifications();
      const initiated = await api.request<{ uploadId: string; partSize: number; partCount: number }>(
        'POST',
        '/api/ext-bundles/initiate-upload',
        { json: { filename: 'bundle.tar.zst', size: b.bytes.length, preferredStrategy: 'proxy' } },
      );
      const { uploadId, partSize, partCount } = initiated.body;
      for (let partNumber = 1; partNumber <= partCount; partNumber++) {
        await sendPart(uploadId.toUpperCase(), b, partNumber, partSize);
      }
      expect(spoolFolders(uploadId)).toHaveLength(1);
      expect((await finalize(uploadId, b.signature)).status).toBe(200);
      expect(await verifications()).toEqual({ spool: before.spool + 1, store: before.store });
      expect(spoolFolders(uploadId)).toEqual([]);
    });

    it('reads the store back when a part was sent twice', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId, partSize } = await uploadViaProxy(api, b);
      expect(spoolFolders(uploadId)).toHaveLength(1);
      await sendPart(uploadId, b, 2, partSize);
      // The second send drops the copy at once: it can no longer stand for the upload.
      expect(spoolFolders(uploadId)).toEqual([]);

      const finalized = await finalize(uploadId, b.signature);
      expect(finalized.status).toBe(200);
      expect(finalized.body.version.contentHash).toBe(b.contentHash);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
      expect(spoolFolders(uploadId)).toEqual([]);
    });

    it('reads the store back when another API process recorded a send of a part, even with the same ETag', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      // What a replica that replaced part 2 with bytes of the same size and MD5 would have left behind.
      await sql(
        `INSERT INTO upload_part_attempts (attempt_id, upload_id, part_number, instance_id, etag, size, spooled, md5)
         SELECT $1, upload_id, part_number, $2, etag, size, true, md5 FROM upload_part_attempts
          WHERE upload_id = $3 AND part_number = 2`,
        [randomUUID(), randomUUID(), uploadId],
      );

      const finalized = await finalize(uploadId, b.signature);
      expect(finalized.status).toBe(200);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
    });

    it('reads the store back when the only send of a part is recorded by another process', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      await sql(`UPDATE upload_part_attempts SET instance_id = $1 WHERE upload_id = $2 AND part_number = 3`, [
        randomUUID(),
        uploadId,
      ]);

      expect((await finalize(uploadId, b.signature)).status).toBe(200);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
    });

    it('reads the store back when the stored ETag is not the MD5 of the copy', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      await sql(`UPDATE upload_part_attempts SET md5 = $1 WHERE upload_id = $2 AND part_number = 1`, [
        '0'.repeat(32),
        uploadId,
      ]);

      expect((await finalize(uploadId, b.signature)).status).toBe(200);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
    });

    it('lets the store decide when one byte of the local copy changed on disk: the good upload registers', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      const [folder] = spoolFolders(uploadId);
      const second = readdirSync(folder ?? '').find((name) => name.startsWith('2.'));
      const file = join(folder ?? '', second ?? '');
      // Inside the random payload: the archive still reads, only the hash (and so the signature) would differ.
      const copy = readFileSync(file);
      copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0xff;
      writeFileSync(file, copy);

      const finalized = await finalize(uploadId, b.signature);
      expect(finalized.status).toBe(200);
      expect(finalized.body.version.contentHash).toBe(b.contentHash);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
    });

    it('reads the store back when the local copy is gone, and still registers the version', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      for (const folder of spoolFolders(uploadId)) rmSync(folder, { recursive: true, force: true });

      const finalized = await finalize(uploadId, b.signature);
      expect(finalized.status).toBe(200);
      expect(finalized.body.version.contentHash).toBe(b.contentHash);
      expect(await verifications()).toEqual({ spool: before.spool, store: before.store + 1 });
    });

    it('refuses a bundle from the local copy as it would from the store, and removes the copy', async () => {
      const b = bundle();
      const before = await verifications();
      const { uploadId } = await uploadViaProxy(api, b);
      const refused = await finalize(uploadId, b.signature, { sha256: `sha256:${'0'.repeat(64)}` });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('HASH_MISMATCH');
      expect(await verifications()).toEqual({ spool: before.spool + 1, store: before.store });
      expect(spoolFolders(uploadId)).toEqual([]);
      expect(await sql('SELECT 1 FROM extension_versions WHERE content_hash = $1', [b.contentHash])).toEqual([]);
      expect(await sql('SELECT 1 FROM upload_part_attempts WHERE upload_id = $1', [uploadId])).toEqual([]);
    });

    it('answers a part that loses the race with an abort with UPLOAD_NOT_FOUND, not a 500', async () => {
      const b = bundle();
      const initiated = await api.request<{ uploadId: string; partSize: number }>(
        'POST',
        '/api/ext-bundles/initiate-upload',
        { json: { filename: 'bundle.tar.zst', size: b.bytes.length, preferredStrategy: 'proxy' } },
      );
      const { uploadId, partSize } = initiated.body;
      const first = b.bytes.subarray(0, partSize);
      let resume: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (resume = resolve));
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(first.subarray(0, 256 * 1024));
            return;
          }
          await held;
          controller.enqueue(first.subarray(256 * 1024));
          controller.close();
        },
      });
      const part = api.request<ErrorBody>('PUT', `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=1`, {
        body,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(first.length) },
      });
      // The part is streaming (its send is recorded) when the abort lands.
      await until(
        async () => (await sql('SELECT 1 FROM upload_part_attempts WHERE upload_id = $1', [uploadId])).length === 1,
      );
      expect((await api.request('POST', '/api/ext-bundles/abort', { json: { uploadId } })).status).toBe(200);
      resume();
      const answer = await part;
      expect([answer.status, answer.body.error?.code]).toEqual([404, 'UPLOAD_NOT_FOUND']);
      expect(spoolFolders(uploadId)).toEqual([]);
    });

    it('drops its copy of an upload another API process finalized or aborted, at its next sweep', async () => {
      const b = bundle();
      const { uploadId } = await uploadViaProxy(api, b);
      expect(spoolFolders(uploadId)).toHaveLength(1);
      // As another replica would leave it after aborting the upload.
      await sql(`UPDATE upload_sessions SET state = 'aborted' WHERE id = $1`, [uploadId]);
      await api.app!.get(UploadSpool).sweep();
      expect(spoolFolders(uploadId)).toEqual([]);
    });

    it('removes the local copy when the upload is aborted', async () => {
      const b = bundle();
      const { uploadId } = await uploadViaProxy(api, b, [1, 2]);
      expect(spoolFolders(uploadId)).toHaveLength(1);
      const aborted = await api.request('POST', '/api/ext-bundles/abort', { json: { uploadId } });
      expect(aborted.status).toBe(200);
      expect(spoolFolders(uploadId)).toEqual([]);
    });
  },
);

describe('proxy upload spool limits', () => {
  let api: ApiHarness;
  let spoolDir: string;

  beforeAll(async () => {
    testTrust();
    spoolDir = mkdtempSync(join(tmpdir(), 'extplat-spool-test-'));
    // Room for two parts of 5 MiB: the third is not copied, so the upload is read back from the store.
    api = await startApi({ env: { UPLOAD_SPOOL_DIR: spoolDir, UPLOAD_SPOOL_MAX_BYTES: String(10 * MIB) } });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('copies parts only while they fit, and a part not copied sends finalize to the store', async () => {
    const b = makeBundle({ manifest: { version: '3.0.0' }, payloadBytes: 11 * MIB });
    const { uploadId } = await uploadViaProxy(api, b);
    const client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    const { rows } = await client.query<{ part_number: number; spooled: boolean }>(
      'SELECT part_number, spooled FROM upload_part_attempts WHERE upload_id = $1 ORDER BY part_number',
      [uploadId],
    );
    await client.end();
    expect(rows.map((row) => row.spooled)).toEqual([true, true, false]);
    const finalized = await api.request<Finalized>('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: b.signature },
    });
    expect(finalized.status).toBe(200);
    const counter = api
      .app!.get(ApiMetrics)
      .registry.getSingleMetric('extplat_api_upload_verifications_total') as Counter<'source'>;
    const { values } = await counter.get();
    expect(values.map((value) => [value.labels.source, value.value])).toEqual([['store', 1]]);
    // The space is given back: a new upload's parts are copied again.
    const next = makeBundle({ manifest: { version: '3.0.1' }, payloadBytes: 4 * MIB });
    const second = await uploadViaProxy(api, next);
    const again = await api.request<Finalized>('POST', '/api/ext-bundles/finalize', {
      json: { uploadId: second.uploadId, signature: next.signature },
    });
    expect(again.status).toBe(200);
    const after = await counter.get();
    expect(after.values.find((value) => value.labels.source === 'spool')?.value).toBe(1);
  });
});
