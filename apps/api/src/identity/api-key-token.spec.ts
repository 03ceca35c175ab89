import { describe, expect, it } from '@jest/globals';
import {
  apiKeySecretMatches,
  generateApiKey,
  hashApiKeySecret,
  looksLikeApiKey,
  parseApiKey,
} from './api-key-token.js';

describe('API key format', () => {
  it('generates extplat_<prefix>_<secret> with a 256-bit secret and stores only its SHA-256', () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^extplat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(generated.key).toBe(`extplat_${generated.prefix}_${generated.secret}`);
    expect(Buffer.from(generated.secret, 'base64url')).toHaveLength(32);
    expect(generated.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(generated.secretHash).toBe(hashApiKeySecret(generated.secret));
    expect(generateApiKey().key).not.toBe(generated.key);
  });

  it('parses its own keys back, even when the secret contains underscores', () => {
    for (let i = 0; i < 200; i++) {
      const generated = generateApiKey();
      expect(parseApiKey(generated.key)).toEqual({ prefix: generated.prefix, secret: generated.secret });
    }
    const secret = `__${'a'.repeat(39)}_-`;
    expect(parseApiKey(`extplat_0123456789ab_${secret}`)).toEqual({ prefix: '0123456789ab', secret });
  });

  it('refuses anything that is not exactly a key', () => {
    const { key } = generateApiKey();
    for (const candidate of [
      '',
      'extplat_',
      key.slice(0, -1),
      `${key}A`,
      ` ${key}`,
      key.replace('extplat_', 'EXTPLAT_'),
      key.replace(/^extplat_[0-9a-f]{12}/, 'extplat_0123456789AB'),
      key.replace(/^extplat_[0-9a-f]{12}/, 'extplat_0123456789'),
      `${key.slice(0, -1)}=`,
      'eyJhbGciOiJIUzI1NiJ9.e30.sig',
    ]) {
      expect(parseApiKey(candidate)).toBeUndefined();
    }
  });

  it('tells keys from session tokens by the extplat_ marker', () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
  });

  it('matches a secret against its stored hash only', () => {
    const generated = generateApiKey();
    expect(apiKeySecretMatches(generated.secret, generated.secretHash)).toBe(true);
    expect(apiKeySecretMatches(generateApiKey().secret, generated.secretHash)).toBe(false);
    expect(apiKeySecretMatches(generated.secret, 'not hex')).toBe(false);
    expect(apiKeySecretMatches(generated.secret, '')).toBe(false);
  });
});
