import {
  bundleHeadProblem,
  errorCodeInfo,
  missingSignatureProblem,
  type PreUploadProblem,
  signatureDigestProblem,
  signatureTextProblem,
  ZSTD_MAGIC_BYTES,
} from '@extplat/contracts';
import type { ConsoleConfig } from '@extplat/api-client';
import { ApiError } from '../core/api-error';

/**
 * Checks the browser makes before a byte is uploaded (the rules are the contracts', shared with extctl).
 * Each fails as the ApiError the server would answer after the whole upload, so the explanation and the
 * action are the error catalog's.
 */
function asApiError(problem: PreUploadProblem | null): ApiError | null {
  if (!problem) return null;
  return new ApiError(errorCodeInfo(problem.code)?.status ?? 422, problem.code, problem.message, problem.details);
}

/** NOT_ZSTD when the file does not start like a zstd archive (a .tar, a .tar.gz, a renamed file...). */
export async function checkBundleHead(file: Blob & { name: string }): Promise<ApiError | null> {
  const head = new Uint8Array(await file.slice(0, ZSTD_MAGIC_BYTES.length).arrayBuffer());
  return asApiError(bundleHeadProblem(file.name, head));
}

/** SIGNATURE_MALFORMED when the picked .sig is not a signature envelope. */
export function checkSignatureText(name: string, text: string): ApiError | null {
  return asApiError(signatureTextProblem(name, text));
}

/** SIGNATURE_REQUIRED when the platform enforces signatures and no .sig was picked. */
export function checkSignaturePresent(
  policy: ConsoleConfig['signingPolicy'] | null,
  signatureName: string | null,
): ApiError | null {
  return asApiError(missingSignatureProblem(policy, signatureName));
}

/** DIGEST_MISMATCH when the .sig was written for other content than the file's computed hash. */
export function checkSignatureDigest(name: string, text: string, contentHash: string): ApiError | null {
  return asApiError(signatureDigestProblem(name, text, contentHash));
}
