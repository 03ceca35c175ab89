import type { components } from './generated/openapi.js';

/**
 * The error body the API promises in its description (`{error: {code, message, details?}, requestId}`),
 * used only while the document has no `ErrorResponse` component; once it has one, the types below are
 * derived from it and `code` becomes the union of the documented codes.
 */
interface UndocumentedErrorResponse {
  error: { code: string; message: string; details?: Record<string, unknown> };
  requestId: string | null;
}

/** The body of every error answer of the API. */
export type ErrorResponse = components['schemas'] extends { ErrorResponse: infer Documented }
  ? Documented
  : UndocumentedErrorResponse;

type ErrorFields = ErrorResponse extends { error: infer Fields } ? Fields : ErrorResponse;

/** Every error code the document lists (just `string` while it lists none). */
export type ErrorCode = ErrorFields extends { code: infer Code extends string } ? Code : string;

/**
 * Codes of failures that carry no error body: `NETWORK` (no answer at all), `HTTP_<status>` (an answer
 * that is not the API's error body, e.g. from a proxy in front of it).
 */
export type TransportErrorCode = 'NETWORK' | `HTTP_${number}`;

/** What `ApiError.code` can be: a documented code or a transport one (all of `string` until the document lists codes). */
export type ApiErrorCode = string extends ErrorCode ? string : WithTransportCodes<ErrorCode>;
type WithTransportCodes<Code extends string> = Code | TransportErrorCode;

/** A failed call: the API's code, message and details, the HTTP status (0: no answer) and the request id. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  /**
   * The error for a non-2xx answer. `body` is the parsed JSON (or the text) of the answer;
   * `requestId` is the id the answer's header carries or the request was sent with.
   */
  static fromResponse(status: number, body: unknown, requestId: string | null = null): ApiError {
    const parsed = parseErrorBody(body);
    if (!parsed) {
      const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
      return new ApiError(status, `HTTP_${status}`, text || `HTTP ${status}`, {}, requestId);
    }
    return new ApiError(
      status,
      parsed.error.code,
      parsed.error.message,
      parsed.error.details ?? {},
      parsed.requestId ?? requestId,
    );
  }

  /** The error for a request that got no answer (refused, reset, DNS, offline). */
  static network(cause: unknown, requestId: string | null = null): ApiError {
    const error = new ApiError(0, 'NETWORK', 'The API could not be reached', {}, requestId);
    Object.defineProperty(error, 'cause', { value: cause });
    return error;
  }
}

/** The parts of an error body a caller reads, `code` typed by the document. */
export interface ParsedErrorResponse {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
  requestId: string | null;
}

/**
 * Any string: the API answers only documented codes (its tests check every answer against the document),
 * so a string in the `code` field is taken as one of them.
 */
function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string';
}

/** Whether `error` is an ApiError, optionally one with a given code. */
export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** The API's error body in `body` (parsed JSON or its text), or null when it is something else. */
export function parseErrorBody(body: unknown): ParsedErrorResponse | null {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null) return null;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, details } = error as Record<string, unknown>;
  if (!isErrorCode(code) || typeof message !== 'string') return null;
  const requestId = (value as { requestId?: unknown }).requestId;
  return {
    error: {
      code,
      message,
      ...(typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {}),
    },
    requestId: typeof requestId === 'string' ? requestId : null,
  };
}
