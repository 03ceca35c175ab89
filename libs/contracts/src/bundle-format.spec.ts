import { describe, expect, it } from '@jest/globals';
import {
  bundleHeadProblem,
  claimedSignatureDigest,
  hasZstdMagic,
  missingSignatureProblem,
  signatureDigestProblem,
} from './bundle-format.js';
import { errorCodeInfo } from './error-codes.js';

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

  it('names each problem with a code of the error catalog', () => {
    const envelope = JSON.stringify({ digest: HASH });
    const other = `sha256:${'cd'.repeat(32)}`;
    const problems = [
      bundleHeadProblem('a.tar.zst', Uint8Array.of(0x1f, 0x8b, 0, 0)),
      missingSignatureProblem('enforce', null),
      signatureDigestProblem('a.sig', 'nope', HASH),
      signatureDigestProblem('a.sig', envelope, other),
    ];
    expect(problems.map((problem) => problem?.code)).toEqual([
      'NOT_ZSTD',
      'SIGNATURE_REQUIRED',
      'SIGNATURE_MALFORMED',
      'DIGEST_MISMATCH',
    ]);
    for (const problem of problems) expect(errorCodeInfo(problem!.code)).toBeDefined();
    expect(problems[3]?.details).toEqual({ claimed: HASH, actual: other });
    expect(signatureDigestProblem('a.sig', envelope, HASH)).toBeNull();
    expect(missingSignatureProblem('warn', null)).toBeNull();
    expect(missingSignatureProblem('enforce', 'a.sig')).toBeNull();
  });
});
