import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@extplat/server-core';
import { loadApiConfig } from './api-config.js';

const TRUST = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const valid = {
  DATABASE_URL: 'postgres://extplat:pw@db.internal:5432/extplat',
  STORAGE_DRIVER: 's3',
  STORAGE_S3_ENDPOINT: 'http://minio:9000',
  STORAGE_S3_BUCKET: 'extplat-bundles',
  STORAGE_S3_ACCESS_KEY: 'AKIA',
  STORAGE_S3_SECRET_KEY: 'secret-value',
  SIGNING_TRUST_BUNDLE: TRUST,
  RUNNER_SHARED_SECRET: 'x'.repeat(40),
  EXT_SECRETS_KEY: `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`,
  AUTH_JWT_SECRET: 'j'.repeat(40),
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadApiConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadApiConfig', () => {
  it('reads a complete environment into typed sections with defaults', () => {
    const config = loadApiConfig(valid);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, shutdownTimeoutMs: 10_000 });
    expect(config.storage).toMatchObject({
      driver: 's3',
      canonicalBase: 'sha256/',
      stagingBase: 'staging/',
      s3: {
        endpoint: 'http://minio:9000',
        publicEndpoint: 'http://minio:9000',
        bucket: 'extplat-bundles',
        forcePathStyle: false,
      },
    });
    expect(config.bundle).toEqual({ maxBytes: 200 * 1024 * 1024, maxUnpackedBytes: 1024 * 1024 * 1024 });
    expect(config.signing.policy).toBe('enforce');
    expect(config.redis).toBeUndefined();
    expect(config.runner).toMatchObject({
      discovery: { kind: 'static', urls: ['http://127.0.0.1:8081'] },
      healthIntervalMs: 2000,
      publicBase: 'http://127.0.0.1:8081',
      gatewayTimeoutMs: 10_000,
      gatewayMaxBodyBytes: 1024 * 1024,
      gatewayRateLimitPerMinute: 600,
    });
    expect(config.secretsKeys.map((key) => key.id)).toEqual(['k2', 'k1']);
    expect(config.secretsKeys[0]?.key).toHaveLength(32);
    expect(config.database.migrationsRun).toBe(true);
  });

  it('names every missing required variable at once', () => {
    const problems = problemsOf({});
    for (const name of [
      'DATABASE_URL',
      'STORAGE_S3_BUCKET',
      'SIGNING_TRUST_BUNDLE',
      'RUNNER_SHARED_SECRET',
      'EXT_SECRETS_KEY',
      'AUTH_JWT_SECRET',
    ]) {
      expect(problems.some((problem) => problem.startsWith(`${name}: is required`))).toBe(true);
    }
  });

  it('states the rule a malformed value breaks, and never echoes secrets', () => {
    const problems = problemsOf({
      ...valid,
      BUNDLE_MAX_BYTES: '12abc',
      EXT_GATEWAY_TIMEOUT_MS: '5',
      DATABASE_URL: 'mysql://db',
      STORAGE_S3_FORCE_PATH_STYLE: 'maybe',
      RUNNER_SHARED_SECRET: 'short-secret',
      SIGNING_POLICY: 'strict',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BUNDLE_MAX_BYTES: must be a whole number from 1024 to \d+ \(got "12abc"\)$/),
        expect.stringMatching(/^EXT_GATEWAY_TIMEOUT_MS: must be a whole number from 100 to 300000/),
        expect.stringMatching(/^DATABASE_URL: must be an absolute postgres or postgresql URL/),
        'STORAGE_S3_FORCE_PATH_STYLE: must be true or false (got "maybe")',
        expect.stringMatching(
          /^RUNNER_SHARED_SECRET: must be at least 32 characters.*\(got a value of 12 characters\)$/,
        ),
        'SIGNING_POLICY: must be one of enforce, warn, off (got "strict")',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('requires S3 variables only for the s3 driver', () => {
    const { STORAGE_S3_BUCKET: _bucket, STORAGE_S3_ENDPOINT: _endpoint, ...withoutS3 } = valid;
    expect(problemsOf({ ...withoutS3, STORAGE_DRIVER: 's3' })).toEqual([
      expect.stringMatching(/^STORAGE_S3_BUCKET: is required/),
    ]);
    const config = loadApiConfig({ ...withoutS3, STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: '/var/lib/extplat/bundles' });
    expect(config.storage).toMatchObject({ driver: 'fs', fs: { root: '/var/lib/extplat/bundles' } });
    expect(problemsOf({ ...withoutS3, STORAGE_DRIVER: 'fs' })).toEqual([
      expect.stringMatching(/^STORAGE_FS_ROOT: is required/),
    ]);
  });

  it('wants both S3 keys or neither', () => {
    expect(problemsOf({ ...valid, STORAGE_S3_SECRET_KEY: undefined })).toEqual([
      expect.stringMatching(/^STORAGE_S3_SECRET_KEY: is required when/),
    ]);
    const { STORAGE_S3_ACCESS_KEY: _a, STORAGE_S3_SECRET_KEY: _s, ...noKeys } = valid;
    expect(loadApiConfig(noKeys).storage).toMatchObject({ s3: { accessKeyId: undefined, secretAccessKey: undefined } });
  });

  it('fails closed: enforcing signatures needs a trust bundle, warn and off do not', () => {
    const { SIGNING_TRUST_BUNDLE: _trust, ...untrusted } = valid;
    expect(problemsOf(untrusted)).toEqual([
      expect.stringMatching(/^SIGNING_TRUST_BUNDLE: is required while SIGNING_POLICY is "enforce"/),
    ]);
    expect(problemsOf({ ...untrusted, SIGNING_POLICY: 'enforce' })).toEqual([
      expect.stringMatching(/^SIGNING_POLICY: is "enforce", which needs SIGNING_TRUST_BUNDLE/),
    ]);
    expect(loadApiConfig({ ...untrusted, SIGNING_POLICY: 'warn' }).signing.policy).toBe('warn');
    expect(problemsOf({ ...valid, SIGNING_TRUST_BUNDLE: '/nonexistent/trust.pem' })).toEqual([
      'SIGNING_TRUST_BUNDLE: must be inline PEM text or the path of a readable PEM file (got "/nonexistent/trust.pem")',
    ]);
  });

  it('parses the egress allowlist and revocation list, rejecting items that are not origins or fingerprints', () => {
    const fingerprint = 'AB:'.repeat(31) + 'AB';
    const config = loadApiConfig({
      ...valid,
      EXT_EGRESS_ALLOWLIST: 'https://api.example.com, https://x.example.com:8443',
      SIGNING_REVOKED: fingerprint,
    });
    expect(config.egressAllowlist).toEqual(['https://api.example.com', 'https://x.example.com:8443']);
    expect(config.signing.revokedFingerprints).toEqual(['ab'.repeat(32)]);
    expect(
      problemsOf({ ...valid, EXT_EGRESS_ALLOWLIST: 'https://api.example.com/v1', SIGNING_REVOKED: 'nope' }),
    ).toEqual([
      expect.stringMatching(/^SIGNING_REVOKED: each item must be a SHA-256 certificate fingerprint/),
      expect.stringMatching(
        /^EXT_EGRESS_ALLOWLIST: each item must be an origin .*\(got "https:\/\/api.example.com\/v1"\)$/,
      ),
    ]);
  });

  it('keeps extension UIs off the console origin', () => {
    expect(
      problemsOf({
        ...valid,
        RUNNER_PUBLIC_BASE: 'http://127.0.0.1:8080/ext',
        CONSOLE_ORIGIN: 'http://127.0.0.1:8080',
      }),
    ).toEqual([expect.stringMatching(/^RUNNER_PUBLIC_BASE: must be on a different origin than CONSOLE_ORIGIN/)]);
  });

  it('checks the secrets key format and that parts can carry the largest bundle', () => {
    expect(problemsOf({ ...valid, EXT_SECRETS_KEY: 'k1:dG9vLXNob3J0' })).toEqual([
      expect.stringMatching(/^EXT_SECRETS_KEY: each item must be "<keyId>:<base64 of 32 random bytes>"/),
    ]);
    expect(
      problemsOf({ ...valid, BUNDLE_MAX_BYTES: String(60 * 1024 ** 3), UPLOAD_PART_SIZE_BYTES: String(5 * 1024 ** 2) }),
    ).toEqual([expect.stringMatching(/^UPLOAD_PART_SIZE_BYTES: times 10,000 parts/)]);
  });

  it('reads TRUST_PROXY as Express takes it: off by default, a hop count or proxy addresses, never true', () => {
    expect(loadApiConfig(valid).trustProxy).toBe(false);
    expect(loadApiConfig({ ...valid, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadApiConfig({ ...valid, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadApiConfig({ ...valid, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
    expect(problemsOf({ ...valid, TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: must not be true/),
    ]);
    expect(problemsOf({ ...valid, TRUST_PROXY: '10.0.0.0/99' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: must be/),
    ]);
    expect(problemsOf({ ...valid, TRUST_PROXY: 'proxy.internal' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: must be/),
    ]);
  });

  it('serves metrics only when API_METRICS_PORT is set, on a valid port', () => {
    expect(loadApiConfig(valid).metricsPort).toBeUndefined();
    expect(loadApiConfig({ ...valid, API_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(problemsOf({ ...valid, API_METRICS_PORT: 'metrics' })).toEqual([
      expect.stringMatching(/^API_METRICS_PORT: must be a whole number from 0 to 65535/),
    ]);
  });

  it('keeps failed logins for AUTH_LOGIN_FAILURE_RETENTION_DAYS (30 by default)', () => {
    expect(loadApiConfig(valid).auth.loginFailureRetentionSeconds).toBe(30 * 86_400);
    expect(loadApiConfig({ ...valid, AUTH_LOGIN_FAILURE_RETENTION_DAYS: '7' }).auth.loginFailureRetentionSeconds).toBe(
      7 * 86_400,
    );
    expect(problemsOf({ ...valid, AUTH_LOGIN_FAILURE_RETENTION_DAYS: '0' })).toHaveLength(1);
  });

  it('finds the Runners in RUNNER_URLS, RUNNER_BASE_URL or RUNNER_DISCOVERY_DNS, one way only', () => {
    expect(loadApiConfig({ ...valid, RUNNER_URLS: 'http://r1:8081/, http://r2:8081' }).runner).toMatchObject({
      discovery: { kind: 'static', urls: ['http://r1:8081', 'http://r2:8081'] },
      publicBase: 'http://r1:8081',
    });
    expect(loadApiConfig({ ...valid, RUNNER_BASE_URL: 'http://r9:8081' }).runner.discovery).toEqual({
      kind: 'static',
      urls: ['http://r9:8081'],
    });
    expect(
      loadApiConfig({
        ...valid,
        RUNNER_DISCOVERY_DNS: 'runner-headless.extplat.svc:8081',
        RUNNER_DISCOVERY_INTERVAL_MS: '5000',
        RUNNER_PUBLIC_BASE: 'https://ext.example.com',
      }).runner.discovery,
    ).toEqual({ kind: 'dns', host: 'runner-headless.extplat.svc', port: 8081, intervalMs: 5000 });
    expect(problemsOf({ ...valid, RUNNER_URLS: 'http://r1:8081', RUNNER_BASE_URL: 'http://r2:8081' })).toEqual([
      expect.stringMatching(/^RUNNER_BASE_URL: must not be set together with RUNNER_URLS/),
    ]);
    expect(problemsOf({ ...valid, RUNNER_URLS: 'http://r1:8081', RUNNER_DISCOVERY_DNS: 'r:8081' })).toHaveLength(1);
    expect(problemsOf({ ...valid, RUNNER_URLS: 'http://r1:8081,ftp://r2,http://r1:8081' })).toHaveLength(2);
    expect(problemsOf({ ...valid, RUNNER_DISCOVERY_DNS: 'no-port' })).toEqual([
      expect.stringMatching(/^RUNNER_DISCOVERY_DNS: must be host:port/),
    ]);
  });

  it('reads REDIS_URL and its key prefix', () => {
    expect(loadApiConfig({ ...valid, REDIS_URL: 'redis://127.0.0.1:6379/2' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379/2',
      keyPrefix: 'extplat:',
    });
    expect(problemsOf({ ...valid, REDIS_URL: 'http://127.0.0.1:6379' })).toHaveLength(1);
    expect(problemsOf({ ...valid, REDIS_URL: 'redis://r:6379', REDIS_KEY_PREFIX: 'a b' })).toHaveLength(1);
  });

  it('keeps a local copy of proxied parts on s3 (1 GiB by default), none on fs, UPLOAD_SPOOL_* override', () => {
    const s3 = loadApiConfig(valid);
    expect(s3.upload.spoolMaxBytes).toBe(1024 * 1024 * 1024);
    expect(s3.upload.spoolDir).toMatch(/extplat-upload-spool$/);
    const { STORAGE_S3_ENDPOINT: _e, STORAGE_S3_BUCKET: _b, ...fsEnv } = valid;
    expect(loadApiConfig({ ...fsEnv, STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: '/srv/b' }).upload.spoolMaxBytes).toBe(0);
    const set = loadApiConfig({ ...valid, UPLOAD_SPOOL_DIR: '/var/spool/extplat', UPLOAD_SPOOL_MAX_BYTES: '0' });
    expect(set.upload).toMatchObject({ spoolDir: '/var/spool/extplat', spoolMaxBytes: 0 });
    expect(problemsOf({ ...valid, UPLOAD_SPOOL_MAX_BYTES: '-1' })).toEqual([
      expect.stringMatching(/^UPLOAD_SPOOL_MAX_BYTES: must be a whole number from 0/),
    ]);
    expect(problemsOf({ ...valid, UPLOAD_SPOOL_DIR: '/etc/hostname' })).toEqual([
      expect.stringMatching(/^UPLOAD_SPOOL_DIR: must be a directory, not a file/),
    ]);
  });
});
