import { describe, expect, it } from '@jest/globals';
import { signedMessage } from './policy.js';

describe('signedMessage', () => {
  it('is the ASCII string that openssl signs', () => {
    const hash = `sha256:${'0f'.repeat(32)}` as const;
    expect(signedMessage(hash)).toBe(`extplat-bundle-signature/v1:${hash}`);
  });
});
