import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  checkRunnerSignature,
  configFingerprint,
  fingerprintDrift,
  NonceCache,
  SIGNATURE_MAX_SKEW_MS,
  sealForRunner,
  signRunnerRequest,
  unsealFromApi,
} from './runner-protocol.js';

const secret = 'a'.repeat(40);
const SECRET = 'the shared secret of this test, 32+ characters';
const body = new TextEncoder().encode('{"claims":{}}');

describe('runner request signatures', () => {
  it('accepts what it signed and names the nonce', () => {
    const headers = signRunnerRequest(secret, body, 1_000_000);
    const check = checkRunnerSignature(secret, headers, body, 1_000_500);
    expect(check).toEqual({ ok: true, nonce: headers['x-extplat-nonce'], timestamp: 1_000_000 });
  });

  it('refuses a changed body, another secret, and missing or malformed headers', () => {
    const headers = signRunnerRequest(secret, body, 1_000_000);
    const other = new TextEncoder().encode('{"claims":{"tenantId":"x"}}');
    expect(checkRunnerSignature(secret, headers, other, 1_000_000)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(checkRunnerSignature('b'.repeat(40), headers, body, 1_000_000)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(checkRunnerSignature(secret, {}, body)).toEqual({ ok: false, reason: 'missing' });
    expect(checkRunnerSignature(secret, { ...headers, 'x-extplat-signature': 'sha1=abc' }, body, 1_000_000)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a signed request older or newer than the allowed skew', () => {
    const headers = signRunnerRequest(secret, body, 1_000_000);
    expect(checkRunnerSignature(secret, headers, body, 1_000_000 + SIGNATURE_MAX_SKEW_MS + 1)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(checkRunnerSignature(secret, headers, body, 1_000_000 - SIGNATURE_MAX_SKEW_MS - 1)).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('remembers nonces for the replay window and forgets them after', () => {
    let now = 0;
    const cache = new NonceCache(1000, () => now);
    expect(cache.remember('n1')).toBe(true);
    expect(cache.remember('n1')).toBe(false);
    now = 1001;
    expect(cache.remember('n1')).toBe(true);
  });

  it('keeps the nonce cache bounded by the window', () => {
    let now = 0;
    const cache = new NonceCache(10, () => now);
    for (let index = 0; index < 5000; index++) {
      now = index;
      cache.remember(`n${index}`);
    }
    expect((cache as unknown as { seen: Map<string, number> }).seen.size).toBeLessThan(1100);
    expect(cache.remember('n4999')).toBe(false);
  });
});

describe('sealed secrets', () => {
  it('round-trips under the same secret and fails under another or when tampered', () => {
    const sealed = sealForRunner(secret, { 'api-token': 't0p' });
    expect(sealed).not.toContain('t0p');
    expect(unsealFromApi(secret, sealed)).toEqual({ 'api-token': 't0p' });
    expect(() => unsealFromApi('b'.repeat(40), sealed)).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => unsealFromApi(secret, parts.join('.'))).toThrow();
    expect(() => unsealFromApi(secret, 'v2.x.y.z')).toThrow(/unknown format/);
  });
});

describe('config fingerprints', () => {
  const storage = {
    driver: 's3' as const,
    canonicalBase: 'sha256/',
    stagingBase: 'staging/',
    s3: { endpoint: 'http://s3:9000', region: 'us-east-1', bucket: 'bundles', forcePathStyle: true, corsOrigins: [] },
  };
  const signing = { policy: 'enforce' as const, trustBundlePem: 'PEM\r\n', revokedFingerprints: ['b', 'a'] };

  it('agrees across line endings and list order, and reveals no values', () => {
    const api = configFingerprint(
      'api',
      { storage, signing, egressAllowlist: ['https://b.example', 'https://a.example'] },
      SECRET,
    );
    const runner = configFingerprint(
      'runner',
      {
        storage: { ...storage, s3: { ...storage.s3, corsOrigins: ['http://console'] } },
        signing: { ...signing, trustBundlePem: 'PEM\n', revokedFingerprints: ['a', 'b'] },
        egressAllowlist: ['https://a.example', 'https://b.example'],
      },
      SECRET,
    );
    expect(fingerprintDrift(api, runner)).toEqual([]);
    expect(api.fingerprint).toBe(runner.fingerprint);
    expect(JSON.stringify(api)).not.toContain('bundles');
    expect(JSON.stringify(api)).not.toContain('a.example');
  });

  it('names every setting that differs', () => {
    const api = configFingerprint('api', { storage, signing, egressAllowlist: [] }, SECRET);
    const runner = configFingerprint(
      'runner',
      {
        storage: { ...storage, s3: { ...storage.s3, bucket: 'other' } },
        signing: { policy: 'warn', trustBundlePem: undefined, revokedFingerprints: [] },
        egressAllowlist: ['https://a.example'],
      },
      SECRET,
    );
    expect(fingerprintDrift(api, runner)).toEqual([
      'storage',
      'signingPolicy',
      'trustBundle',
      'revoked',
      'egressAllowlist',
    ]);
  });

  it('keys every digest with the shared secret, so a guess cannot be confirmed offline', () => {
    const empty = { storage, signing: { policy: 'enforce' as const, revokedFingerprints: [] }, egressAllowlist: [] };
    const fingerprint = configFingerprint('api', empty, SECRET);
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    const published = JSON.stringify(fingerprint);
    for (const guess of ['', 's3:http://s3:9000/bundles/sha256/']) expect(published).not.toContain(sha256(guess));
    expect(fingerprint.settings.egressAllowlist).not.toBe(sha256(''));
    expect(fingerprint.settings.trustBundle).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint.settings.revoked).not.toBe(fingerprint.settings.trustBundle);
    const underAnother = configFingerprint('api', empty, 'another secret of at least 32 characters');
    for (const key of ['sharedSecret', 'storage', 'trustBundle', 'revoked', 'egressAllowlist'] as const) {
      expect([key, underAnother.settings[key]]).not.toEqual([key, fingerprint.settings[key]]);
    }
    expect(underAnother.fingerprint).not.toBe(fingerprint.fingerprint);
  });

  it('names only the shared secret (and the clear policy) when the two sides hold different secrets', () => {
    const shared = { storage, signing, egressAllowlist: [] };
    const other = 'another secret of at least 32 characters';
    expect(
      fingerprintDrift(configFingerprint('api', shared, SECRET), configFingerprint('runner', shared, other)),
    ).toEqual(['sharedSecret']);
    const warn = { ...shared, signing: { ...signing, policy: 'warn' as const } };
    expect(
      fingerprintDrift(configFingerprint('api', shared, SECRET), configFingerprint('runner', warn, other)),
    ).toEqual(['sharedSecret', 'signingPolicy']);
  });
});
