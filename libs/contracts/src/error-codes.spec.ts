import { describe, expect, it } from '@jest/globals';
import { ERROR_CATALOG, errorCodeInfo, isErrorCode, isSigningErrorCode, SIGNING_ERROR_CODES } from './error-codes.js';

describe('error catalog', () => {
  it('gives every code an error status and words for the console', () => {
    for (const [code, info] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect({ code, status: info.status >= 400 && info.status <= 599 }).toEqual({ code, status: true });
      expect(info.title.length).toBeGreaterThan(2);
      expect(info.action).toMatch(/\.$/);
    }
  });

  it('holds every signing code, as a 422 rejected signature', () => {
    for (const code of SIGNING_ERROR_CODES) {
      expect(isSigningErrorCode(code)).toBe(true);
      expect(errorCodeInfo(code)).toMatchObject({ status: 422, title: 'Signature rejected' });
    }
    expect(isSigningErrorCode('HASH_MISMATCH')).toBe(false);
  });

  it('knows no code outside the catalog, not even inherited object keys', () => {
    expect(errorCodeInfo('WIDGET_EXISTS')).toBeUndefined();
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
    expect(errorCodeInfo('HASH_MISMATCH')?.status).toBe(400);
  });
});
