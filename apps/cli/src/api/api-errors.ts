import { parseErrorBody, type ErrorCode } from '@extplat/api-client';
import { SIGNING_ERROR_CODES } from '@extplat/signing';
import { CliError, ExitCode } from '../exit-codes.js';

const SIGNATURE_CODES: ReadonlySet<string> = new Set(SIGNING_ERROR_CODES);

/** Codes whose exit status does not follow from the HTTP status alone (typed: a code the API drops fails to compile). */
const EXIT_BY_CODE: Readonly<Partial<Record<ErrorCode, ExitCode>>> = {
  INVALID_MANIFEST: ExitCode.INVALID_MANIFEST,
  INVALID_BUNDLE: ExitCode.INVALID_BUNDLE,
  HASH_MISMATCH: ExitCode.INVALID_BUNDLE,
  BUNDLE_TOO_LARGE: ExitCode.INVALID_BUNDLE,
  NOT_ZSTD: ExitCode.INVALID_BUNDLE,
  PART_SIZE_MISMATCH: ExitCode.INVALID_BUNDLE,
  APPROVAL_REQUIRED: ExitCode.APPROVAL_REQUIRED,
  UPLOAD_EXPIRED: ExitCode.NOT_FOUND,
  RATE_LIMITED: ExitCode.NETWORK,
};

/** The exit status for an API error: by its code where that says more than the HTTP status. */
export function exitCodeForApiError(status: number, code: string): ExitCode {
  const byCode = (EXIT_BY_CODE as Readonly<Record<string, ExitCode | undefined>>)[code];
  if (byCode !== undefined) return byCode;
  if (SIGNATURE_CODES.has(code)) return ExitCode.SIGNATURE;
  if (status === 401 || status === 403) return ExitCode.AUTH;
  if (status === 404 || status === 410) return ExitCode.NOT_FOUND;
  if (status === 409) return ExitCode.CONFLICT;
  if (status === 400 || status === 413 || status === 415 || status === 422) return ExitCode.INVALID_REQUEST;
  if (status >= 500) return ExitCode.NETWORK;
  return ExitCode.FAILURE;
}

/**
 * Turns an API error response into a failure people can act on: the server's message, plus what it
 * names in its details (the failed signature check, the request id to quote). Manifest and validation
 * issues stay in `details.issues`; main prints them one per line.
 */
export function apiFailure(status: number, body: unknown, what: string, requestId: string | null = null): CliError {
  const parsed = parseErrorBody(body);
  if (!parsed) {
    const text = typeof body === 'string' && body.trim() !== '' ? `: ${body.trim().slice(0, 200)}` : '';
    return new CliError(
      exitCodeForApiError(status, ''),
      `${what} failed with HTTP ${status}${text}`,
      `HTTP_${status}`,
      { status, ...(requestId ? { requestId } : {}) },
    );
  }
  const { code, message, details } = parsed.error;
  const lines = [`${what}: ${message} (${code})`];
  const failedCheck = failedSignatureCheck(details);
  if (failedCheck) lines.push(`  failed check: ${failedCheck}`);
  if (status === 401) lines.push('  check --api-key (or EXTCTL_API_KEY): the key is missing, revoked or expired');
  if (status === 403) {
    lines.push("  the key's role may not do this (publishing needs platform-admin; installs need tenant-admin)");
  }
  if (code === 'VERSION_EXISTS') lines.push('  bump the version in manifest.json, pack and sign again');
  for (const ca of trustedCas(details)) lines.push(`  this platform trusts ${ca.subject} (SHA-256 ${ca.fingerprint})`);
  return new CliError(exitCodeForApiError(status, code), lines.join('\n'), code, {
    status,
    ...(details ?? {}),
    ...((parsed.requestId ?? requestId) ? { requestId: parsed.requestId ?? requestId } : {}),
  });
}

/** The CAs a SIGNER_UNTRUSTED rejection names: the ones to get a publisher certificate from. */
function trustedCas(details: Record<string, unknown> | undefined): { subject: string; fingerprint: string }[] {
  const list = details?.['trustedCas'];
  if (!Array.isArray(list)) return [];
  return (list as { subject?: unknown; fingerprint?: unknown }[]).flatMap((ca) =>
    typeof ca.subject === 'string' && typeof ca.fingerprint === 'string'
      ? [{ subject: ca.subject, fingerprint: ca.fingerprint }]
      : [],
  );
}

/** `name: message` of the first failed check of a rejected signature verdict, if the details hold one. */
export function failedSignatureCheck(details: Record<string, unknown> | undefined): string | undefined {
  const verdict = details?.['verdict'];
  if (typeof verdict !== 'object' || verdict === null) return undefined;
  const checks = (verdict as { checks?: unknown }).checks;
  if (!Array.isArray(checks)) return undefined;
  const failed = (checks as { name?: unknown; status?: unknown; message?: unknown }[]).find(
    (check) => check.status === 'fail',
  );
  if (!failed || typeof failed.name !== 'string') return undefined;
  return typeof failed.message === 'string' && failed.message !== ''
    ? `${failed.name}: ${failed.message}`
    : failed.name;
}
