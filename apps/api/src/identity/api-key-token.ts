import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys read `extplat_<prefix>_<secret>`: the prefix (12 lowercase hex characters, never an underscore)
 * is the public id shown in lists and used to find the row; the secret is 32 random bytes in base64url.
 * The recognisable `extplat_` start lets secret scanners flag leaked keys.
 */
export const API_KEY_MARKER = 'extplat_';
const PREFIX_BYTES = 6;
const SECRET_BYTES = 32;
const API_KEY_FORMAT = /^extplat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  prefix: string;
  secret: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** The whole key, shown to its creator once. */
  key: string;
  secretHash: string;
}

/**
 * SHA-256, not a password hash: the secret has 256 bits of entropy, so there is nothing to brute-force,
 * and every authenticated request can afford to check it.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(PREFIX_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { prefix, secret, key: `${API_KEY_MARKER}${prefix}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

/** Whether a credential is meant as an API key (as opposed to a session token). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_MARKER);
}

export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = API_KEY_FORMAT.exec(key);
  return match?.[1] && match[2] ? { prefix: match[1], secret: match[2] } : undefined;
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKeySecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
