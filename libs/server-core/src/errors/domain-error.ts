/**
 * Statuses by error code. Feature modules declare their codes with {@link defineErrorCodes}; the
 * exception filter turns a {@link DomainError} into the standard error body with the declared status.
 */
const statusByCode = new Map<string, number>();

export function defineErrorCodes<const T extends Record<string, number>>(codes: T): { [K in keyof T]: K } {
  const names = {} as { [K in keyof T]: K };
  for (const [code, status] of Object.entries(codes)) {
    const known = statusByCode.get(code);
    if (known !== undefined && known !== status) {
      throw new Error(`error code ${code} is declared twice with different statuses (${known}, ${status})`);
    }
    statusByCode.set(code, status);
    (names as Record<string, string>)[code] = code;
  }
  return names;
}

export function statusForCode(code: string): number | undefined {
  return statusByCode.get(code);
}

/**
 * Every code declared so far in this process, sorted, with its status: the OpenAPI document's error-code
 * enum is generated from it, so a module's new code reaches the contract without a hand-kept list.
 */
export function registeredErrorCodes(): ReadonlyMap<string, number> {
  return new Map([...statusByCode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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

export const CommonErrors = defineErrorCodes({
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  /** A string of the request (body, key, query) holds a NUL or a lone UTF-16 surrogate. */
  INVALID_TEXT: 400,
  /** The request body nests objects and arrays deeper than MAX_JSON_DEPTH. */
  JSON_TOO_DEEP: 400,
  /** A list's `cursor` is not a nextCursor that list gave out. */
  INVALID_CURSOR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
});
