import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ConfigFingerprint, RunnerSignatureHeaders } from '@extplat/contracts';
import type { SigningConfig, StorageConfig } from './config/sections.js';

/** How far a signed request's timestamp may be from the Runner's clock, either way. */
export const SIGNATURE_MAX_SKEW_MS = 30_000;

function mac(secret: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`v1:${timestamp}:${nonce}:`).update(body).digest('hex');
}

/** Headers that sign `body` for the Runner. */
export function signRunnerRequest(secret: string, body: Uint8Array, now = Date.now()): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('base64url');
  return {
    [RunnerSignatureHeaders.timestamp]: timestamp,
    [RunnerSignatureHeaders.nonce]: nonce,
    [RunnerSignatureHeaders.signature]: `v1=${mac(secret, timestamp, nonce, body)}`,
  };
}

export type SignatureCheck =
  | { ok: true; nonce: string; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'bad-signature' };

/**
 * Checks the signature headers against `body`. Replay protection is the caller's: it must remember
 * accepted nonces for twice the allowed skew (see NonceCache).
 */
export function checkRunnerSignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
  now = Date.now(),
): SignatureCheck {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const timestamp = one(RunnerSignatureHeaders.timestamp);
  const nonce = one(RunnerSignatureHeaders.nonce);
  const signature = one(RunnerSignatureHeaders.signature);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,16}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !/^v1=[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(mac(secret, timestamp, nonce, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature.slice(3), 'hex'))) return { ok: false, reason: 'bad-signature' };
  const at = Number(timestamp);
  if (Math.abs(now - at) > SIGNATURE_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  return { ok: true, nonce, timestamp: at };
}

/** Nonces seen within the replay window; `remember` answers false for a replay. Bounded by the window. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 2 * SIGNATURE_MAX_SKEW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  remember(nonce: string): boolean {
    const now = this.now();
    if (this.seen.size > 1000) {
      for (const [key, at] of this.seen) {
        if (now - at <= this.windowMs) break;
        this.seen.delete(key);
      }
    }
    const at = this.seen.get(nonce);
    if (at !== undefined && now - at <= this.windowMs) return false;
    this.seen.delete(nonce);
    this.seen.set(nonce, now);
    return true;
  }
}

const sealingKeys = new Map<string, Buffer>();

/** Derived once per shared secret: every extension call seals or unseals with it. */
function sealingKey(secret: string): Buffer {
  let key = sealingKeys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'extplat', 'runner-sealed-secrets/v1', 32));
    sealingKeys.set(secret, key);
  }
  return key;
}

/** Encrypts `value` for the Runner with a key derived from the shared secret (AES-256-GCM). */
export function sealForRunner(secret: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${data.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** The inverse of sealForRunner; throws when the value was not sealed with this secret. */
export function unsealFromApi(secret: string, sealed: string): unknown {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || data === undefined || !tag) throw new Error('sealed value has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as unknown;
}

const fingerprintKeys = new Map<string, Buffer>();

/** Its own key, so a fingerprint digest can never be mistaken for a request signature. */
function fingerprintKey(secret: string): Buffer {
  let key = fingerprintKeys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'extplat', 'config-fingerprint/v1', 32));
    fingerprintKeys.set(secret, key);
  }
  return key;
}

/**
 * The settings the API and the Runner must agree on, and their fingerprint (ARCHITECTURE §9.8). The
 * endpoints that publish it are public, so every digest is keyed with the shared secret (HMAC-SHA256):
 * the same setting gives the same digest on both sides, while nobody without the secret can confirm a
 * guess (an empty allowlist, a known bucket name) offline. `sharedSecret` is a check value of the key
 * itself, so a secret that differs is named as such instead of as a drift of every setting.
 */
export function configFingerprint(
  service: ConfigFingerprint['service'],
  shared: { storage: StorageConfig; signing: SigningConfig; egressAllowlist: readonly string[] },
  sharedSecret: string,
): ConfigFingerprint {
  const { storage, signing } = shared;
  const key = fingerprintKey(sharedSecret);
  const digest = (name: string, value: string) =>
    createHmac('sha256', key).update(`${name}\n`).update(value).digest('hex');
  const location =
    storage.driver === 's3'
      ? `s3:${storage.s3.endpoint ?? `aws:${storage.s3.region}`}/${storage.s3.bucket}/${storage.canonicalBase}`
      : `fs:${storage.fs.root}/${storage.canonicalBase}`;
  const settings: ConfigFingerprint['settings'] = {
    sharedSecret: digest('sharedSecret', ''),
    storage: digest('storage', location),
    signingPolicy: signing.policy,
    trustBundle: digest('trustBundle', signing.trustBundlePem ? normalizePem(signing.trustBundlePem) : ''),
    revoked: digest('revoked', [...signing.revokedFingerprints].sort().join(',')),
    egressAllowlist: digest('egressAllowlist', [...shared.egressAllowlist].sort().join(',')),
  };
  return { service, fingerprint: digest('fingerprint', JSON.stringify(settings)), settings };
}

/** Line endings and surrounding blanks must not make two copies of one trust bundle differ. */
function normalizePem(pem: string): string {
  return pem.replace(/\r\n/g, '\n').trim();
}

/**
 * Names every setting that differs between two fingerprints (empty when they agree). Under different
 * shared secrets no keyed digest can be compared, so only `sharedSecret` (and the clear signing policy) is named.
 */
export function fingerprintDrift(a: ConfigFingerprint, b: ConfigFingerprint): string[] {
  const keys = Object.keys(a.settings) as (keyof ConfigFingerprint['settings'])[];
  const differs = (key: keyof ConfigFingerprint['settings']) =>
    JSON.stringify(a.settings[key]) !== JSON.stringify(b.settings[key]);
  if (differs('sharedSecret'))
    return keys.filter((key) => key === 'sharedSecret' || key === 'signingPolicy').filter(differs);
  return keys.filter(differs);
}
