import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BUNDLE_LIMITS } from '@extplat/bundle';
import { SIGNING_POLICIES, type SigningPolicy } from '@extplat/signing';
import type { S3StoreConfig } from '@extplat/storage';
import type { EnvReader } from './env-reader.js';

/** Config sections that the API and the Runner read the same way. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HttpConfig {
  host: string;
  port: number;
  /** How long a stopping server lets requests in flight finish before it cuts them. */
  shutdownTimeoutMs: number;
}

export interface DatabaseConfig {
  url: string;
  poolMax: number;
  /** Apply pending migrations when the process starts. */
  migrationsRun: boolean;
}

export interface S3StorageConfig extends S3StoreConfig {
  /** Origins allowed to PUT parts straight to the bucket (browser uploads); applied at API start-up. */
  corsOrigins: string[];
}

export type StorageConfig = {
  canonicalBase: string;
  stagingBase: string;
} & ({ driver: 's3'; s3: S3StorageConfig } | { driver: 'fs'; fs: { root: string } });

export interface BundleLimitsConfig {
  maxBytes: number;
  maxUnpackedBytes: number;
}

export interface SigningConfig {
  policy: SigningPolicy;
  /** PEM text of the trusted CA certificates (read from the file when a path was given). */
  trustBundlePem?: string;
  /** SHA-256 fingerprints (lowercase hex) of revoked certificates. */
  revokedFingerprints: string[];
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const KEY_PREFIX = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)+$/;

export function readLogLevel(env: EnvReader): LogLevel {
  return env.oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' });
}

/** `<prefix>_HOST` and `<prefix>_PORT`; loopback by default, so nothing is exposed by accident. */
export function readHttp(env: EnvReader, prefix: 'API' | 'RUNNER', defaultPort: number): HttpConfig {
  return {
    host:
      env.string(`${prefix}_HOST`, {
        default: '127.0.0.1',
        rule: 'a host name or IP address to listen on',
        pattern: /^[A-Za-z0-9.:[\]-]+$/,
      }) ?? '127.0.0.1',
    port: env.int(`${prefix}_PORT`, { default: defaultPort, min: 0, max: 65535 }),
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 0, max: 300_000 }),
  };
}

export function readDatabase(env: EnvReader, options: { migrationsRunDefault: boolean }): DatabaseConfig {
  return {
    url: env.url('DATABASE_URL', { required: true, protocols: ['postgres:', 'postgresql:'] }) ?? '',
    poolMax: env.int('DATABASE_POOL_MAX', { default: 10, min: 1, max: 500 }),
    migrationsRun: env.bool('DATABASE_MIGRATIONS_RUN', { default: options.migrationsRunDefault }),
  };
}

export function readStorage(env: EnvReader): StorageConfig {
  const driver = env.oneOf('STORAGE_DRIVER', ['s3', 'fs'] as const, { default: 's3' });
  const prefixRule = 'a relative key prefix ending in "/", e.g. "sha256/"';
  const canonicalBase =
    env.string('BUNDLE_STORE_BASE', { default: 'sha256/', rule: prefixRule, pattern: KEY_PREFIX }) ?? 'sha256/';
  const stagingBase =
    env.string('BUNDLE_STAGING_BASE', { default: 'staging/', rule: prefixRule, pattern: KEY_PREFIX }) ?? 'staging/';
  if (canonicalBase.startsWith(stagingBase) || stagingBase.startsWith(canonicalBase)) {
    env.problem('BUNDLE_STAGING_BASE', 'must not overlap BUNDLE_STORE_BASE', stagingBase);
  }
  if (driver === 'fs') {
    const root = env.directory('STORAGE_FS_ROOT', { required: true }) ?? '';
    return { driver, canonicalBase, stagingBase, fs: { root } };
  }
  const accessKeyId = env.string('STORAGE_S3_ACCESS_KEY', { rule: 'an S3 access key id' });
  const secretAccessKey = env.string('STORAGE_S3_SECRET_KEY', { rule: 'an S3 secret key', secret: true });
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    env.problem(
      accessKeyId === undefined ? 'STORAGE_S3_ACCESS_KEY' : 'STORAGE_S3_SECRET_KEY',
      'is required when the other S3 key variable is set (set both, or neither to use the AWS default credential chain)',
    );
  }
  const endpoint = env.url('STORAGE_S3_ENDPOINT', {});
  return {
    driver,
    canonicalBase,
    stagingBase,
    s3: {
      endpoint,
      publicEndpoint: env.url('STORAGE_S3_PUBLIC_ENDPOINT', { default: endpoint }),
      region:
        env.string('STORAGE_S3_REGION', { default: 'us-east-1', rule: 'an S3 region name', pattern: /^[a-z0-9-]+$/ }) ??
        'us-east-1',
      bucket:
        env.string('STORAGE_S3_BUCKET', {
          required: true,
          rule: 'an S3 bucket name (3-63 characters of a-z, 0-9, "." and "-") when STORAGE_DRIVER=s3',
          pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        }) ?? '',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: env.bool('STORAGE_S3_FORCE_PATH_STYLE', { default: false }),
      corsOrigins: env
        .list('STORAGE_S3_CORS_ORIGINS', (item) =>
          URL.canParse(item) && new URL(item).origin === item.replace(/\/$/, '')
            ? undefined
            : 'an origin such as https://console.example.com',
        )
        .map((item) => new URL(item).origin),
    },
  };
}

export function readBundleLimits(env: EnvReader): BundleLimitsConfig {
  return {
    maxBytes: env.int('BUNDLE_MAX_BYTES', { default: DEFAULT_BUNDLE_LIMITS.maxBytes, min: 1024, max: 5 * 1024 * GIB }),
    maxUnpackedBytes: env.int('BUNDLE_MAX_UNPACKED_BYTES', {
      default: DEFAULT_BUNDLE_LIMITS.maxUnpackedBytes,
      min: 1024,
      max: 64 * GIB,
    }),
  };
}

const FINGERPRINT = /^(?:sha256:)?(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/;

export function readSigning(env: EnvReader): SigningConfig {
  const trustBundlePem = env.pem('SIGNING_TRUST_BUNDLE');
  const explicitPolicy = env.has('SIGNING_POLICY');
  const policy = env.oneOf('SIGNING_POLICY', SIGNING_POLICIES, { default: 'enforce' });
  // Fail closed: enforcing signatures with no trust anchor would reject everything, silently.
  if (policy === 'enforce' && !trustBundlePem && !env.has('SIGNING_TRUST_BUNDLE')) {
    env.problem(
      explicitPolicy ? 'SIGNING_POLICY' : 'SIGNING_TRUST_BUNDLE',
      explicitPolicy
        ? 'is "enforce", which needs SIGNING_TRUST_BUNDLE (a PEM file path or inline PEM of trusted CA certificates)'
        : 'is required while SIGNING_POLICY is "enforce" (the default); set it, or set SIGNING_POLICY=warn or off',
    );
  }
  const revoked = env.list('SIGNING_REVOKED', (item) =>
    FINGERPRINT.test(item) ? undefined : 'a SHA-256 certificate fingerprint (64 hex digits, colons allowed)',
  );
  return {
    policy,
    trustBundlePem,
    revokedFingerprints: revoked.map((item) =>
      item
        .replace(/^sha256:/, '')
        .replaceAll(':', '')
        .toLowerCase(),
    ),
  };
}

/** Origins (`https://host[:port]`) that extensions may ever reach; each install narrows it further. */
export function readEgressAllowlist(env: EnvReader): string[] {
  return env
    .list('EXT_EGRESS_ALLOWLIST', (item) => {
      if (!URL.canParse(item)) return 'an origin such as https://api.example.com:8443';
      const url = new URL(item);
      const bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
      return (url.protocol === 'https:' || url.protocol === 'http:') && bare
        ? undefined
        : 'an origin such as https://api.example.com:8443 (scheme, host and optional port only)';
    })
    .map((item) => new URL(item).origin);
}

export function readRunnerSharedSecret(env: EnvReader): string {
  return (
    env.string('RUNNER_SHARED_SECRET', {
      required: true,
      rule: 'at least 32 characters shared by the API and the Runner (e.g. openssl rand -base64 48)',
      minLength: 32,
      secret: true,
    }) ?? ''
  );
}

export function defaultRunnerCacheDir(): string {
  return join(tmpdir(), 'extplat-runner-cache');
}

export interface RedisConfig {
  /** `redis://` or `rediss://` URL; the password, when any, is in it. */
  url: string;
  /** Put before every key, so several platforms (or tests) can share one Redis. */
  keyPrefix: string;
}

/** `REDIS_URL` (optional: without it every limit and the replay cache stay in the process) and its prefix. */
export function readRedis(env: EnvReader): RedisConfig | undefined {
  const url = env.url('REDIS_URL', { protocols: ['redis:', 'rediss:'] });
  const keyPrefix =
    env.string('REDIS_KEY_PREFIX', {
      default: 'extplat:',
      rule: '1-64 letters, digits or the characters : _ - .',
      pattern: /^[A-Za-z0-9:_.-]{1,64}$/,
    }) ?? 'extplat:';
  return url ? { url, keyPrefix } : undefined;
}
