import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BodyLengthError } from './body-streams.js';
import { FsBundleStore } from './fs-bundle-store.js';
import { MIN_PART_SIZE } from './object-rules.js';
import type { BundleStore, ObjectInfo } from './types.js';

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function text(store: BundleStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString();
}

async function collect(objects: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const found: ObjectInfo[] = [];
  for await (const object of objects) found.push(object);
  return found;
}

async function keys(objects: AsyncIterable<ObjectInfo>): Promise<string[]> {
  return (await collect(objects)).map((object) => object.key);
}

describe('FsBundleStore', () => {
  let root: string;
  let store: FsBundleStore;
  const tmpDir = (): string => path.join(root, '.extplat', 'tmp');
  /** Files left in the driver's tmp folder; a body refused before any write leaves no folder at all. */
  const tempFiles = async (): Promise<string[]> => {
    try {
      return await readdir(tmpDir());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'extplat-fs-store-'));
    store = new FsBundleStore({ root });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('ping', () => {
    it('creates a missing root', async () => {
      const nested = new FsBundleStore({ root: path.join(root, 'not', 'yet') });
      await nested.ping();
      await nested.put('a', Buffer.from('x'));
      expect(await readdir(path.join(root, 'not', 'yet'))).toEqual(expect.arrayContaining(['a']));
    });

    it('reports UNAVAILABLE when the root cannot be a directory', async () => {
      await writeFile(path.join(root, 'file'), 'x');
      await expect(new FsBundleStore({ root: path.join(root, 'file') }).ping()).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
    });
  });

  it('has no presigned uploads', async () => {
    expect(store.capabilities.presignedUploads).toBe(false);
    await expect(store.presignPut('a', { expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(store.presignUploadPart('a', 'u', 1, { expiresInSeconds: 60 })).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
  });

  describe('writes', () => {
    it('uses the MD5 of the content as ETag, a default content type and lowercased metadata keys', async () => {
      const body = Buffer.from('hello');
      const { etag } = await store.put('a/b', body, { metadata: { Origin: 'Upload' } });
      expect(etag).toBe(md5(body));
      expect(await store.head('a/b')).toMatchObject({
        etag,
        size: 5,
        contentType: 'application/octet-stream',
        metadata: { origin: 'Upload' },
      });
    });

    it.each([
      ['a longer stream', () => Readable.from([Buffer.from('0123456789')]), 4],
      ['a shorter stream', () => Readable.from([Buffer.from('01')]), 4],
      ['a buffer of another length', () => Buffer.from('012'), 4],
    ])('rejects %s than contentLength, leaving nothing behind', async (_case, body, contentLength) => {
      await expect(store.put('k', body(), { contentLength })).rejects.toBeInstanceOf(BodyLengthError);
      expect(await store.head('k')).toBeNull();
      expect(await tempFiles()).toEqual([]);
    });

    it('keeps the previous object when the new body fails mid-stream', async () => {
      await store.put('k', Buffer.from('old'));
      const failing = Readable.from(
        (function* () {
          yield Buffer.from('partial');
          throw new Error('client went away');
        })(),
      );
      await expect(store.put('k', failing)).rejects.toThrow('client went away');
      expect(await text(store, 'k')).toBe('old');
      expect(await tempFiles()).toEqual([]);
    });

    it('lets exactly one of many concurrent createIfAbsent calls win, with its content intact', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`writer ${i} `.repeat(10_000)));
      const results = await Promise.all(bodies.map((body) => store.createIfAbsent('race', Readable.from([body]))));
      const created = results.flatMap((result, i) => (result.status === 'created' ? [i] : []));
      expect(created).toHaveLength(1);
      const winner = bodies[created[0] ?? -1];
      expect((await readAll((await store.get('race')).body)).equals(winner ?? Buffer.alloc(0))).toBe(true);
      expect((await store.head('race'))?.etag).toBe(md5(winner ?? Buffer.alloc(0)));
      expect(await tempFiles()).toEqual([]);
    });

    it('serves an opened body to the end even when the key is replaced meanwhile', async () => {
      await store.put('k', Buffer.from('first version'));
      const { body, etag } = await store.get('k');
      await store.put('k', Buffer.from('second'));
      expect((await readAll(body)).toString()).toBe('first version');
      expect(etag).toBe(md5(Buffer.from('first version')));
    });

    it('copies bytes and ETag, replacing only the properties given', async () => {
      await store.put('src', Buffer.from('data'), { contentType: 'text/plain', metadata: { a: '1' } });
      await store.copy('src', 'same');
      await store.copy('src', 'retyped', { contentType: 'application/json' });
      expect(await store.head('same')).toMatchObject({ contentType: 'text/plain', metadata: { a: '1' } });
      expect(await store.head('retyped')).toMatchObject({ contentType: 'application/json', metadata: { a: '1' } });
      expect((await store.head('retyped'))?.etag).toBe(md5(Buffer.from('data')));
      await expect(store.copy('missing', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('recomputes the ETag of an object whose sidecar was lost in a crash', async () => {
      await store.put('dir/k', Buffer.from('bytes'), { contentType: 'text/plain' });
      await unlink(path.join(root, '.extplat', 'meta', 'dir', 'k.json'));
      expect(await store.head('dir/k')).toMatchObject({ etag: md5(Buffer.from('bytes')), size: 5 });
    });
  });

  describe('keys and folders', () => {
    it('refuses a key under an existing object, and an object where keys live below', async () => {
      await store.put('a', Buffer.from('x'));
      await store.put('x/y', Buffer.from('y'));
      await expect(store.put('a/b', Buffer.from('z'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(store.createIfAbsent('a/b', Buffer.from('z'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(store.put('x', Buffer.from('z'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
      // A folder is not an existing object: createIfAbsent must not report "exists".
      await expect(store.createIfAbsent('x', Buffer.from('z'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
      expect(await keys(store.list(''))).toEqual(['a', 'x/y']);
    });

    it('treats a folder as no object for head, get and delete', async () => {
      await store.put('x/y', Buffer.from('y'));
      expect(await store.head('x')).toBeNull();
      await expect(store.get('x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await store.delete('x');
      expect(await text(store, 'x/y')).toBe('y');
    });

    it('rejects a segment too long for the filesystem as INVALID_KEY', async () => {
      await expect(store.put('a'.repeat(300), Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    });

    it('removes folders that deletes leave empty', async () => {
      await store.put('staging/u1/part', Buffer.from('x'));
      await store.put('staging/u2/part', Buffer.from('y'));
      await store.delete('staging/u1/part');
      expect(await readdir(path.join(root, 'staging'))).toEqual(['u2']);
      await store.delete('staging/u2/part');
      expect(await readdir(root)).toEqual(['.extplat']);
      expect(await readdir(path.join(root, '.extplat', 'meta'))).toEqual([]);
    });
  });

  describe('list', () => {
    // In UTF-8 byte order; a folder sorts where its keys do ("a/b" between "a-b" and "a0").
    const expected = ['a-b', 'a/b', 'a0', 'a1/x', 'aZ', 'a_', 'ab', 'a~', 'aé', 'b/c/d'].map((name) => `o/${name}`);

    beforeEach(async () => {
      for (const key of [...expected].reverse()) await store.put(key, Buffer.from(key));
    });

    it('yields keys in UTF-8 byte order, as S3 does, and never the reserved folder', async () => {
      expect(await keys(store.list(''))).toEqual(expected);
      expect(await keys(store.list('o/'))).toEqual(expected);
    });

    it('filters by prefixes that end inside a name, and stops at the limit', async () => {
      expect(await keys(store.list('o/a/'))).toEqual(['o/a/b']);
      expect(await keys(store.list('o/a1'))).toEqual(['o/a1/x']);
      expect(await keys(store.list('o/b/c/'))).toEqual(['o/b/c/d']);
      expect(await keys(store.list('o/a', { limit: 3 }))).toEqual(['o/a-b', 'o/a/b', 'o/a0']);
      expect(await keys(store.list('o/', { limit: 0 }))).toEqual([]);
      expect(await keys(store.list('nothing/here/'))).toEqual([]);
    });

    it('leaves content type and metadata to head, like an S3 listing', async () => {
      await store.put('meta/k', Buffer.from('x'), { contentType: 'text/plain', metadata: { a: '1' } });
      const [listed] = await collect(store.list('meta/'));
      expect(listed).toMatchObject({ key: 'meta/k', size: 1, etag: md5(Buffer.from('x')), metadata: {} });
      expect(listed?.contentType).toBeUndefined();
      expect(Number.isFinite(listed?.lastModified.getTime())).toBe(true);
    });
  });

  describe('ranged get', () => {
    beforeEach(async () => {
      await store.put('k', Buffer.from('0123456789'));
      await store.put('empty', Buffer.alloc(0));
    });

    it('clamps the end to the last byte', async () => {
      const result = await store.get('k', { range: { start: 7, end: 100 } });
      expect(result).toMatchObject({ contentLength: 3, totalSize: 10, range: { start: 7, end: 9 } });
      expect((await readAll(result.body)).toString()).toBe('789');
    });

    it.each([
      ['a start past the end', 'k', { start: 10 }],
      ['an end before the start', 'k', { start: 5, end: 4 }],
      ['a negative start', 'k', { start: -1 }],
      ['a fractional start', 'k', { start: 1.5 }],
      ['any range of an empty object', 'empty', { start: 0 }],
    ])('rejects %s with INVALID_RANGE', async (_case, key, range) => {
      await expect(store.get(key, { range })).rejects.toMatchObject({ code: 'INVALID_RANGE' });
    });

    it('reads an empty object whole', async () => {
      const result = await store.get('empty');
      expect(result).toMatchObject({ contentLength: 0, totalSize: 0 });
      expect((await readAll(result.body)).length).toBe(0);
    });
  });

  describe('multipart', () => {
    const big = Buffer.alloc(MIN_PART_SIZE, 1);
    const small = Buffer.from('tail');

    it('follows S3: ETag from the parts, upload gone once completed', async () => {
      const { uploadId } = await store.createMultipartUpload('m', { contentType: 'application/zstd' });
      const first = await store.uploadPart('m', uploadId, 1, big, big.length);
      const second = await store.uploadPart('m', uploadId, 2, Readable.from([small]), small.length);
      const { etag } = await store.completeMultipartUpload('m', uploadId, [
        { partNumber: 1, etag: `"${first.etag}"` }, // S3 accepts quoted ETags too
        { partNumber: 2, etag: second.etag },
      ]);
      const expected = createHash('md5')
        .update(Buffer.concat([Buffer.from(md5(big), 'hex'), Buffer.from(md5(small), 'hex')]))
        .digest('hex');
      expect(etag).toBe(`${expected}-2`);
      expect(await store.head('m')).toMatchObject({
        etag,
        size: big.length + small.length,
        contentType: 'application/zstd',
      });
      await expect(store.listParts('m', uploadId)).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
      await expect(
        store.completeMultipartUpload('m', uploadId, [{ partNumber: 1, etag: first.etag }]),
      ).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
      expect(await readdir(path.join(root, '.extplat', 'uploads'))).toEqual([]);
    });

    it('keeps the latest upload of a part number', async () => {
      const { uploadId } = await store.createMultipartUpload('m');
      await store.uploadPart('m', uploadId, 1, Buffer.from('first try'), 9);
      const retry = await store.uploadPart('m', uploadId, 1, Buffer.from('second'), 6);
      expect(await store.listParts('m', uploadId)).toEqual([{ partNumber: 1, etag: retry.etag, size: 6 }]);
      await store.completeMultipartUpload('m', uploadId, [{ partNumber: 1, etag: retry.etag }]);
      expect(await text(store, 'm')).toBe('second');
    });

    it('rejects part lists S3 would reject, with INVALID_PART', async () => {
      const { uploadId } = await store.createMultipartUpload('m');
      const one = await store.uploadPart('m', uploadId, 1, small, small.length);
      const two = await store.uploadPart('m', uploadId, 2, small, small.length);
      const attempts = [
        [], // no parts
        [
          { partNumber: 2, etag: two.etag },
          { partNumber: 1, etag: one.etag },
        ], // descending
        [
          { partNumber: 1, etag: one.etag },
          { partNumber: 1, etag: one.etag },
        ], // repeated
        [{ partNumber: 3, etag: one.etag }], // never uploaded
        [{ partNumber: 1, etag: '0'.repeat(32) }], // wrong ETag
        [
          { partNumber: 1, etag: one.etag },
          { partNumber: 2, etag: two.etag },
        ], // non-last part below 5 MiB
      ];
      for (const parts of attempts) {
        await expect(store.completeMultipartUpload('m', uploadId, parts)).rejects.toMatchObject({
          code: 'INVALID_PART',
        });
      }
      await expect(store.uploadPart('m', uploadId, 0, small, small.length)).rejects.toMatchObject({
        code: 'INVALID_PART',
      });
      await expect(store.uploadPart('m', uploadId, 10_001, small, small.length)).rejects.toMatchObject({
        code: 'INVALID_PART',
      });
      // Nothing was consumed by the failed attempts.
      expect((await store.listParts('m', uploadId)).map((part) => part.partNumber)).toEqual([1, 2]);
      expect(await store.head('m')).toBeNull();
    });

    it('knows an upload only under its own key and id', async () => {
      const { uploadId } = await store.createMultipartUpload('m');
      await expect(store.listParts('other', uploadId)).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
      await expect(store.uploadPart('other', uploadId, 1, small, small.length)).rejects.toMatchObject({
        code: 'NO_SUCH_UPLOAD',
      });
      for (const bogus of ['../../meta', '00000000-0000-0000-0000-000000000000', '']) {
        await expect(store.listParts('m', bogus)).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
        await expect(store.abortMultipartUpload('m', bogus)).resolves.toBeUndefined();
      }
      // Aborting under the wrong key leaves the upload alone.
      await store.abortMultipartUpload('other', uploadId);
      expect(await store.listParts('m', uploadId)).toEqual([]);
    });

    it('fails a part sent to an upload aborted meanwhile with NO_SUCH_UPLOAD', async () => {
      const { uploadId } = await store.createMultipartUpload('m');
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slowBody = Readable.from(
        (async function* () {
          yield Buffer.from('ab');
          await gate;
          yield Buffer.from('cd');
        })(),
      );
      const sending = store.uploadPart('m', uploadId, 1, slowBody, 4);
      await store.abortMultipartUpload('m', uploadId);
      release();
      await expect(sending).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
      expect(await tempFiles()).toEqual([]);
    });
  });
});

describe('FsBundleStore copy precondition', () => {
  it('refuses to copy a source whose ETag changed', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'extplat-fs-copy-'));
    try {
      const store = new FsBundleStore({ root });
      const { etag } = await store.put('staging/a/bundle', Buffer.from('first'));
      await store.put('staging/a/bundle', Buffer.from('second'));
      await expect(store.copy('staging/a/bundle', 'sha256/x', { ifSourceEtag: etag })).rejects.toMatchObject({
        code: 'SOURCE_CHANGED',
      });
      expect(await store.head('sha256/x')).toBeNull();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
