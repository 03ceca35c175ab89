import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import {
  type BundleLimitsConfig,
  type DatabaseConfig,
  type Env,
  EnvReader,
  type HttpConfig,
  type LogLevel,
  readBundleLimits,
  readDatabase,
  readEgressAllowlist,
  readHttp,
  readLogLevel,
  readRunnerSharedSecret,
  readSigning,
  readRedis,
  readStorage,
  type RedisConfig,
  type SigningConfig,
  type StorageConfig,
} from '@extplat/server-core';

export interface SecretsKey {
  id: string;
  key: Buffer;
}

/**
 * Express's `trust proxy`: which peers may say who the client is (`X-Forwarded-For`). False trusts none, a
 * number that many hops, a list those addresses, CIDRs or names (`loopback`, `uniquelocal`, ...).
 */
export type TrustProxy = false | number | string[];

/** Where the gateway finds its Runners: a fixed list, or the addresses behind one DNS name. */
export type RunnerDiscovery =
  { kind: 'static'; urls: string[] } | { kind: 'dns'; host: string; port: number; intervalMs: number };

export interface ApiConfig {
  logLevel: LogLevel;
  http: HttpConfig;
  /** Port of the Prometheus endpoint (`GET /metrics` on API_HOST); none served when absent. */
  metricsPort?: number;
  trustProxy: TrustProxy;
  database: DatabaseConfig;
  storage: StorageConfig;
  bundle: BundleLimitsConfig;
  signing: SigningConfig;
  egressAllowlist: string[];
  /** Shared state (rate limits, login throttle) across API replicas; in-process when absent. */
  redis?: RedisConfig;
  runner: {
    /** Where the gateway calls the Runners (private network); each call goes to the owner of its content hash. */
    discovery: RunnerDiscovery;
    /** How often each Runner's /readyz is probed; a failing one gets no calls until it passes again. */
    healthIntervalMs: number;
    /** Where browsers load extension UIs from; a different origin than the console. */
    publicBase: string;
    sharedSecret: string;
    gatewayTimeoutMs: number;
    /** Largest request body the gateway passes to an extension. */
    gatewayMaxBodyBytes: number;
    /** Calls per minute per tenant and extension (a token bucket that holds one minute's worth). */
    gatewayRateLimitPerMinute: number;
    /** Bound of a prewarm request on install changes (InstallPrewarmer); 0 turns prewarming off. */
    prewarmTimeoutMs: number;
  };
  /** Keys that seal install secrets; the first one encrypts, all of them decrypt (rotation). */
  secretsKeys: SecretsKey[];
  auth: {
    jwtSecret: string;
    tokenTtlSeconds: number;
    bootstrapAdmin?: { email: string; password: string };
    /** How long failed logins are kept (in `login_failures`, outside the audit chain). */
    loginFailureRetentionSeconds: number;
  };
  upload: {
    partSizeBytes: number;
    sessionTtlSeconds: number;
    /** Session calls (initiate, finalize, abort) per principal and minute; part calls get 50 times that. */
    rateLimitPerMinute: number;
    /** Where proxied parts are copied as they stream, so finalize need not read them back from the store. */
    spoolDir: string;
    /** Bytes of proxied parts this process keeps on local disk at once; 0 turns the spool off. */
    spoolMaxBytes: number;
  };
  console: {
    /** Public origin of the admin console (CORS, and the Runner's frame-ancestors). */
    origin: string;
    /** Built console to serve from the API, when set. */
    distDir?: string;
  };
}

const MIB = 1024 * 1024;
const HOP_COUNT = /^\d{1,2}$/;

/**
 * `TRUST_PROXY`: unset or `false`, a hop count, or a comma-separated list of addresses, CIDRs and
 * proxy-addr names. Express parses it (so this accepts exactly what Express does); `true` is refused because
 * it believes any client's `X-Forwarded-For`, which would let anyone pick the address it is throttled under.
 */
function readTrustProxy(env: EnvReader): TrustProxy {
  const raw = env.string('TRUST_PROXY', { rule: 'false, a hop count or a list of proxy addresses/CIDRs' });
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true') {
    env.problem(
      'TRUST_PROXY',
      'must not be true (every client could forge its address): give a hop count or addresses',
      raw,
    );
    return false;
  }
  const value: TrustProxy = HOP_COUNT.test(raw)
    ? Number(raw)
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
  try {
    express().set('trust proxy', value);
  } catch (error) {
    env.problem(
      'TRUST_PROXY',
      `must be false, a hop count (1-99) or comma-separated proxy addresses, CIDRs or names: ${error instanceof Error ? error.message : String(error)}`,
      raw,
    );
    return false;
  }
  return value;
}
const DNS_TARGET = /^([A-Za-z0-9.-]{1,253}):(\d{1,5})$/;

/**
 * `RUNNER_URLS` (a comma-separated list; `RUNNER_BASE_URL` is the one-element form) or `RUNNER_DISCOVERY_DNS`
 * (`host:port` of a headless Service, resolved every `RUNNER_DISCOVERY_INTERVAL_MS`): one of them at most.
 */
function readRunnerDiscovery(env: EnvReader): RunnerDiscovery {
  const ways = ['RUNNER_URLS', 'RUNNER_BASE_URL', 'RUNNER_DISCOVERY_DNS'].filter((name) => env.has(name));
  if (ways.length > 1) {
    env.problem(ways[1] ?? '', `must not be set together with ${ways[0] ?? ''}: give the Runners one way`);
  }
  const intervalMs = env.int('RUNNER_DISCOVERY_INTERVAL_MS', { default: 10_000, min: 500, max: 3_600_000 });
  const dns = env.string('RUNNER_DISCOVERY_DNS', {
    rule: 'host:port of the headless Service in front of the Runners (e.g. runner-headless.extplat.svc:8081)',
    pattern: DNS_TARGET,
  });
  const dnsMatch = dns === undefined ? null : DNS_TARGET.exec(dns);
  if (dnsMatch?.[1] && dnsMatch[2] && ways[0] === 'RUNNER_DISCOVERY_DNS') {
    const port = Number(dnsMatch[2]);
    if (port < 1 || port > 65_535) env.problem('RUNNER_DISCOVERY_DNS', 'must name a port from 1 to 65535', dns);
    return { kind: 'dns', host: dnsMatch[1], port, intervalMs };
  }
  if (env.has('RUNNER_URLS')) {
    const urls = env
      .list('RUNNER_URLS', (item) =>
        URL.canParse(item) && ['http:', 'https:'].includes(new URL(item).protocol)
          ? undefined
          : 'an absolute http or https URL',
      )
      .map((item) => item.replace(/\/+$/, ''));
    if (new Set(urls).size !== urls.length) env.problem('RUNNER_URLS', 'must not name a Runner twice');
    return { kind: 'static', urls };
  }
  return { kind: 'static', urls: [env.url('RUNNER_BASE_URL', { default: 'http://127.0.0.1:8081' }) ?? ''] };
}

const SECRETS_KEY_ITEM = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$/;

/** Reads and checks the API's whole configuration; throws a ConfigError naming every bad variable. */
export function loadApiConfig(source: Env): ApiConfig {
  const env = new EnvReader(source);
  const discovery = readRunnerDiscovery(env);
  const consoleOrigin = env.url('CONSOLE_ORIGIN', { default: 'http://127.0.0.1:8080', origin: true }) ?? '';
  const runnerPublicBase =
    env.url('RUNNER_PUBLIC_BASE', {
      default: discovery.kind === 'static' ? discovery.urls[0] : 'http://127.0.0.1:8081',
    }) ?? '';
  if (runnerPublicBase && consoleOrigin && new URL(runnerPublicBase).origin === consoleOrigin) {
    env.problem(
      'RUNNER_PUBLIC_BASE',
      'must be on a different origin than CONSOLE_ORIGIN, or extension UIs could reach the console',
      runnerPublicBase,
    );
  }
  const secretsKeys = env
    .list('EXT_SECRETS_KEY', (item) =>
      SECRETS_KEY_ITEM.test(item)
        ? undefined
        : '"<keyId>:<base64 of 32 random bytes>" (e.g. k1:$(openssl rand -base64 32))',
    )
    .flatMap((item) => {
      const match = SECRETS_KEY_ITEM.exec(item);
      return match?.[1] && match[2] ? [{ id: match[1], key: Buffer.from(match[2], 'base64') }] : [];
    });
  if (!env.has('EXT_SECRETS_KEY')) {
    env.problem('EXT_SECRETS_KEY', 'is required: "<keyId>:<base64 of 32 random bytes>", newest first, comma-separated');
  }
  const bootstrapEmail = env.string('BOOTSTRAP_ADMIN_EMAIL', {
    rule: 'an email address',
    pattern: /^[^\s@]+@[^\s@]+$/,
  });
  const bootstrapPassword = env.string('BOOTSTRAP_ADMIN_PASSWORD', {
    rule: 'at least 12 characters',
    minLength: 12,
    secret: true,
  });
  if ((bootstrapEmail === undefined) !== (bootstrapPassword === undefined)) {
    env.problem(
      bootstrapEmail === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD',
      'is required when the other BOOTSTRAP_ADMIN_* variable is set',
    );
  }
  const storage = readStorage(env);
  const config: ApiConfig = {
    logLevel: readLogLevel(env),
    http: readHttp(env, 'API', 8080),
    ...(env.has('API_METRICS_PORT')
      ? { metricsPort: env.int('API_METRICS_PORT', { default: 0, min: 0, max: 65535 }) }
      : {}),
    trustProxy: readTrustProxy(env),
    database: readDatabase(env, { migrationsRunDefault: true }),
    storage,
    bundle: readBundleLimits(env),
    signing: readSigning(env),
    egressAllowlist: readEgressAllowlist(env),
    redis: readRedis(env),
    runner: {
      discovery,
      healthIntervalMs: env.int('RUNNER_HEALTH_INTERVAL_MS', { default: 2000, min: 100, max: 600_000 }),
      publicBase: runnerPublicBase,
      sharedSecret: readRunnerSharedSecret(env),
      gatewayTimeoutMs: env.int('EXT_GATEWAY_TIMEOUT_MS', { default: 10_000, min: 100, max: 300_000 }),
      gatewayMaxBodyBytes: env.int('EXT_GATEWAY_MAX_BODY_BYTES', {
        default: 1024 * 1024,
        min: 1024,
        max: 10 * 1024 * 1024,
      }),
      gatewayRateLimitPerMinute: env.int('EXT_GATEWAY_RATE_LIMIT_PER_MINUTE', { default: 600, min: 1, max: 1_000_000 }),
      prewarmTimeoutMs: env.int('RUNNER_PREWARM_TIMEOUT_MS', { default: 60_000, min: 0, max: 600_000 }),
    },
    secretsKeys,
    auth: {
      jwtSecret:
        env.string('AUTH_JWT_SECRET', {
          required: true,
          rule: 'at least 32 characters used to sign session tokens (e.g. openssl rand -base64 48)',
          minLength: 32,
          secret: true,
        }) ?? '',
      tokenTtlSeconds: env.int('AUTH_TOKEN_TTL_SECONDS', { default: 900, min: 60, max: 86_400 }),
      loginFailureRetentionSeconds:
        env.int('AUTH_LOGIN_FAILURE_RETENTION_DAYS', { default: 30, min: 1, max: 3650 }) * 86_400,
      ...(bootstrapEmail && bootstrapPassword
        ? { bootstrapAdmin: { email: bootstrapEmail, password: bootstrapPassword } }
        : {}),
    },
    upload: {
      // S3 refuses parts under 5 MiB (except the last) and uploads over 10,000 parts.
      partSizeBytes: env.int('UPLOAD_PART_SIZE_BYTES', { default: 16 * MIB, min: 5 * MIB, max: 5 * 1024 * MIB }),
      sessionTtlSeconds: env.int('UPLOAD_SESSION_TTL_SECONDS', { default: 24 * 3600, min: 60, max: 7 * 24 * 3600 }),
      rateLimitPerMinute: env.int('UPLOAD_RATE_LIMIT_PER_MINUTE', { default: 120, min: 1, max: 1_000_000 }),
      spoolDir:
        env.directory('UPLOAD_SPOOL_DIR', { required: true, default: join(tmpdir(), 'extplat-upload-spool') }) ?? '',
      // On the fs driver the store is local disk already: reading it back costs what reading a spool would.
      spoolMaxBytes: env.int('UPLOAD_SPOOL_MAX_BYTES', {
        default: storage.driver === 's3' ? 1024 * MIB : 0,
        min: 0,
        max: 1024 * 1024 * MIB,
      }),
    },
    console: {
      origin: consoleOrigin,
      distDir: env.directory('CONSOLE_DIST_DIR', { required: false }),
    },
  };
  if (config.bundle.maxBytes > config.upload.partSizeBytes * 10_000) {
    env.problem(
      'UPLOAD_PART_SIZE_BYTES',
      'times 10,000 parts (the S3 maximum) must cover BUNDLE_MAX_BYTES',
      String(config.upload.partSizeBytes),
    );
  }
  env.finish();
  return config;
}
