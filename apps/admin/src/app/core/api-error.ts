import { HttpErrorResponse } from '@angular/common/http';
import { ERROR_CATALOG, errorCodeInfo, isSigningErrorCode, type SigningErrorCode } from '@extplat/contracts';
import type { ApiErrorCode, ErrorResponse, SignatureCheck } from '@extplat/api-client';
import { formatBytes } from '../shared/format';

/** One problem the server found, located by a path into what was sent (e.g. `api.endpoints[2].path`). */
export interface Issue {
  path: string;
  message: string;
}

/** An API failure as the console shows it: what happened, what to do, and the specifics that help. */
export interface Explanation {
  code: string;
  title: string;
  /** What happened. */
  message: string;
  /** What to do next. */
  action: string;
  issues?: Issue[];
  checks?: SignatureCheck[];
  requestId?: string | null;
}

/**
 * What the console can show as a failure's code: the API's documented codes (generated from the OpenAPI
 * document, so a misspelt code does not compile), `NETWORK` / `HTTP_<status>` for answers without the error
 * body, and two of the console's own: `UNEXPECTED` (a bug or an answer the console did not expect) and
 * `NOT_SAME_FILE` (resuming an upload with another file).
 */
export type ConsoleErrorCode = ApiErrorCode | 'UNEXPECTED' | 'NOT_SAME_FILE';

/** Any failure of a call to the API or to S3, normalized: status 0 means no answer (network). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ConsoleErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** Worth retrying as is: no answer, a timeout, throttling or a server-side hiccup. */
  get isTransient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  static from(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof HttpErrorResponse) {
      if (error.status === 0) return new ApiError(0, 'NETWORK', 'The server could not be reached');
      const body = parseErrorBody(error.error);
      if (body) {
        return new ApiError(
          error.status,
          body.error.code,
          body.error.message,
          body.error.details ?? {},
          body.requestId ?? error.headers.get('x-request-id'),
        );
      }
      return new ApiError(error.status, `HTTP_${error.status}`, error.message, {}, error.headers.get('x-request-id'));
    }
    return new ApiError(-1, 'UNEXPECTED', error instanceof Error ? error.message : String(error));
  }
}

function parseErrorBody(body: unknown): ErrorResponse | null {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (value && typeof value === 'object' && 'error' in value) {
    const error = value.error;
    if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string') {
      return value as ErrorResponse;
    }
  }
  return null;
}

/**
 * Turns any failure into the words the console shows: what happened and what to do about it. The title
 * and the action of every server error code come from the error catalog the servers use (libs/contracts);
 * the cases below only add what the failure's details say (sizes, the issues by path, the failed check).
 */
export function explain(failure: unknown): Explanation {
  const error = ApiError.from(failure);
  if (isSigningErrorCode(error.code)) return explainSignature(error);
  const known = errorCodeInfo(error.code);
  const base = {
    code: error.code,
    message: error.message,
    requestId: error.requestId,
    title: known?.title ?? (error.status >= 500 ? 'Server error' : 'Request failed'),
    action:
      known?.action ??
      (error.status >= 500
        ? 'Try again in a moment; if it persists, give the request id to an operator.'
        : 'Check what you entered and try again.'),
  };
  switch (error.code) {
    // Not a server code: the console's own name for a request that got no answer.
    case 'NETWORK':
      return {
        ...base,
        title: 'Connection lost',
        message: 'The server could not be reached.',
        action: 'Check your network. Uploads resume by themselves when the connection is back.',
      };
    case 'SESSION_REVOKED':
      return {
        ...base,
        message: 'This session was ended: the password was changed or reset, or the account was disabled.',
      };
    case 'BUNDLE_TOO_LARGE': {
      const limit = Number(error.details['limit']);
      const size = Number(error.details['size']);
      return {
        ...base,
        message: Number.isFinite(size)
          ? `The bundle is ${formatBytes(size)}; the platform accepts at most ${formatBytes(limit)}.`
          : error.message,
      };
    }
    case 'INVALID_MANIFEST':
      return {
        ...base,
        message: 'manifest.json in the bundle breaks these rules:',
        issues: issuesOf(error.details['issues']),
      };
    case 'INVALID_TEXT':
      return {
        ...base,
        issues:
          typeof error.details['path'] === 'string' ? [{ path: error.details['path'], message: error.message }] : [],
      };
    case 'INVALID_CONFIG':
      return { ...base, issues: issuesOf(error.details['issues']) };
    default:
      return base;
  }
}

function explainSignature(error: ApiError): Explanation {
  const verdict = (error.details['verdict'] ?? {}) as { checks?: SignatureCheck[] };
  const checks = Array.isArray(verdict.checks) ? verdict.checks : [];
  const failed = checks.find((check) => check.status === 'fail');
  const { title, action } = ERROR_CATALOG[error.code as SigningErrorCode];
  const message = failed ? `The "${failed.name}" check failed: ${failed.message ?? error.message}` : error.message;
  const trusted = trustedCaLines(error.details['trustedCas']);
  return {
    code: error.code,
    requestId: error.requestId,
    title,
    message: trusted.length > 0 ? [/[.!?]$/.test(message) ? message : `${message}.`, ...trusted].join(' ') : message,
    action,
    checks,
  };
}

/** An untrusted signer's rejection names the CAs the platform trusts: compare with the one you signed with. */
function trustedCaLines(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return (value as { subject?: unknown; fingerprint?: unknown }[]).flatMap((ca) =>
    typeof ca.subject === 'string' && typeof ca.fingerprint === 'string'
      ? [`This platform trusts ${ca.subject} (SHA-256 ${ca.fingerprint}).`]
      : [],
  );
}

function issuesOf(value: unknown): Issue[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (!item || typeof item !== 'object') return [];
    const { path, message } = item as { path?: unknown; message?: unknown };
    return [
      { path: typeof path === 'string' && path ? path : '(root)', message: typeof message === 'string' ? message : '' },
    ];
  });
}
