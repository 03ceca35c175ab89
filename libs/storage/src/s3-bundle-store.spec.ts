import { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { StorageError, isStorageError } from './errors.js';
import { S3BundleStore, type S3StoreConfig } from './s3-bundle-store.js';
import { translateS3Error } from './s3-errors.js';

const config: S3StoreConfig = {
  endpoint: 'http://s3.internal:9000',
  publicEndpoint: 'https://files.example.com',
  region: 'us-east-1',
  bucket: 'bundles',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret',
  forcePathStyle: true,
};

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('S3BundleStore presigning (offline)', () => {
  it('signs part URLs for the public endpoint with only content-length and host signed, no checksums', async () => {
    const store = new S3BundleStore(config);
    const before = Date.now();
    const request = await store.presignUploadPart('staging/u1/bundle.tar.zst', 'upload-1', 3, {
      expiresInSeconds: 600,
      contentLength: 5_242_880,
    });
    const url = new URL(request.url);
    expect(url.origin).toBe('https://files.example.com');
    expect(url.pathname).toBe('/bundles/staging/u1/bundle.tar.zst');
    const query = queryOf(request.url);
    expect(query.get('partNumber')).toBe('3');
    expect(query.get('uploadId')).toBe('upload-1');
    expect(query.get('X-Amz-Expires')).toBe('600');
    expect(query.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect([...query.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    expect(request.method).toBe('PUT');
    expect(request.headers).toEqual({ 'content-length': '5242880' });
    expect(request.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(request.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('signs the content type of a presigned PUT so the client must send it', async () => {
    const store = new S3BundleStore(config);
    const request = await store.presignPut('staging/u1/manifest.json', {
      expiresInSeconds: 60,
      contentType: 'application/json',
    });
    expect(queryOf(request.url).get('X-Amz-SignedHeaders')).toBe('content-type;host');
    expect(request.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('signs for the S3 endpoint itself when there is no public endpoint', async () => {
    const store = new S3BundleStore({ ...config, publicEndpoint: undefined });
    const request = await store.presignPut('a/b', { expiresInSeconds: 60 });
    expect(new URL(request.url).origin).toBe('http://s3.internal:9000');
    expect(queryOf(request.url).get('X-Amz-SignedHeaders')).toBe('host');
    expect(request.headers).toEqual({});
  });

  it('rejects unsafe keys, part numbers and lifetimes before signing', async () => {
    const store = new S3BundleStore(config);
    await expect(store.presignPut('../x', { expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await expect(store.presignUploadPart('a', 'u', 0, { expiresInSeconds: 60 })).rejects.toMatchObject({
      code: 'INVALID_PART',
    });
    await expect(store.presignUploadPart('a', 'u', 10_001, { expiresInSeconds: 60 })).rejects.toMatchObject({
      code: 'INVALID_PART',
    });
    await expect(store.presignPut('a', { expiresInSeconds: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.presignPut('a', { expiresInSeconds: 8 * 24 * 3600 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('S3BundleStore conditional writes (stubbed server)', () => {
  const failure = (name: string, httpStatusCode: number): S3ServiceException =>
    new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode } });
  const conflict = (): S3ServiceException => failure('ConditionalRequestConflict', 409);
  const headFound = { ContentLength: 1, ETag: '"abc"', Metadata: {} };

  /** Answers PutObject and HeadObject from scripted queues: an Error rejects, anything else resolves. */
  function stubServer(script: { put: unknown[]; head?: unknown[] }): { puts: () => number } {
    let puts = 0;
    const send = (command: unknown): Promise<unknown> => {
      if (command instanceof PutObjectCommand) puts += 1;
      const queue = command instanceof PutObjectCommand ? script.put : script.head;
      const reply =
        command instanceof PutObjectCommand || command instanceof HeadObjectCommand ? queue?.shift() : undefined;
      if (reply === undefined) return Promise.reject(new Error('unexpected S3 call'));
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    };
    jest.spyOn(S3Client.prototype, 'send').mockImplementation(send as never);
    return { puts: () => puts };
  }

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('maps 412 to exists', async () => {
    stubServer({ put: [failure('PreconditionFailed', 412)] });
    expect(await new S3BundleStore(config).createIfAbsent('k', Buffer.from('x'))).toEqual({ status: 'exists' });
  });

  it('sends a buffer again after a 409 conflict', async () => {
    const server = stubServer({ put: [conflict(), conflict(), { ETag: '"e1"' }] });
    expect(await new S3BundleStore(config).createIfAbsent('k', Buffer.from('x'))).toEqual({
      status: 'created',
      etag: 'e1',
    });
    expect(server.puts()).toBe(3);
  });

  it('after repeated conflicts, reports exists only when HEAD finds the object', async () => {
    stubServer({ put: [conflict(), conflict(), conflict()], head: [headFound] });
    expect(await new S3BundleStore(config).createIfAbsent('k', Buffer.from('x'))).toEqual({ status: 'exists' });

    stubServer({ put: [conflict(), conflict(), conflict()], head: [failure('NotFound', 404)] });
    await expect(new S3BundleStore(config).createIfAbsent('k', Buffer.from('x'))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('does not resend a consumed stream: one conflict goes straight to HEAD', async () => {
    const server = stubServer({ put: [conflict()], head: [headFound] });
    const body = Readable.from([Buffer.from('xy')]);
    expect(await new S3BundleStore(config).createIfAbsent('k', body, { contentLength: 2 })).toEqual({
      status: 'exists',
    });
    expect(server.puts()).toBe(1);
  });
});

describe('S3BundleStore ping', () => {
  it('reports an unreachable server as UNAVAILABLE', async () => {
    const store = new S3BundleStore({ ...config, endpoint: 'http://127.0.0.1:9', publicEndpoint: undefined });
    await expect(store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('translateS3Error', () => {
  const serviceError = (name: string, httpStatusCode: number): S3ServiceException =>
    new S3ServiceException({
      name,
      $fault: httpStatusCode >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode },
    });
  const networkError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

  it.each([
    ['NoSuchKey', 404, 'object', 'NOT_FOUND'],
    ['NotFound', 404, 'object', 'NOT_FOUND'],
    ['NoSuchUpload', 404, 'upload', 'NO_SUCH_UPLOAD'],
    ['NoSuchUpload', 404, 'object', 'NO_SUCH_UPLOAD'],
    // Ceph RGW reports ListParts of an unknown upload as NoSuchKey.
    ['NoSuchKey', 404, 'upload', 'NO_SUCH_UPLOAD'],
    ['NoSuchBucket', 404, 'object', 'UNAVAILABLE'],
    ['InvalidRange', 416, 'object', 'INVALID_RANGE'],
    ['InvalidPart', 400, 'upload', 'INVALID_PART'],
    ['InvalidPartOrder', 400, 'upload', 'INVALID_PART'],
    ['EntityTooSmall', 400, 'upload', 'INVALID_PART'],
    ['InternalError', 500, 'object', 'UNAVAILABLE'],
    ['SlowDown', 503, 'object', 'UNAVAILABLE'],
    ['AccessDenied', 403, 'object', 'UNAVAILABLE'],
    ['InvalidAccessKeyId', 403, 'object', 'UNAVAILABLE'],
    ['NotFound', 404, 'bucket', 'UNAVAILABLE'],
  ] as const)('%s (%i), %s call → %s, keeping the cause', (name, status, subject, code) => {
    const original = serviceError(name, status);
    const translated = translateS3Error(original, subject, { key: 'k' });
    expect(isStorageError(translated, code)).toBe(true);
    expect((translated as StorageError).cause).toBe(original);
    expect((translated as StorageError).details).toEqual({ key: 'k' });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'])(
    'maps network failure %s to UNAVAILABLE',
    (code) => {
      const original = networkError(code);
      const translated = translateS3Error(original, 'object', {});
      expect(isStorageError(translated, 'UNAVAILABLE')).toBe(true);
      expect((translated as StorageError).cause).toBe(original);
    },
  );

  it('returns errors without a stable meaning unchanged', () => {
    const malformed = serviceError('MalformedXML', 400);
    expect(translateS3Error(malformed, 'upload', {})).toBe(malformed);
    const already = new StorageError('INVALID_KEY', 'bad');
    expect(translateS3Error(already, 'object', {})).toBe(already);
  });
});
