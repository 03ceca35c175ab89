import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorResponse, SignatureCheck } from '@extplat/api-client';
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

/** Any failure of a call to the API or to S3, normalized: status 0 means no answer (network). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
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

const SIGNATURE_CODES = new Set([
  'SIGNATURE_REQUIRED',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'UNSUPPORTED_ALGORITHM',
  'SIGNER_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'KEY_USAGE_INVALID',
  'PUBLISHER_MISMATCH',
  'DIGEST_MISMATCH',
]);

/** Turns any failure into the words the console shows: what happened and what to do about it. */
export function explain(failure: unknown): Explanation {
  const error = ApiError.from(failure);
  const base = { code: error.code, message: error.message, requestId: error.requestId };
  if (SIGNATURE_CODES.has(error.code)) return explainSignature(error);
  switch (error.code) {
    case 'NETWORK':
      return {
        ...base,
        title: 'Connection lost',
        message: 'The server could not be reached.',
        action: 'Check your network. Uploads resume by themselves when the connection is back.',
      };
    case 'UNAUTHENTICATED':
      return {
        ...base,
        title: 'Session expired',
        action: 'Sign in again; you will come back to this page.',
      };
    case 'SESSION_REVOKED':
      return {
        ...base,
        title: 'Session ended',
        message: 'This session was ended: the password was changed or reset, or the account was disabled.',
        action: 'Sign in again with the current password.',
      };
    case 'FORBIDDEN':
      return {
        ...base,
        title: 'Not allowed',
        action: 'Ask a platform admin (or your tenant admin) to do this, or to give you a role that may.',
      };
    case 'BUNDLE_TOO_LARGE': {
      const limit = Number(error.details['limit']);
      const size = Number(error.details['size']);
      return {
        ...base,
        title: 'Bundle too large',
        message: Number.isFinite(size)
          ? `The bundle is ${formatBytes(size)}; the platform accepts at most ${formatBytes(limit)}.`
          : error.message,
        action: 'Make the bundle smaller (leave out unneeded UI assets), or ask an operator to raise BUNDLE_MAX_BYTES.',
      };
    }
    case 'INVALID_MANIFEST':
      return {
        ...base,
        title: 'Invalid manifest',
        message: 'manifest.json in the bundle breaks these rules:',
        action: 'Fix manifest.json, pack and sign the bundle again, then upload the new files.',
        issues: issuesOf(error.details['issues']),
      };
    case 'INVALID_TEXT':
      return {
        ...base,
        title: 'Unusable characters',
        action: 'Remove control characters (such as NUL) or broken characters from the field named here.',
        issues:
          typeof error.details['path'] === 'string' ? [{ path: error.details['path'], message: error.message }] : [],
      };
    case 'INVALID_CONFIG':
      return {
        ...base,
        title: 'Invalid configuration',
        action: 'Correct the configuration fields listed below and try again.',
        issues: issuesOf(error.details['issues']),
      };
    case 'VERSION_EXISTS':
      return {
        ...base,
        title: 'Version already exists',
        action: 'Bump "version" in manifest.json, pack and sign again, then upload the new bundle.',
      };
    case 'INVALID_BUNDLE':
    case 'NOT_ZSTD':
      return {
        ...base,
        title: 'Not a valid bundle',
        action: 'Upload the bundle.tar.zst that `extctl pack` wrote, unchanged.',
      };
    case 'HASH_MISMATCH':
      return {
        ...base,
        title: 'The file changed',
        action: 'The bytes that arrived differ from the file you picked. Pick the file again and upload it anew.',
      };
    case 'UPLOAD_EXPIRED':
    case 'UPLOAD_NOT_FOUND':
      return { ...base, title: 'Upload no longer open', action: 'Start the upload again.' };
    case 'UPLOAD_NOT_OWNED':
      return {
        ...base,
        title: 'Upload started by someone else',
        action: 'Only whoever started an upload can continue it. Start your own upload of the bundle.',
      };
    case 'APPROVAL_REQUIRED':
      return {
        ...base,
        title: 'Approval required',
        action: 'Review what the version adds and approve it to switch.',
      };
    case 'VERSION_YANKED':
      return { ...base, title: 'Version yanked', action: 'Choose a version that is not yanked.' };
    case 'ALREADY_INSTALLED':
      return { ...base, title: 'Already installed', action: 'Open the extension to change its version or state.' };
    case 'RATE_LIMITED':
      return { ...base, title: 'Too many requests', action: 'Wait a minute and try again.' };
    case 'RUNNER_BUSY':
      return {
        ...base,
        title: 'Extension busy',
        action: 'The extension runner is at capacity: try again in a few seconds.',
      };
    default:
      return {
        ...base,
        title: error.status >= 500 ? 'Server error' : 'Request failed',
        action:
          error.status >= 500
            ? 'Try again in a moment; if it persists, give the request id to an operator.'
            : 'Check what you entered and try again.',
      };
  }
}

function explainSignature(error: ApiError): Explanation {
  const verdict = (error.details['verdict'] ?? {}) as { checks?: SignatureCheck[] };
  const checks = Array.isArray(verdict.checks) ? verdict.checks : [];
  const failed = checks.find((check) => check.status === 'fail');
  const actions: Record<string, string> = {
    SIGNATURE_REQUIRED: 'This platform only accepts signed bundles: sign it with `extctl sign` and pick the .sig too.',
    PUBLISHER_MISMATCH:
      'The certificate must be issued to the manifest\'s "publisher". Sign with that publisher\'s key and certificate.',
    SIGNER_UNTRUSTED: "Sign with a certificate issued by a CA in the platform's trust bundle.",
    CERT_EXPIRED: 'Renew the signing certificate and sign again.',
    CERT_REVOKED: 'This certificate is revoked: sign with a new one.',
    DIGEST_MISMATCH: 'The .sig belongs to other content: pick the .sig written for this bundle, or sign it again.',
  };
  return {
    code: error.code,
    requestId: error.requestId,
    title: 'Signature rejected',
    message: failed ? `The "${failed.name}" check failed: ${failed.message ?? error.message}` : error.message,
    action: actions[error.code] ?? 'Sign the bundle again with `extctl sign` and upload it with the new .sig.',
    checks,
  };
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
