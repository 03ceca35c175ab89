import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { isRole, type Role } from '@extplat/contracts';

/**
 * Session tokens: compact JWS, HS256 only. Small enough to write here with node:crypto, and a fixed algorithm
 * closes the classic holes (`alg: none`, RS/HS confusion) instead of configuring them away.
 */
export interface SessionClaims {
  /** The user's id. */
  sub: string;
  /** The user's tenant; null for platform admins. */
  tid: string | null;
  role: Role;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** Token id, for tracing a token in logs without logging it. */
  jti: string;
  /**
   * The user's session generation when the token was issued; the guard refuses a token whose generation is
   * no longer the user's (disabled, deleted, password changed). Absent in tokens from before it existed: 0.
   */
  gen?: number;
}

export type JwtVerification =
  | { valid: true; claims: SessionClaims }
  | { valid: false; reason: 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' };

/** Tolerated clock difference between the API's processes. */
export const CLOCK_SKEW_SECONDS = 30;
const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input, 'ascii').digest();
}

export function signSessionToken(
  subject: { userId: string; tenantId: string | null; role: Role; generation: number },
  secret: string,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): { token: string; claims: SessionClaims } {
  const iat = Math.floor(nowMs / 1000);
  const claims: SessionClaims = {
    sub: subject.userId,
    tid: subject.tenantId,
    role: subject.role,
    iat,
    exp: iat + ttlSeconds,
    jti: randomUUID(),
    gen: subject.generation,
  };
  const input = `${encodeJson(HEADER)}.${encodeJson(claims)}`;
  return { token: `${input}.${sign(input, secret).toString('base64url')}`, claims };
}

function isClaims(value: unknown): value is SessionClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims['sub'] === 'string' &&
    (claims['tid'] === null || typeof claims['tid'] === 'string') &&
    typeof claims['role'] === 'string' &&
    isRole(claims['role']) &&
    Number.isSafeInteger(claims['iat']) &&
    Number.isSafeInteger(claims['exp']) &&
    typeof claims['jti'] === 'string' &&
    (claims['gen'] === undefined || (Number.isSafeInteger(claims['gen']) && (claims['gen'] as number) >= 0))
  );
}

/** Checks the algorithm, the signature (constant time) and the validity window, in that order. */
export function verifySessionToken(token: string, secret: string, nowMs: number = Date.now()): JwtVerification {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every((segment) => SEGMENT.test(segment))) {
    return { valid: false, reason: 'malformed' };
  }
  const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = segments;
  const header = decodeJson(headerSegment) as { alg?: unknown; typ?: unknown } | undefined;
  if (typeof header !== 'object' || header === null) return { valid: false, reason: 'malformed' };
  if (header.alg !== HEADER.alg || (header.typ !== undefined && header.typ !== HEADER.typ)) {
    return { valid: false, reason: 'algorithm' };
  }
  const expected = sign(`${headerSegment}.${payloadSegment}`, secret);
  const actual = Buffer.from(signatureSegment, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { valid: false, reason: 'signature' };
  }
  const claims = decodeJson(payloadSegment);
  if (!isClaims(claims)) return { valid: false, reason: 'malformed' };
  const now = Math.floor(nowMs / 1000);
  if (now >= claims.exp + CLOCK_SKEW_SECONDS) return { valid: false, reason: 'expired' };
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return { valid: false, reason: 'not-yet-valid' };
  return { valid: true, claims };
}
