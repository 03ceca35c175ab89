/**
 * A bundle's content hash: SHA-256 of the exact bytes of `bundle.tar.zst`, written `sha256:<64 lowercase
 * hex>` in APIs, the database and URLs (the bare hex appears only inside storage keys).
 */
export type ContentHash = `sha256:${string}`;

export const CONTENT_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

export function isContentHash(value: unknown): value is ContentHash {
  return typeof value === 'string' && CONTENT_HASH_PATTERN.test(value);
}

export function contentHashFromHex(hex: string): ContentHash {
  const hash = `sha256:${hex}`;
  if (!isContentHash(hash)) throw new TypeError('a SHA-256 digest is 64 lowercase hex digits');
  return hash;
}
