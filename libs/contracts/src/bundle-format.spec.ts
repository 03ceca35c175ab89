import { describe, expect, it } from '@jest/globals';
import { claimedSignatureDigest, hasZstdMagic } from './bundle-format.js';

const HASH = `sha256:${'ab'.repeat(32)}`;

describe('bundle format checks a client can make before uploading', () => {
  it('recognises the zstd magic and nothing shorter or different', () => {
    expect(hasZstdMagic(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x04))).toBe(true);
    expect(hasZstdMagic(Uint8Array.of(0x28, 0xb5, 0x2f))).toBe(false);
    expect(hasZstdMagic(new TextEncoder().encode('ustar'))).toBe(false);
    expect(hasZstdMagic(Uint8Array.of(0x1f, 0x8b, 0x08, 0x00))).toBe(false);
  });

  it('reads the digest an envelope claims, and null for anything that is not an envelope', () => {
    expect(claimedSignatureDigest(JSON.stringify({ format: 'extplat-signature/v1', digest: HASH }))).toBe(HASH);
    for (const text of ['', 'not json', '[]', 'null', '{"digest":"sha256:abc"}', JSON.stringify({ digest: 42 })]) {
      expect(claimedSignatureDigest(text)).toBeNull();
    }
  });
});
