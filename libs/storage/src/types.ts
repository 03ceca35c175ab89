import type { Readable } from 'node:stream';

/** Which implementation backs a store. */
export type StorageDriverName = 's3' | 'fs';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Opaque entity tag, without surrounding quotes. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata: Record<string, string>;
}

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetObjectResult {
  body: Readable;
  /** Bytes in `body` (the range length for a ranged read). */
  contentLength: number;
  /** Size of the whole object. */
  totalSize: number;
  etag: string;
  contentType?: string;
  /** Present for ranged reads: the range actually served. */
  range?: { start: number; end: number };
}

export interface PutObjectOptions {
  contentType?: string;
  /** Required by S3 for streamed bodies of known length; when absent a stream is sent as a multipart upload. */
  contentLength?: number;
  metadata?: Record<string, string>;
}

export interface PutObjectResult {
  etag: string;
}

/** Outcome of a conditional create (`If-None-Match: *`): never an overwrite. */
export type CreateObjectResult = { status: 'created'; etag: string } | { status: 'exists' };

export interface CopyObjectOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /**
   * Copy only if the source still has this ETag; otherwise StorageError('SOURCE_CHANGED'). The fs driver,
   * AWS and MinIO enforce it; Ceph RGW 16 ignores the precondition, so callers must not depend on it alone.
   */
  ifSourceEtag?: string;
}

export interface ListObjectsOptions {
  /** Stop after this many objects. */
  limit?: number;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT';
  /** Headers the client must send unchanged, because they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignPutOptions {
  expiresInSeconds: number;
  contentType?: string;
  contentLength?: number;
}

export interface PresignPartOptions {
  expiresInSeconds: number;
  contentLength?: number;
}

export interface BundleStoreCapabilities {
  /** True when clients can send bytes straight to the store with presigned URLs. */
  presignedUploads: boolean;
}

/**
 * Object storage for bundles. Keys are produced by {@link KeyPolicy}; drivers also reject keys that could
 * escape their namespace. Every body is streamed: no method buffers a whole object.
 */
export interface BundleStore {
  readonly driver: StorageDriverName;
  readonly capabilities: BundleStoreCapabilities;

  /** Resolves when the store answers; rejects with a StorageError('UNAVAILABLE') otherwise. */
  ping(): Promise<void>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Rejects with StorageError('NOT_FOUND') when the key is absent, 'INVALID_RANGE' for an unsatisfiable range. */
  get(key: string, options?: { range?: ByteRange }): Promise<GetObjectResult>;
  put(key: string, body: Readable | Uint8Array, options?: PutObjectOptions): Promise<PutObjectResult>;
  /** Writes only when nothing exists at `key`; an existing object is left untouched. */
  createIfAbsent(key: string, body: Readable | Uint8Array, options?: PutObjectOptions): Promise<CreateObjectResult>;
  copy(sourceKey: string, targetKey: string, options?: CopyObjectOptions): Promise<PutObjectResult>;
  /** Idempotent: deleting an absent key succeeds. */
  delete(key: string): Promise<void>;
  /**
   * Objects whose key starts with `prefix`, in ascending key order (UTF-8 bytes, as S3 sorts). Like an S3
   * listing, entries carry no content type and empty metadata: `head` has those.
   */
  list(prefix: string, options?: ListObjectsOptions): AsyncIterable<ObjectInfo>;

  createMultipartUpload(
    key: string,
    options?: { contentType?: string; metadata?: Record<string, string> },
  ): Promise<{ uploadId: string }>;
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Uint8Array,
    contentLength: number,
  ): Promise<{ etag: string }>;
  /** Rejects with StorageError('NO_SUCH_UPLOAD') for an unknown, completed or aborted upload. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<PutObjectResult>;
  /** Idempotent: aborting an unknown or already aborted upload succeeds. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;

  /** Only when `capabilities.presignedUploads`; otherwise rejects with StorageError('NOT_SUPPORTED'). */
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: PresignPartOptions,
  ): Promise<PresignedRequest>;
}
