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
