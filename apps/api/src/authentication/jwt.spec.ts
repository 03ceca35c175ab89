import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CLOCK_SKEW_SECONDS, signSessionToken, verifySessionToken } from './jwt.js';

const SECRET = 's'.repeat(32);
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const SUBJECT = {
  userId: '6f1c0b7e-9d0a-4c55-a0a4-2b1f4f2f2a01',
  tenantId: null,
  role: 'platform-admin' as const,
  generation: 3,
};

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token with any header and payload, correctly signed with `secret`. */
function forge(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('session tokens (JWT HS256)', () => {
  it('round-trips the claims with iat, exp and a unique jti', () => {
    const { token, claims } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    expect(claims).toEqual({
      sub: SUBJECT.userId,
      tid: null,
      role: 'platform-admin',
      iat: NOW / 1000,
      exp: NOW / 1000 + 900,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      gen: 3,
    });
    expect(verifySessionToken(token, SECRET, NOW)).toEqual({ valid: true, claims });
    expect(signSessionToken(SUBJECT, SECRET, 900, NOW).claims.jti).not.toBe(claims.jti);
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('refuses a token whose payload was changed', () => {
    const { token, claims } = signSessionToken({ ...SUBJECT, role: 'member', tenantId: 't1' }, SECRET, 900, NOW);
    const [header, , signature] = token.split('.');
    const elevated = `${header}.${b64({ ...claims, role: 'platform-admin', tid: null })}.${signature}`;
    expect(verifySessionToken(elevated, SECRET, NOW)).toEqual({ valid: false, reason: 'signature' });
  });

  it('refuses a token signed with another secret, or with its signature altered or removed', () => {
    const { token } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    expect(verifySessionToken(token, 't'.repeat(32), NOW)).toEqual({ valid: false, reason: 'signature' });
    const [header, payload, signature = ''] = token.split('.');
    const altered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(verifySessionToken(altered, SECRET, NOW)).toEqual({ valid: false, reason: 'signature' });
    expect(verifySessionToken(`${header}.${payload}.${signature.slice(0, 20)}`, SECRET, NOW)).toEqual({
      valid: false,
      reason: 'signature',
    });
    expect(verifySessionToken(`${header}.${payload}.`, SECRET, NOW)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('refuses alg "none" and any algorithm but HS256, even when the HMAC is right', () => {
    const { claims } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(verifySessionToken(unsigned, SECRET, NOW).valid).toBe(false);
    expect(verifySessionToken(`${unsigned}x`, SECRET, NOW)).toEqual({ valid: false, reason: 'algorithm' });
    for (const alg of ['none', 'None', 'HS512', 'RS256', 'hs256', undefined]) {
      expect(verifySessionToken(forge({ alg, typ: 'JWT' }, claims), SECRET, NOW)).toEqual({
        valid: false,
        reason: 'algorithm',
      });
    }
    expect(verifySessionToken(forge({ alg: 'HS256', typ: 'JWE' }, claims), SECRET, NOW)).toEqual({
      valid: false,
      reason: 'algorithm',
    });
  });

  it('expires at exp, allowing a small clock skew', () => {
    const { token } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    const expiry = NOW + 900_000;
    expect(verifySessionToken(token, SECRET, expiry + (CLOCK_SKEW_SECONDS - 1) * 1000).valid).toBe(true);
    expect(verifySessionToken(token, SECRET, expiry + CLOCK_SKEW_SECONDS * 1000)).toEqual({
      valid: false,
      reason: 'expired',
    });
  });

  it('refuses a token issued in the future beyond the skew', () => {
    const { token } = signSessionToken(SUBJECT, SECRET, 900, NOW + 5 * 60_000);
    expect(verifySessionToken(token, SECRET, NOW)).toEqual({ valid: false, reason: 'not-yet-valid' });
  });

  it('refuses malformed tokens and well-signed tokens with malformed claims', () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', 'a b.c.d', '!!.??.##']) {
      expect(verifySessionToken(token, SECRET, NOW)).toEqual({ valid: false, reason: 'malformed' });
    }
    const { claims } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    const header = { alg: 'HS256', typ: 'JWT' };
    for (const payload of [
      { ...claims, role: 'root' },
      { ...claims, exp: '9999999999' },
      { ...claims, sub: 42 },
      { ...claims, jti: undefined },
      { ...claims, gen: -1 },
      { ...claims, gen: '3' },
      { ...claims, gen: 1.5 },
      'a string',
      null,
    ]) {
      expect(verifySessionToken(forge(header, payload), SECRET, NOW)).toEqual({ valid: false, reason: 'malformed' });
    }
  });

  it('accepts a token without a session generation (issued before it existed; the guard reads it as 0)', () => {
    const { claims } = signSessionToken(SUBJECT, SECRET, 900, NOW);
    const { gen: _gen, ...older } = claims;
    const verified = verifySessionToken(forge({ alg: 'HS256', typ: 'JWT' }, older), SECRET, NOW);
    expect(verified).toEqual({ valid: true, claims: older });
  });
});
