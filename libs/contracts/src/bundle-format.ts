import { type ContentHash, isContentHash } from './content-hash.js';

/**
 * The zstd frame magic number (RFC 8878 §3.1.1, little-endian 0xFD2FB528): every bundle starts with it.
 * Servers, the CLI and the console check it, so a file that is not a bundle fails before it is uploaded.
 */
export const ZSTD_MAGIC_BYTES: readonly number[] = [0x28, 0xb5, 0x2f, 0xfd];

/** Whether `head` (the first bytes of a file) starts with the zstd magic; false when it is shorter. */
export function hasZstdMagic(head: Uint8Array): boolean {
  return ZSTD_MAGIC_BYTES.every((byte, index) => head[index] === byte);
}

/**
 * The content hash a detached signature envelope (`bundle.tar.zst.sig`, JSON) says it signs, or null when
 * the text is not such an envelope. Only the claim is read here, so a client can compare it with the hash
 * it computed before uploading; the servers verify the whole envelope (libs/signing).
 */
export function claimedSignatureDigest(text: string): ContentHash | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const digest = (value as Record<string, unknown>)['digest'];
  return isContentHash(digest) ? digest : null;
}

/**
 * What a client can tell is wrong with the files it is about to upload, with the code the API would answer
 * after the whole upload. The console and extctl both check through these, so they refuse the same things
 * in the same words.
 */
export interface PreUploadProblem {
  code: 'NOT_ZSTD' | 'SIGNATURE_MALFORMED' | 'SIGNATURE_REQUIRED' | 'DIGEST_MISMATCH';
  message: string;
  details?: Record<string, unknown>;
}

/** NOT_ZSTD for a file (named `name`) whose first bytes `head` are not the zstd magic. */
export function bundleHeadProblem(name: string, head: Uint8Array): PreUploadProblem | null {
  if (hasZstdMagic(head)) return null;
  return {
    code: 'NOT_ZSTD',
    message:
      head.length < ZSTD_MAGIC_BYTES.length
        ? `${name} is empty or too short to be a bundle.`
        : `${name} is not zstd-compressed, so it is not a bundle.`,
  };
}

/** SIGNATURE_MALFORMED for a .sig that is not a signature envelope (there is no digest to compare). */
export function signatureTextProblem(name: string, text: string): PreUploadProblem | null {
  if (claimedSignatureDigest(text)) return null;
  return {
    code: 'SIGNATURE_MALFORMED',
    message: `${name} is not a signature envelope (JSON naming the sha256 digest it signs).`,
  };
}

/** SIGNATURE_REQUIRED when the platform's policy is `enforce` and no .sig comes with the bundle. */
export function missingSignatureProblem(policy: string | null, signatureName: string | null): PreUploadProblem | null {
  if (policy !== 'enforce' || signatureName) return null;
  return { code: 'SIGNATURE_REQUIRED', message: 'No .sig was picked, and this platform accepts signed bundles only.' };
}

/**
 * DIGEST_MISMATCH when the .sig signs other content than `contentHash`. Checked also when the platform has
 * the content already: a .sig for other content must not pass unnoticed.
 */
export function signatureDigestProblem(name: string, text: string, contentHash: string): PreUploadProblem | null {
  const claimed = claimedSignatureDigest(text);
  if (!claimed) return signatureTextProblem(name, text);
  if (claimed === contentHash) return null;
  return {
    code: 'DIGEST_MISMATCH',
    message: `${name} signs ${claimed}, but this file's hash is ${contentHash}: it belongs to other content.`,
    details: { claimed, actual: contentHash },
  };
}
