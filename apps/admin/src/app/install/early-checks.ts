import { claimedSignatureDigest, hasZstdMagic, ZSTD_MAGIC_BYTES } from '@extplat/contracts';
import type { ConsoleConfig } from '@extplat/api-client';
import { ApiError } from '../core/api-error';

/**
 * Checks the browser can make before a byte is uploaded, each failing with the code the server would
 * answer after the whole upload (so the explanation and the action are the catalog's).
 */

/** NOT_ZSTD when the file does not start like a zstd archive (a .tar, a .tar.gz, a renamed file...). */
export async function checkBundleHead(file: Blob & { name: string }): Promise<ApiError | null> {
  const head = new Uint8Array(await file.slice(0, ZSTD_MAGIC_BYTES.length).arrayBuffer());
  if (hasZstdMagic(head)) return null;
  return new ApiError(
    415,
    'NOT_ZSTD',
    head.length < ZSTD_MAGIC_BYTES.length
      ? `${file.name} is empty or too short to be a bundle.`
      : `${file.name} is not zstd-compressed, so it is not a bundle.`,
  );
}

/** SIGNATURE_MALFORMED when the picked .sig is not a signature envelope (no digest to compare with). */
export function checkSignatureText(name: string, text: string): ApiError | null {
  if (claimedSignatureDigest(text)) return null;
  return new ApiError(
    422,
    'SIGNATURE_MALFORMED',
    `${name} is not a signature envelope (JSON naming the sha256 digest it signs).`,
  );
}

/** SIGNATURE_REQUIRED when the platform enforces signatures and no .sig was picked. */
export function checkSignaturePresent(
  policy: ConsoleConfig['signingPolicy'] | null,
  signatureName: string | null,
): ApiError | null {
  if (policy !== 'enforce' || signatureName) return null;
  return new ApiError(422, 'SIGNATURE_REQUIRED', 'No .sig was picked, and this platform accepts signed bundles only.');
}

/**
 * DIGEST_MISMATCH when the .sig was written for other content than the file's computed hash; null when
 * it matches. Also run when the platform has the content already: a wrong .sig must not pass as verified.
 */
export function checkSignatureDigest(name: string, text: string, contentHash: string): ApiError | null {
  const claimed = claimedSignatureDigest(text);
  if (!claimed) return checkSignatureText(name, text);
  if (claimed === contentHash) return null;
  return new ApiError(
    422,
    'DIGEST_MISMATCH',
    `${name} signs ${claimed}, but this file's hash is ${contentHash}: it belongs to other content.`,
    { claimed, actual: contentHash },
  );
}
