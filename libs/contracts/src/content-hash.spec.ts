import { describe, expect, it } from '@jest/globals';
import { contentHashFromHex, isContentHash } from './content-hash.js';

const HEX = 'ab'.repeat(32);

describe('content hash format', () => {
  it('accepts exactly sha256: and 64 lowercase hex digits', () => {
    expect(isContentHash(`sha256:${HEX}`)).toBe(true);
    for (const value of [HEX, `sha256:${HEX.toUpperCase()}`, `sha256:${HEX}0`, `sha512:${HEX}`, 42, null]) {
      expect(isContentHash(value)).toBe(false);
    }
  });

  it('builds one from a bare digest and refuses anything else', () => {
    expect(contentHashFromHex(HEX)).toBe(`sha256:${HEX}`);
    expect(() => contentHashFromHex('xyz')).toThrow(TypeError);
  });
});
