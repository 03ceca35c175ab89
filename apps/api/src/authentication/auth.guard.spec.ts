import { describe, expect, it } from '@jest/globals';
import { readCredential } from './auth.guard.js';

const KEY = `extplat_0123456789ab_${'A'.repeat(43)}`;
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('reading the credential of a request', () => {
  it('finds none when no header is sent', () => {
    expect(readCredential({})).toBeUndefined();
  });

  it('reads a session token or an API key from a Bearer Authorization header', () => {
    expect(readCredential({ authorization: `Bearer ${JWT}` })).toEqual({ kind: 'session', token: JWT });
    expect(readCredential({ authorization: `bearer   ${KEY}` })).toEqual({ kind: 'api-key', key: KEY });
  });

  it('reads an API key from X-Api-Key, also alongside the same key as Bearer', () => {
    expect(readCredential({ 'x-api-key': KEY })).toEqual({ kind: 'api-key', key: KEY });
    expect(readCredential({ 'x-api-key': KEY, authorization: `Bearer ${KEY}` })).toEqual({ kind: 'api-key', key: KEY });
  });

  it('refuses other schemes and two different credentials', () => {
    for (const headers of [
      { authorization: 'Basic YWRtaW46cGFzcw==' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${JWT} extra` },
      { authorization: `Bearer ${JWT}`, 'x-api-key': KEY },
      { 'x-api-key': [KEY, KEY] },
    ]) {
      expect(() => readCredential(headers)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    }
  });
});
