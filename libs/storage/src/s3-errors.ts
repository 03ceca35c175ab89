import { StorageError } from './errors.js';

/** What a failed S3 call was about; decides what a 404 means. */
export type S3Subject = 'object' | 'upload' | 'bucket';

/** Error codes of Node sockets and DNS that mean "the server could not be reached". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Rejected credentials or signature: the store is misconfigured, so unusable rather than "not found". */
const ACCESS_ERRORS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);

export function s3ErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function s3HttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || error.name === 'TimeoutError';
}

/**
 * Maps an SDK failure onto the store's stable codes, keeping the original as `cause`. Errors with no
 * stable meaning (a malformed request, say) are returned unchanged.
 */
export function translateS3Error(error: unknown, subject: S3Subject, details: Record<string, unknown>): unknown {
  if (error instanceof StorageError) return error;
  const name = s3ErrorName(error);
  const status = s3HttpStatus(error);
  const fail = (code: ConstructorParameters<typeof StorageError>[0], message: string): StorageError =>
    new StorageError(code, message, details, { cause: error });

  if (subject === 'bucket' || name === 'NoSuchBucket') return fail('UNAVAILABLE', `bucket is not usable: ${name}`);
  if (isNetworkFailure(error) || (status !== undefined && status >= 500)) {
    return fail('UNAVAILABLE', `S3 server unavailable: ${name ?? 'unknown error'}`);
  }
  if (name !== undefined && ACCESS_ERRORS.has(name)) return fail('UNAVAILABLE', `S3 server refused access: ${name}`);
  if (name === 'InvalidRange' || status === 416) return fail('INVALID_RANGE', 'range not satisfiable');
  if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall') {
    return fail('INVALID_PART', `parts rejected: ${name}`);
  }
  // RGW answers ListParts for an unknown upload with NoSuchKey, so within an upload any 404 is the upload.
  if (subject === 'upload' && (name === 'NoSuchUpload' || status === 404)) {
    return fail('NO_SUCH_UPLOAD', 'no such multipart upload');
  }
  if (name === 'NoSuchUpload') return fail('NO_SUCH_UPLOAD', 'no such multipart upload');
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return fail('NOT_FOUND', 'no such object');
  return error;
}
