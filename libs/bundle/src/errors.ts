/** Stable codes for everything that makes a bundle unacceptable (the API maps them to INVALID_BUNDLE). */
export type BundleErrorCode =
  | 'NOT_ZSTD'
  | 'CORRUPT_ARCHIVE'
  | 'TRUNCATED'
  /** Something other than zero padding follows the tar end-of-archive block (GNU tar would not list it). */
  | 'TRAILING_DATA'
  | 'BUNDLE_TOO_LARGE'
  | 'UNPACKED_TOO_LARGE'
  | 'TOO_MANY_ENTRIES'
  | 'PATH_TOO_LONG'
  | 'UNSAFE_PATH'
  | 'DUPLICATE_ENTRY'
  | 'UNSUPPORTED_ENTRY_TYPE'
  | 'MANIFEST_MISSING'
  | 'MANIFEST_TOO_LARGE'
  | 'INVALID_MANIFEST'
  /** The manifest's entry is not a WebAssembly component (not WebAssembly at all, or a core module). */
  | 'NOT_A_COMPONENT'
  /** The entry starts like a component but its binary is malformed, truncated or of another format version. */
  | 'INVALID_COMPONENT'
  /** The entry imports something the host does not provide (details.imports names it). */
  | 'COMPONENT_IMPORTS_NOT_ALLOWED'
  | 'TARGET_EXISTS';

export class BundleError extends Error {
  override readonly name = 'BundleError';

  constructor(
    readonly code: BundleErrorCode,
    message: string,
    readonly details: { entry?: string; limit?: number; [key: string]: unknown } = {},
  ) {
    super(message);
  }

  /** The archive entry the error is about, when there is one. */
  get entry(): string | undefined {
    return this.details.entry;
  }
}

export function isBundleError(error: unknown, code?: BundleErrorCode): error is BundleError {
  return error instanceof BundleError && (code === undefined || error.code === code);
}
