import { DomainError, defineErrorCodes } from '@extplat/server-core';

/**
 * Why the cache could not provide a bundle. The bundle store is the Runner's upstream, so a store that
 * serves something unusable (bytes that do not match their hash key, a bundle that breaks the rules, a
 * signature this Runner does not accept) is a 502; a missing object is a 404 (ext-ui answers it as such;
 * the execute path reports it as a 502, since the API only sends hashes it registered).
 */
export const BundleCacheErrors = defineErrorCodes([
  'BUNDLE_NOT_FOUND',
  'BUNDLE_INTEGRITY',
  'BUNDLE_INVALID',
  'SIGNATURE_REJECTED',
  'STORAGE_UNAVAILABLE',
  'CACHE_FULL',
]);

export type BundleCacheErrorCode = keyof typeof BundleCacheErrors;

export class BundleCacheError extends DomainError {
  override readonly name = 'BundleCacheError';

  constructor(
    override readonly code: BundleCacheErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

export function isBundleCacheError(error: unknown, code?: BundleCacheErrorCode): error is BundleCacheError {
  return error instanceof BundleCacheError && (code === undefined || error.code === code);
}

/** Seconds a caller is asked to wait after CACHE_FULL: long enough for an operator or eviction to free space. */
export const CACHE_FULL_RETRY_AFTER_SECONDS = 30;

/** True when `error` (or its cause) says the file system ran out of space or quota. */
export function isNoSpace(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  return code === 'ENOSPC' || code === 'EDQUOT' || isNoSpace(cause, depth + 1);
}

export function cacheFull(dir: string): BundleCacheError {
  return new BundleCacheError('CACHE_FULL', `the Runner's cache volume (${dir}) is full; try again later`, {
    retryAfterSeconds: CACHE_FULL_RETRY_AFTER_SECONDS,
  });
}
