import { setTimeout as delay } from 'node:timers/promises';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertBufferLength, fixedSizeParts, withExactLength } from './body-streams.js';
import { StorageError } from './errors.js';
import { assertSafeKey, assertSafePrefix } from './key-policy.js';
import {
  DEFAULT_CONTENT_TYPE,
  MAX_PART_NUMBER,
  assertCompletionOrder,
  assertPartNumber,
  assertPresignLifetime,
  assertRangeShape,
  normaliseMetadata,
  unquoteEtag,
} from './object-rules.js';
import { s3ErrorName, s3HttpStatus, translateS3Error, type S3Subject } from './s3-errors.js';
import type {
  BundleStore,
  BundleStoreCapabilities,
  ByteRange,
  CompletedPart,
  CopyObjectOptions,
  CreateObjectResult,
  GetObjectResult,
  ListObjectsOptions,
  ObjectInfo,
  PresignedRequest,
  PresignPartOptions,
  PresignPutOptions,
  PutObjectOptions,
  PutObjectResult,
  UploadedPart,
} from './types.js';

export interface S3StoreConfig {
  /** Omit for AWS; set for MinIO, Ceph RGW and other S3-compatible servers. */
  endpoint?: string;
  /** Host that browsers and CLIs reach S3 through, when it differs from `endpoint`; presigned URLs use it. */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  /** Both or neither: without them the SDK's default credential chain applies (instance roles, env, profile). */
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** Part size for streams of unknown length: 8 MiB × 10 000 parts allows objects up to 78 GiB. */
const STREAM_PART_SIZE = 8 * 1024 * 1024;
/** Largest object one PutObject may carry. */
const MAX_SINGLE_PUT = 5 * 1024 * 1024 * 1024;
/** Tries of a conditional write answered with 409 ConditionalRequestConflict (a racing write in flight). */
const CONDITIONAL_WRITE_ATTEMPTS = 3;

type MultipartOptions = { contentType?: string; metadata?: Record<string, string> };

export class S3BundleStore implements BundleStore {
  readonly driver = 's3' as const;
  readonly capabilities: BundleStoreCapabilities = { presignedUploads: true };

  private readonly bucket: string;
  private readonly client: S3Client;
  /** Signs URLs for the public endpoint: the host is part of the signature. */
  private readonly presignClient: S3Client;

  constructor(config: S3StoreConfig) {
    this.bucket = config.bucket;
    this.client = createClient(config, config.endpoint);
    this.presignClient = config.publicEndpoint ? createClient(config, config.publicEndpoint) : this.client;
  }

  /**
   * Lets browsers on `origins` PUT parts with presigned URLs and read the ETag of each part (needed to
   * complete a multipart upload). Replaces the bucket's CORS rules.
   */
  async applyUploadCors(origins: readonly string[]): Promise<void> {
    await this.call('bucket', { origins }, () =>
      this.client.send(
        new PutBucketCorsCommand({
          Bucket: this.bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [...origins],
                AllowedMethods: ['PUT', 'GET', 'HEAD'],
                AllowedHeaders: ['*'],
                ExposeHeaders: ['ETag'],
                MaxAgeSeconds: 3600,
              },
            ],
          },
        }),
      ),
    );
  }

  async ping(): Promise<void> {
    await this.call('bucket', {}, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: unquoteEtag(out.ETag ?? ''),
        lastModified: out.LastModified ?? new Date(0),
        contentType: out.ContentType,
        metadata: out.Metadata ?? {},
      };
    } catch (error) {
      const translated = translateS3Error(error, 'object', { key });
      if (translated instanceof StorageError && translated.code === 'NOT_FOUND') return null;
      throw translated;
    }
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<GetObjectResult> {
    assertSafeKey(key);
    const { range } = options;
    if (range) assertRangeShape(range);
    const out = await this.call('object', { key, range }, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      ),
    );
    const contentLength = out.ContentLength ?? 0;
    const served = parseContentRange(out.ContentRange);
    return {
      // In Node the SDK's body is an http.IncomingMessage.
      body: out.Body as Readable,
      contentLength,
      totalSize: served?.totalSize ?? contentLength,
      etag: unquoteEtag(out.ETag ?? ''),
      contentType: out.ContentType,
      range: served ? { start: served.start, end: served.end } : undefined,
    };
  }

  async put(key: string, body: Readable | Uint8Array, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    assertSafeKey(key);
    if (body instanceof Uint8Array || !needsMultipart(options.contentLength)) {
      return this.putObject(key, body, options, false);
    }
    const { etag } = await this.putStreamInParts(key, body, options, false);
    return { etag };
  }

  async createIfAbsent(
    key: string,
    body: Readable | Uint8Array,
    options: PutObjectOptions = {},
  ): Promise<CreateObjectResult> {
    assertSafeKey(key);
    if (body instanceof Uint8Array) return this.putIfAbsent(key, body, options, true);
    if (!needsMultipart(options.contentLength)) return this.putIfAbsent(key, body, options, false);
    return this.putStreamInParts(key, body, options, true);
  }

  async copy(sourceKey: string, targetKey: string, options: CopyObjectOptions = {}): Promise<PutObjectResult> {
    assertSafeKey(sourceKey);
    assertSafeKey(targetKey);
    const replace = options.contentType !== undefined || options.metadata !== undefined;
    // Replacing one property must not drop the other: take what is not given from the source.
    const source =
      replace && (options.contentType === undefined || options.metadata === undefined)
        ? await this.head(sourceKey)
        : null;
    const send = () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: targetKey,
          CopySource: `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
          CopySourceIfMatch: options.ifSourceEtag === undefined ? undefined : `"${options.ifSourceEtag}"`,
          ...(replace && {
            MetadataDirective: 'REPLACE',
            ContentType: options.contentType ?? source?.contentType ?? DEFAULT_CONTENT_TYPE,
            Metadata: options.metadata ? normaliseMetadata(options.metadata) : source?.metadata,
          }),
        }),
      );
    let out;
    try {
      out = await send();
    } catch (error) {
      if (options.ifSourceEtag !== undefined && s3HttpStatus(error) === 412) {
        throw new StorageError(
          'SOURCE_CHANGED',
          'the source object changed since it was read',
          { key: sourceKey },
          { cause: error },
        );
      }
      throw translateS3Error(error, 'object', { sourceKey, targetKey });
    }
    return { etag: unquoteEtag(out.CopyObjectResult?.ETag ?? '') };
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.call('object', { key }, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async *list(prefix: string, options: ListObjectsOptions = {}): AsyncGenerator<ObjectInfo, void, undefined> {
    assertSafePrefix(prefix);
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    let continuationToken: string | undefined;
    while (remaining > 0) {
      const page = await this.call('object', { prefix }, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: continuationToken,
            MaxKeys: Math.min(1000, remaining),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (remaining <= 0 || object.Key === undefined) break;
        remaining -= 1;
        // Listings carry neither content type nor user metadata; head() has them.
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          etag: unquoteEtag(object.ETag ?? ''),
          lastModified: object.LastModified ?? new Date(0),
          metadata: {},
        };
      }
      if (!page.IsTruncated || !page.NextContinuationToken) return;
      continuationToken = page.NextContinuationToken;
    }
  }

  async createMultipartUpload(key: string, options: MultipartOptions = {}): Promise<{ uploadId: string }> {
    assertSafeKey(key);
    const out = await this.call('object', { key }, () =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
          Metadata: normaliseMetadata(options.metadata),
        }),
      ),
    );
    if (!out.UploadId) throw new StorageError('UNAVAILABLE', 'S3 server returned no upload id', { key });
    return { uploadId: out.UploadId };
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Uint8Array,
    contentLength: number,
  ): Promise<{ etag: string }> {
    assertSafeKey(key);
    assertPartNumber(partNumber);
    const details = { key, uploadId, partNumber };
    const input = {
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: contentLength,
    };
    let out;
    if (body instanceof Uint8Array) {
      assertBufferLength(body, contentLength);
      out = await this.call('upload', details, () => this.client.send(new UploadPartCommand({ ...input, Body: body })));
    } else {
      const checked = withExactLength(body, contentLength);
      out = await sendStreamBody(checked, (abortSignal) =>
        this.call('upload', details, () =>
          this.client.send(new UploadPartCommand({ ...input, Body: checked }), { abortSignal }),
        ),
      );
    }
    return { etag: unquoteEtag(out.ETag ?? '') };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    assertSafeKey(key);
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.call('upload', { key, uploadId }, () =>
        this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        ),
      );
      for (const part of page.Parts ?? []) {
        parts.push({ partNumber: part.PartNumber ?? 0, etag: unquoteEtag(part.ETag ?? ''), size: part.Size ?? 0 });
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker) return parts;
      marker = page.NextPartNumberMarker;
    }
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<PutObjectResult> {
    assertSafeKey(key);
    assertCompletionOrder(parts);
    const out = await this.call('upload', { key, uploadId }, () => this.sendComplete(key, uploadId, parts, false));
    return { etag: await this.etagAfterComplete(key, out.ETag) };
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      const translated = translateS3Error(error, 'upload', { key, uploadId });
      if (translated instanceof StorageError && translated.code === 'NO_SUCH_UPLOAD') return;
      throw translated;
    }
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    assertSafeKey(key);
    const headers: Record<string, string> = {};
    if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength);
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentLength: options.contentLength,
      ContentType: options.contentType,
    });
    // The presigner leaves content-type unsigned (the SDK sets a default one on every PutObject); a type
    // the caller asked for is signed, so the URL stores only that type.
    const signableHeaders = new Set(options.contentType === undefined ? [] : ['content-type']);
    return this.presign(options.expiresInSeconds, headers, (signing) =>
      getSignedUrl(this.presignClient, command, { ...signing, signableHeaders }),
    );
  }

  async presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: PresignPartOptions,
  ): Promise<PresignedRequest> {
    assertSafeKey(key);
    assertPartNumber(partNumber);
    const headers: Record<string, string> = {};
    if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength);
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: options.contentLength,
    });
    return this.presign(options.expiresInSeconds, headers, (signing) =>
      getSignedUrl(this.presignClient, command, signing),
    );
  }

  /**
   * A content length given to the command is a signed header, so S3 refuses a body of any other size.
   * Browsers set `content-length` from the body themselves (and ignore it among fetch headers).
   */
  private async presign(
    expiresInSeconds: number,
    headers: Record<string, string>,
    sign: (signing: { expiresIn: number; signingDate: Date }) => Promise<string>,
  ): Promise<PresignedRequest> {
    assertPresignLifetime(expiresInSeconds);
    const signingDate = new Date();
    const url = await sign({ expiresIn: expiresInSeconds, signingDate });
    return { url, method: 'PUT', headers, expiresAt: new Date(signingDate.getTime() + expiresInSeconds * 1000) };
  }

  /** One PutObject (`If-None-Match: *` when `ifAbsent`); the body is a buffer or a stream of known length. */
  private async putObject(
    key: string,
    body: Readable | Uint8Array,
    options: PutObjectOptions,
    ifAbsent: boolean,
  ): Promise<PutObjectResult> {
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      Metadata: normaliseMetadata(options.metadata),
      ContentLength: options.contentLength,
      IfNoneMatch: ifAbsent ? '*' : undefined,
    };
    let out;
    if (body instanceof Uint8Array) {
      assertBufferLength(body, options.contentLength);
      out = await this.call('object', { key }, () => this.client.send(new PutObjectCommand({ ...input, Body: body })));
    } else {
      if (options.contentLength === undefined) throw new Error('a streamed PutObject needs its length');
      const checked = withExactLength(body, options.contentLength);
      out = await sendStreamBody(checked, (abortSignal) =>
        this.call('object', { key }, () =>
          this.client.send(new PutObjectCommand({ ...input, Body: checked }), { abortSignal }),
        ),
      );
    }
    return { etag: unquoteEtag(out.ETag ?? '') };
  }

  /**
   * PutObject with `If-None-Match: *`. A 412 means the key exists. A 409 means another conditional write
   * to the key was in flight: a buffer (`retryable`) is sent again, and when the conflict persists (or a
   * consumed stream cannot be resent) the key counts as existing only if HEAD now finds it.
   */
  private async putIfAbsent(
    key: string,
    body: Readable | Uint8Array,
    options: PutObjectOptions,
    retryable: boolean,
  ): Promise<CreateObjectResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { etag } = await this.putObject(key, body, options, true);
        return { status: 'created', etag };
      } catch (error) {
        const outcome = await this.conditionalWriteOutcome(
          key,
          error,
          retryable && attempt < CONDITIONAL_WRITE_ATTEMPTS,
        );
        if (outcome) return outcome;
        await delay(attempt * 100);
      }
    }
  }

  /**
   * Streams of unknown length (or too large for one PutObject) go up in fixed-size parts, so memory stays
   * at one part whatever the size. A stream that fits in the first part is sent as a single PutObject.
   */
  private putStreamInParts(
    key: string,
    body: Readable,
    options: PutObjectOptions,
    ifAbsent: false,
  ): Promise<{ status: 'created'; etag: string }>;
  private putStreamInParts(
    key: string,
    body: Readable,
    options: PutObjectOptions,
    ifAbsent: boolean,
  ): Promise<CreateObjectResult>;
  private async putStreamInParts(
    key: string,
    body: Readable,
    options: PutObjectOptions,
    ifAbsent: boolean,
  ): Promise<CreateObjectResult> {
    const source = options.contentLength === undefined ? body : withExactLength(body, options.contentLength);
    const parts = fixedSizeParts(source, STREAM_PART_SIZE);
    try {
      let next = await parts.next();
      const first = next.done ? Buffer.alloc(0) : next.value;
      if (first.length < STREAM_PART_SIZE) {
        const whole = { ...options, contentLength: first.length };
        if (ifAbsent) return await this.putIfAbsent(key, first, whole, true);
        return { status: 'created', ...(await this.putObject(key, first, whole, false)) };
      }

      const { uploadId } = await this.createMultipartUpload(key, options);
      try {
        const completed: CompletedPart[] = [];
        while (!next.done) {
          const partNumber = completed.length + 1;
          if (partNumber > MAX_PART_NUMBER) {
            throw new RangeError(`stream exceeds ${MAX_PART_NUMBER} parts of ${STREAM_PART_SIZE} bytes`);
          }
          const { etag } = await this.uploadPart(key, uploadId, partNumber, next.value, next.value.length);
          completed.push({ partNumber, etag });
          next = await parts.next();
        }
        const outcome = ifAbsent
          ? await this.completeIfAbsent(key, uploadId, completed)
          : { status: 'created' as const, etag: (await this.completeMultipartUpload(key, uploadId, completed)).etag };
        if (outcome.status === 'exists') await this.abortMultipartUpload(key, uploadId);
        return outcome;
      } catch (error) {
        await this.abortMultipartUpload(key, uploadId).catch(() => undefined);
        throw error;
      }
    } finally {
      // Releases (destroys) the source when we stop early.
      await parts.return();
    }
  }

  /**
   * Completes with `If-None-Match: *`. Some servers ignore that header on CompleteMultipartUpload (Ceph RGW
   * 16 does), so an existing key is looked for first; on those servers a writer racing between that HEAD
   * and the completion can still be overwritten. Pass `contentLength` for a strictly atomic single PUT.
   */
  private async completeIfAbsent(key: string, uploadId: string, parts: CompletedPart[]): Promise<CreateObjectResult> {
    if (await this.head(key)) return { status: 'exists' };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const out = await this.sendComplete(key, uploadId, parts, true);
        return { status: 'created', etag: await this.etagAfterComplete(key, out.ETag) };
      } catch (error) {
        const outcome = await this.conditionalWriteOutcome(key, error, attempt < CONDITIONAL_WRITE_ATTEMPTS, 'upload');
        if (outcome) return outcome;
        await delay(attempt * 100);
      }
    }
  }

  /** Decides a failed conditional write: `exists`, undefined to try again, or a thrown StorageError. */
  private async conditionalWriteOutcome(
    key: string,
    error: unknown,
    mayRetry: boolean,
    subject: S3Subject = 'object',
  ): Promise<CreateObjectResult | undefined> {
    const status = s3HttpStatus(error);
    if (status === 412 || s3ErrorName(error) === 'PreconditionFailed') return { status: 'exists' };
    if (status !== 409) throw translateS3Error(error, subject, { key });
    if (mayRetry) return undefined;
    if (await this.head(key)) return { status: 'exists' };
    throw new StorageError(
      'UNAVAILABLE',
      'conditional write kept conflicting with another write',
      { key },
      { cause: error },
    );
  }

  private sendComplete(key: string, uploadId: string, parts: CompletedPart[], ifAbsent: boolean) {
    return this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        IfNoneMatch: ifAbsent ? '*' : undefined,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
      }),
    );
  }

  /** Ceph RGW answers the first CompleteMultipartUpload with an empty ETag; HEAD has the real one. */
  private async etagAfterComplete(key: string, etag: string | undefined): Promise<string> {
    if (etag) return unquoteEtag(etag);
    const info = await this.head(key);
    if (!info) throw new StorageError('NOT_FOUND', 'completed object is not readable', { key });
    return info.etag;
  }

  /** Runs one SDK call and translates its failure. */
  private async call<T>(subject: S3Subject, details: Record<string, unknown>, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateS3Error(error, subject, details);
    }
  }
}

function createClient(config: S3StoreConfig, endpoint: string | undefined): S3Client {
  return new S3Client({
    endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    // Otherwise the SDK adds CRC checksums: trailers many S3 servers reject, and presigned URLs that embed
    // the checksum of an empty body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function needsMultipart(contentLength: number | undefined): boolean {
  return contentLength === undefined || contentLength > MAX_SINGLE_PUT;
}

/**
 * The SDK pipes a stream body into the request without listening to it, so a failing body would leave the
 * request waiting for bytes until the socket times out. This aborts the request when the body fails and
 * reports the body's own error, untranslated: it is the caller's stream that failed, not S3. The server
 * may also answer before reading everything (a 412 after `Expect: 100-continue`): whatever is left of the
 * body is then discarded.
 */
async function sendStreamBody<T>(body: Readable, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let bodyError: unknown;
  const onError = (error: unknown): void => {
    bodyError ??= error;
    controller.abort(error);
  };
  body.on('error', onError);
  try {
    return await send(controller.signal);
  } catch (error) {
    throw bodyError ?? error;
  } finally {
    body.off('error', onError);
    if (!body.readableEnded) body.destroy();
  }
}

function parseContentRange(header: string | undefined): { start: number; end: number; totalSize: number } | undefined {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), totalSize: Number(match[3]) };
}
