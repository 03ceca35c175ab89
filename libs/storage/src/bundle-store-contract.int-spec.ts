import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestBucket, s3ClientFor, type TestBucket } from '@extplat/testing';
import { BodyLengthError } from './body-streams.js';
import { createBundleStore } from './create-bundle-store.js';
import { isStorageError, type StorageErrorCode } from './errors.js';
import type { BundleStore, ObjectInfo } from './types.js';

/**
 * One contract, two drivers: every behaviour the API relies on is checked against a real S3 server (a
 * fresh bucket) and against the fs driver (a fresh directory). The S3 assertions are written so that a
 * fake S3 fails them: a server that ignores If-None-Match overwrites in "createIfAbsent twice", one
 * without ListParts or Abort fails the multipart cases.
 */

const MiB = 1024 * 1024;
const FIRST_PART_SIZE = 5 * MiB; // S3's minimum for every part but the last

interface Harness {
  store: BundleStore;
  tearDown(): Promise<void>;
}

interface S3Harness extends Harness {
  bucket: TestBucket;
  raw: S3Client;
}

async function s3Harness(): Promise<S3Harness> {
  const bucket = await createTestBucket();
  const raw = s3ClientFor(bucket.s3);
  return {
    bucket,
    raw,
    store: createBundleStore({ driver: 's3', s3: { ...bucket.s3, bucket: bucket.name } }),
    tearDown: async () => {
      raw.destroy();
      await bucket.destroy();
    },
  };
}

async function fsHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'extplat-contract-'));
  return {
    store: createBundleStore({ driver: 'fs', fs: { root } }),
    tearDown: () => rm(root, { recursive: true, force: true }),
  };
}

describe.each([
  { driver: 's3', setUp: s3Harness },
  { driver: 'fs', setUp: fsHarness },
])('BundleStore contract ($driver)', ({ setUp }) => {
  let harness: Harness;
  let store: BundleStore;
  /** Each test writes under its own prefix, so listings never see another test's keys. */
  const scope = (): ((name: string) => string) => {
    const prefix = uniquePrefix();
    return (name) => `${prefix}${name}`;
  };

  beforeAll(async () => {
    harness = await setUp();
    store = harness.store;
  });

  afterAll(async () => {
    await harness?.tearDown();
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('put, head, get', () => {
    it('stores bytes with content type and metadata', async () => {
      const key = scope()('object.bin');
      const body = Buffer.from('0123456789abcdef');
      const before = Date.now();
      const { etag } = await store.put(key, body, {
        contentType: 'application/x-test',
        metadata: { origin: 'contract' },
      });
      expect(etag).toMatch(/^[0-9a-f]{32}$/);

      const info = await store.head(key);
      expect(info).toMatchObject({
        key,
        size: body.length,
        etag,
        contentType: 'application/x-test',
        metadata: { origin: 'contract' },
      });
      // Second resolution on S3, and the server's clock: a loose window is enough to catch nonsense.
      expect(Math.abs((info?.lastModified.getTime() ?? 0) - before)).toBeLessThan(60_000);

      const whole = await store.get(key);
      expect(whole).toMatchObject({ contentLength: body.length, totalSize: body.length, etag });
      expect(whole.range).toBeUndefined();
      expect((await readAll(whole.body)).equals(body)).toBe(true);
    });

    it('serves inclusive byte ranges and clamps an end past the last byte', async () => {
      const key = scope()('ranged.bin');
      await store.put(key, Buffer.from('0123456789'));

      const middle = await store.get(key, { range: { start: 2, end: 5 } });
      expect(middle).toMatchObject({ contentLength: 4, totalSize: 10, range: { start: 2, end: 5 } });
      expect((await readAll(middle.body)).toString()).toBe('2345');

      const tail = await store.get(key, { range: { start: 7 } });
      expect(tail).toMatchObject({ contentLength: 3, totalSize: 10, range: { start: 7, end: 9 } });
      expect((await readAll(tail.body)).toString()).toBe('789');

      const clamped = await store.get(key, { range: { start: 8, end: 50 } });
      expect(clamped).toMatchObject({ contentLength: 2, range: { start: 8, end: 9 } });
      expect((await readAll(clamped.body)).toString()).toBe('89');
    });

    it('rejects a range that starts past the end with INVALID_RANGE', async () => {
      const key = scope()('short.bin');
      await store.put(key, Buffer.from('0123456789'));
      await expectCode(store.get(key, { range: { start: 10 } }), 'INVALID_RANGE');
      await expectCode(store.get(key, { range: { start: 100, end: 200 } }), 'INVALID_RANGE');
    });

    it('reports a missing key as null from head and NOT_FOUND from get', async () => {
      const key = scope()('missing');
      expect(await store.head(key)).toBeNull();
      await expectCode(store.get(key), 'NOT_FOUND');
    });

    it('overwrites on put', async () => {
      const key = scope()('overwritten');
      await store.put(key, Buffer.from('first'));
      const { etag } = await store.put(key, Buffer.from('second!'));
      expect(await store.head(key)).toMatchObject({ size: 7, etag });
      expect((await readAll((await store.get(key)).body)).toString()).toBe('second!');
    });
  });

  describe('streamed bodies', () => {
    const size = 20 * MiB + 12_345;

    it('streams a ~20 MiB body of known length', async () => {
      const key = scope()('known-length.bin');
      await store.put(key, patternStream(size, 'known'), { contentLength: size });
      expect((await store.head(key))?.size).toBe(size);
      expect(await sha256Of((await store.get(key)).body)).toBe(await sha256Of(patternStream(size, 'known')));
    });

    it('streams a ~20 MiB body of unknown length', async () => {
      const key = scope()('unknown-length.bin');
      await store.put(key, patternStream(size, 'unknown'));
      expect((await store.head(key))?.size).toBe(size);
      expect(await sha256Of((await store.get(key)).body)).toBe(await sha256Of(patternStream(size, 'unknown')));
    });

    it('rejects a body that does not match contentLength, storing nothing', async () => {
      const at = scope();
      await expect(
        store.put(at('long'), Readable.from([Buffer.alloc(100)]), { contentLength: 10 }),
      ).rejects.toBeInstanceOf(BodyLengthError);
      await expect(
        store.put(at('short'), Readable.from([Buffer.alloc(10)]), { contentLength: 100 }),
      ).rejects.toBeInstanceOf(BodyLengthError);
      expect(await store.head(at('long'))).toBeNull();
      expect(await store.head(at('short'))).toBeNull();
      // The store is still healthy afterwards (no poisoned connection on S3).
      await store.put(at('after'), Buffer.from('ok'));
      expect((await readAll((await store.get(at('after'))).body)).toString()).toBe('ok');
    });

    it.each([
      ['of known length', 12 * MiB],
      ['of unknown length', undefined],
    ])('fails a put whose body stream fails, %s, storing nothing', async (_case, contentLength) => {
      const key = scope()('failing.bin');
      const failing = Readable.from(
        (async function* () {
          yield* patternStream(10 * MiB, 'failing');
          throw new Error('client went away');
        })(),
      );
      await expect(store.put(key, failing, { contentLength })).rejects.toThrow('client went away');
      expect(await store.head(key)).toBeNull();
    });

    it.each([
      ['put', 'of known length', 64],
      ['put', 'of unknown length', undefined],
      ['createIfAbsent', 'of known length', 64],
      ['createIfAbsent', 'of unknown length', undefined],
    ] as const)(
      'fails a %s whose body fails before the store reads from it, %s, storing nothing',
      async (method, _case, contentLength) => {
        const key = scope()('early-failing.bin');
        const failure = new Error('failed before the first read');
        const body = new PassThrough();
        const write = store[method](key, body, { contentLength });
        // Emitted on the next tick: an 'error' event without a listener would end the process.
        body.destroy(failure);
        await expect(write).rejects.toBe(failure);
        expect(await store.head(key)).toBeNull();
      },
    );
  });

  describe('createIfAbsent', () => {
    it('creates once; a second call reports exists and leaves the content unchanged', async () => {
      const key = scope()('write-once');
      const first = await store.createIfAbsent(key, Buffer.from('original'), { contentType: 'text/plain' });
      expect(first).toEqual({ status: 'created', etag: expect.stringMatching(/^[0-9a-f]{32}$/) });

      expect(await store.createIfAbsent(key, Buffer.from('replacement'))).toEqual({ status: 'exists' });
      expect(await store.createIfAbsent(key, Readable.from([Buffer.from('streamed')]), { contentLength: 8 })).toEqual({
        status: 'exists',
      });

      const info = await store.head(key);
      expect(info).toMatchObject({ size: 8, contentType: 'text/plain' });
      expect(info?.etag).toBe(first.status === 'created' ? first.etag : 'not created');
      expect((await readAll((await store.get(key)).body)).toString()).toBe('original');
    });

    it('never overwrites with a large stream of unknown length either', async () => {
      const key = scope()('write-once-large');
      await store.createIfAbsent(key, Buffer.from('original'));
      expect(await store.createIfAbsent(key, patternStream(10 * MiB, 'large'))).toEqual({ status: 'exists' });
      expect((await readAll((await store.get(key)).body)).toString()).toBe('original');
    });

    it('creates from a stream of unknown length', async () => {
      const key = scope()('created-from-stream');
      const size = 9 * MiB;
      expect(await store.createIfAbsent(key, patternStream(size, 'stream'))).toMatchObject({ status: 'created' });
      expect(await sha256Of((await store.get(key)).body)).toBe(await sha256Of(patternStream(size, 'stream')));
    });
  });

  describe('copy and delete', () => {
    it('copies bytes and properties, or replaces the properties given', async () => {
      const at = scope();
      await store.put(at('source'), Buffer.from('copied bytes'), { contentType: 'text/plain', metadata: { a: '1' } });

      await store.copy(at('source'), at('same'));
      expect(await store.head(at('same'))).toMatchObject({ size: 12, contentType: 'text/plain', metadata: { a: '1' } });
      expect((await readAll((await store.get(at('same'))).body)).toString()).toBe('copied bytes');

      await store.copy(at('source'), at('replaced'), { metadata: { b: '2' } });
      expect(await store.head(at('replaced'))).toMatchObject({ contentType: 'text/plain', metadata: { b: '2' } });

      await expectCode(store.copy(at('absent'), at('target')), 'NOT_FOUND');
    });

    it('copies a source of the expected ETag', async () => {
      const at = scope();
      const { etag } = await store.put(at('verified'), Buffer.from('verified bytes'));
      await store.copy(at('verified'), at('copy'), { ifSourceEtag: etag });
      expect((await readAll((await store.get(at('copy'))).body)).toString()).toBe('verified bytes');
      expect((await store.head(at('copy')))?.etag).toBe(etag);
    });

    it('deletes idempotently', async () => {
      const key = scope()('deleted');
      await store.put(key, Buffer.from('x'));
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      await expect(store.delete(key)).resolves.toBeUndefined();
      await expect(store.delete(scope()('never-existed'))).resolves.toBeUndefined();
    });
  });

  describe('list', () => {
    it('yields the keys under a prefix in ascending order, with sizes, up to a limit', async () => {
      const prefix = uniquePrefix();
      const at = (name: string): string => `${prefix}${name}`;
      // Written out of order; "x-y" < "x/z" < "x0" in byte order.
      const written = ['x0', 'b/c', 'x/z', 'a', 'x-y', 'b/a/d'];
      for (const name of written) await store.put(at(name), Buffer.from(name));
      await store.put(`${prefix.slice(0, -1)}-sibling/k`, Buffer.from('shares the stem, not the prefix'));

      const listed = await collect(store.list(at('')));
      expect(listed.map((object) => object.key)).toEqual(['a', 'b/a/d', 'b/c', 'x-y', 'x/z', 'x0'].map(at));
      expect(listed.map((object) => object.size)).toEqual([1, 5, 3, 3, 3, 2]);
      expect(listed.every((object) => /^[0-9a-f]{32}$/.test(object.etag))).toBe(true);

      expect((await collect(store.list(at('b/')))).map((object) => object.key)).toEqual([at('b/a/d'), at('b/c')]);
      expect((await collect(store.list(at('x')))).map((object) => object.key)).toEqual(['x-y', 'x/z', 'x0'].map(at));
      expect((await collect(store.list(at(''), { limit: 2 }))).map((object) => object.key)).toEqual([
        at('a'),
        at('b/a/d'),
      ]);
      expect(await collect(store.list(at('nothing/')))).toEqual([]);
    });
  });

  describe('multipart uploads', () => {
    const first = patternBuffer(FIRST_PART_SIZE + 17, 'part-1');
    const second = Buffer.from('the last part may be small');

    it('uploads parts, lists them with sizes, and completes to their concatenation', async () => {
      const key = scope()('multipart.bin');
      const { uploadId } = await store.createMultipartUpload(key, { contentType: 'application/zstd' });
      const one = await store.uploadPart(key, uploadId, 1, first, first.length);
      const two = await store.uploadPart(key, uploadId, 2, Readable.from([second]), second.length);

      expect(await store.listParts(key, uploadId)).toEqual([
        { partNumber: 1, etag: one.etag, size: first.length },
        { partNumber: 2, etag: two.etag, size: second.length },
      ]);
      const { etag } = await store.completeMultipartUpload(key, uploadId, [
        { partNumber: 1, etag: one.etag },
        { partNumber: 2, etag: two.etag },
      ]);
      expect(etag).toMatch(/^[0-9a-f]{32}-2$/);

      expect(await store.head(key)).toMatchObject({
        size: first.length + second.length,
        etag,
        contentType: 'application/zstd',
      });
      expect(await sha256Of((await store.get(key)).body)).toBe(sha256(Buffer.concat([first, second])));
    });

    it('refuses to complete with a wrong ETag (INVALID_PART) and keeps the upload', async () => {
      const key = scope()('wrong-etag.bin');
      const { uploadId } = await store.createMultipartUpload(key);
      const one = await store.uploadPart(key, uploadId, 1, second, second.length);

      await expectCode(
        store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: 'f'.repeat(32) }]),
        'INVALID_PART',
      );
      expect(await store.head(key)).toBeNull();
      expect(await store.listParts(key, uploadId)).toEqual([{ partNumber: 1, etag: one.etag, size: second.length }]);
      await store.abortMultipartUpload(key, uploadId);
    });

    it('aborts: parts are gone, NO_SUCH_UPLOAD afterwards, and aborting again succeeds', async () => {
      const key = scope()('aborted.bin');
      const { uploadId } = await store.createMultipartUpload(key);
      await store.uploadPart(key, uploadId, 1, second, second.length);

      await store.abortMultipartUpload(key, uploadId);
      await expectCode(store.listParts(key, uploadId), 'NO_SUCH_UPLOAD');
      await expectCode(store.uploadPart(key, uploadId, 2, second, second.length), 'NO_SUCH_UPLOAD');
      await expect(store.abortMultipartUpload(key, uploadId)).resolves.toBeUndefined();
      expect(await store.head(key)).toBeNull();
    });

    describe('part bodies that go wrong store no part and leave the upload usable', () => {
      /** The part is absent, and sending it again with the right bytes works. */
      async function expectPartAbsentThenTaken(key: string, uploadId: string): Promise<void> {
        expect(await store.listParts(key, uploadId)).toEqual([]);
        const { etag } = await store.uploadPart(key, uploadId, 1, Readable.from([second]), second.length);
        expect(await store.listParts(key, uploadId)).toEqual([{ partNumber: 1, etag, size: second.length }]);
        await store.abortMultipartUpload(key, uploadId);
      }

      it('a stream that fails midway: rejects with its error', async () => {
        const key = scope()('failing-part.bin');
        const { uploadId } = await store.createMultipartUpload(key);
        const failure = new Error('client went away');
        const failing = Readable.from(
          (async function* () {
            yield* patternStream(2 * MiB, 'failing-part');
            throw failure;
          })(),
        );
        await expect(store.uploadPart(key, uploadId, 1, failing, 4 * MiB)).rejects.toBe(failure);
        expect(failing.destroyed).toBe(true);
        await expectPartAbsentThenTaken(key, uploadId);
      });

      it('a stream that fails before the store reads from it: rejects with its error, nothing unheard', async () => {
        const key = scope()('early-failing-part.bin');
        const { uploadId } = await store.createMultipartUpload(key);
        const failure = new Error('failed before the first read');
        const body = new PassThrough();
        const upload = store.uploadPart(key, uploadId, 1, body, second.length);
        // Emitted on the next tick: an 'error' event without a listener would end the process.
        body.destroy(failure);
        await expect(upload).rejects.toBe(failure);
        await expectPartAbsentThenTaken(key, uploadId);
      });

      it.each([
        ['shorter', second.length - 1],
        ['longer', second.length + 1],
      ])('a stream %s than contentLength: rejects with BodyLengthError', async (_case, length) => {
        const key = scope()('wrong-length-part.bin');
        const { uploadId } = await store.createMultipartUpload(key);
        const body = Readable.from([patternBuffer(length, 'wrong-length')]);
        await expect(store.uploadPart(key, uploadId, 1, body, second.length)).rejects.toBeInstanceOf(BodyLengthError);
        await expectPartAbsentThenTaken(key, uploadId);
      });
    });

    it('reports a completed upload as NO_SUCH_UPLOAD', async () => {
      const key = scope()('completed.bin');
      const { uploadId } = await store.createMultipartUpload(key);
      const one = await store.uploadPart(key, uploadId, 1, second, second.length);
      await store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: one.etag }]);
      await expectCode(store.listParts(key, uploadId), 'NO_SUCH_UPLOAD');
    });
  });

  describe('unsafe keys', () => {
    it.each(['../x', '/abs', 'a//b'])('rejects %j everywhere with INVALID_KEY', async (key) => {
      const body = Buffer.from('x');
      const attempts: Array<Promise<unknown>> = [
        store.put(key, body),
        store.createIfAbsent(key, body),
        store.head(key),
        store.get(key),
        store.delete(key),
        store.copy('safe', key),
        store.copy(key, 'safe'),
        store.createMultipartUpload(key),
        store.uploadPart(key, 'upload', 1, body, 1),
        store.listParts(key, 'upload'),
        store.completeMultipartUpload(key, 'upload', [{ partNumber: 1, etag: 'e' }]),
        store.abortMultipartUpload(key, 'upload'),
        collect(store.list(`${key}/`)),
      ];
      for (const attempt of attempts) await expectCode(attempt, 'INVALID_KEY');
      expect(await store.head('safe')).toBeNull();
    });
  });
});

describe('S3 driver against a real server', () => {
  let harness: S3Harness;

  beforeAll(async () => {
    harness = await s3Harness();
  });

  afterAll(async () => {
    await harness?.tearDown();
  });

  it('offers presigned uploads', () => {
    expect(harness.store.capabilities.presignedUploads).toBe(true);
  });

  it('gets HTTP 412 for a raw If-None-Match: * PUT onto an existing key', async () => {
    const key = 'raw/conditional';
    await harness.store.put(key, Buffer.from('kept'));
    const attempt = harness.raw.send(
      new PutObjectCommand({ Bucket: harness.bucket.name, Key: key, Body: 'overwrite', IfNoneMatch: '*' }),
    );
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await readAll((await harness.store.get(key)).body)).toString()).toBe('kept');
  });

  it('accepts a plain fetch PUT on a presigned part URL; the part is listed and completes', async () => {
    const key = 'presigned/multipart.bin';
    const body = patternBuffer(64 * 1024, 'presigned-part');
    const { uploadId } = await harness.store.createMultipartUpload(key);
    const presigned = await harness.store.presignUploadPart(key, uploadId, 1, {
      expiresInSeconds: 300,
      contentLength: body.length,
    });

    const response = await fetch(presigned.url, { method: presigned.method, body, headers: presigned.headers });
    expect(response.status).toBe(200);
    const etag = response.headers.get('etag')?.replace(/"/g, '');

    expect(await harness.store.listParts(key, uploadId)).toEqual([{ partNumber: 1, etag, size: body.length }]);
    await harness.store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: etag ?? '' }]);
    expect(await sha256Of((await harness.store.get(key)).body)).toBe(sha256(body));
  });

  it('signs the part length: a body of another size is refused', async () => {
    const key = 'presigned/wrong-length.bin';
    const { uploadId } = await harness.store.createMultipartUpload(key);
    const presigned = await harness.store.presignUploadPart(key, uploadId, 1, {
      expiresInSeconds: 300,
      contentLength: 10,
    });
    const response = await fetch(presigned.url, { method: 'PUT', body: Buffer.alloc(11) });
    expect(response.status).toBe(403);
    expect(await harness.store.listParts(key, uploadId)).toEqual([]);
    await harness.store.abortMultipartUpload(key, uploadId);
  });

  it('accepts a plain fetch PUT on a presigned object URL', async () => {
    const key = 'presigned/object.json';
    const body = Buffer.from('{"presigned":true}');
    const presigned = await harness.store.presignPut(key, {
      expiresInSeconds: 300,
      contentType: 'application/json',
      contentLength: body.length,
    });
    const response = await fetch(presigned.url, { method: presigned.method, body, headers: presigned.headers });
    expect(response.status).toBe(200);
    expect(await harness.store.head(key)).toMatchObject({ size: body.length, contentType: 'application/json' });
    expect((await readAll((await harness.store.get(key)).body)).equals(body)).toBe(true);
  });

  it('sends a stream of unknown length as a multipart upload of 8 MiB parts', async () => {
    const key = 'streamed/unknown-length.bin';
    const { etag } = await harness.store.put(key, patternStream(20 * MiB, 'parts'));
    expect(etag).toMatch(/-3$/);
  });

  it('leaves no multipart upload behind when a stream of unknown length fails', async () => {
    const key = 'streamed/failing.bin';
    const failing = Readable.from(
      (async function* () {
        yield* patternStream(20 * MiB, 'failing');
        throw new Error('client went away');
      })(),
    );
    await expect(harness.store.put(key, failing)).rejects.toThrow('client went away');
    const uploads = await harness.raw.send(
      new ListMultipartUploadsCommand({ Bucket: harness.bucket.name, Prefix: key }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe('fs driver', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await fsHarness();
  });

  afterAll(async () => {
    await harness?.tearDown();
  });

  it('has no presigned uploads', async () => {
    expect(harness.store.capabilities.presignedUploads).toBe(false);
    await expectCode(harness.store.presignPut('a', { expiresInSeconds: 60 }), 'NOT_SUPPORTED');
    await expectCode(harness.store.presignUploadPart('a', 'u', 1, { expiresInSeconds: 60 }), 'NOT_SUPPORTED');
  });
});

function uniquePrefix(): string {
  return `c-${randomUUID().slice(0, 8)}/`;
}

async function expectCode(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  expect('rejected' in outcome && isStorageError(outcome.rejected) ? outcome.rejected.code : outcome).toBe(code);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect(objects: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const found: ObjectInfo[] = [];
  for await (const object of objects) found.push(object);
  return found;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `size` reproducible pseudo-random bytes (an AES-CTR keystream seeded by `seed`), generated on the fly
 * in chunks of an odd size so that part boundaries fall inside chunks.
 */
function patternStream(size: number, seed: string): Readable {
  const chunkSize = 100_003;
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < size; offset += chunkSize) {
        yield cipher.update(Buffer.alloc(Math.min(chunkSize, size - offset)));
      }
    })(),
  );
}

function patternBuffer(size: number, seed: string): Buffer {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
}
