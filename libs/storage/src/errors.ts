export type StorageErrorCode =
  | 'NOT_FOUND'
  | 'NO_SUCH_UPLOAD'
  | 'INVALID_KEY'
  | 'INVALID_RANGE'
  | 'INVALID_PART'
  | 'NOT_SUPPORTED'
  | 'SOURCE_CHANGED'
  | 'UNAVAILABLE';

/** A storage failure with a stable code; drivers translate their native errors into these. */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
