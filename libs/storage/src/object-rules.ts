import { StorageError } from './errors.js';
import type { ByteRange, CompletedPart } from './types.js';

/**
 * S3's rules, which the fs driver follows too so that code proven on one driver behaves the same on the
 * other (an upload plan that works on a single node must also work against S3).
 */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** Longest lifetime SigV4 allows for a presigned URL. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

/** S3 quotes ETags on the wire (`"abc"`); the store API never does. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/** User metadata keys are case-insensitive HTTP headers on S3, which hands them back lowercased. */
export function normaliseMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const normalised: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) normalised[name.toLowerCase()] = value;
  return normalised;
}

/** Rejects ranges no server could satisfy whatever the object's size (S3 would silently ignore them). */
export function assertRangeShape(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new StorageError('INVALID_RANGE', 'range must be whole bytes with 0 <= start <= end', { range });
  }
}

/** The inclusive range served for `range` on an object of `size` bytes: `end` is clamped like S3 does. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  assertRangeShape(range);
  if (range.start >= size) {
    throw new StorageError('INVALID_RANGE', `range starts at ${range.start}, past the end of a ${size}-byte object`, {
      range,
      size,
    });
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new StorageError('INVALID_PART', `part number must be an integer from 1 to ${MAX_PART_NUMBER}`, {
      partNumber,
    });
  }
}

/** A completion list must name at least one part, in strictly ascending part-number order. */
export function assertCompletionOrder(parts: readonly CompletedPart[]): void {
  if (parts.length === 0) throw new StorageError('INVALID_PART', 'a multipart upload needs at least one part');
  parts.forEach((part, index) => {
    assertPartNumber(part.partNumber);
    const previous = parts[index - 1];
    if (previous && part.partNumber <= previous.partNumber) {
      throw new StorageError('INVALID_PART', 'parts must be listed in strictly ascending part-number order', {
        partNumber: part.partNumber,
      });
    }
  });
}

export function assertPresignLifetime(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}`);
  }
}
