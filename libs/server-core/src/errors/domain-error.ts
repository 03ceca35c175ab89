import { ERROR_CATALOG, type ErrorCode, isErrorCode } from '@extplat/contracts';

/**
 * The codes this process answers with. Feature modules declare theirs with {@link defineErrorCodes}; the
 * status of each comes from the error catalog in libs/contracts (which also holds the console's words for
 * it), and the exception filter turns a {@link DomainError} into the standard error body with that status.
 */
const registered = new Set<ErrorCode>();

/**
 * Declares the codes a module throws and returns them as a typed object (`AuthErrors.EMAIL_TAKEN`). A code
 * missing from the catalog is a type error, and an error at module load for callers that bypass the types.
 */
export function defineErrorCodes<const C extends ErrorCode>(codes: readonly C[]): { readonly [K in C]: K } {
  const names = {} as Record<string, string>;
  for (const code of codes) {
    if (!isErrorCode(code)) {
      throw new Error(`error code ${String(code)} is not in the error catalog (libs/contracts/src/error-codes.ts)`);
    }
    registered.add(code);
    names[code] = code;
  }
  return names as { readonly [K in C]: K };
}

/** The status of a code this process declared, or undefined for any other string. */
export function statusForCode(code: string): number | undefined {
  return isErrorCode(code) && registered.has(code) ? ERROR_CATALOG[code].status : undefined;
}

/** Every code declared in this process, sorted: the `code` enum of the API's ErrorResponse. */
export function registeredErrorCodes(): ErrorCode[] {
  return [...registered].sort();
}

/** An expected failure with a stable code; services throw these, never HTTP exceptions. */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';

  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const CommonErrors = defineErrorCodes([
  'VALIDATION_FAILED',
  'BAD_REQUEST',
  'INVALID_TEXT',
  'JSON_TOO_DEEP',
  /** A list's `cursor` is not a nextCursor that list gave out. */
  'INVALID_CURSOR',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
]);
