import { availableParallelism } from 'node:os';
import {
  type BundleLimitsConfig,
  type DatabaseConfig,
  defaultRunnerCacheDir,
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

export interface RunnerConfig {
  logLevel: LogLevel;
  http: HttpConfig;
  /** Read-only use: which versions are published (ext-ui serves nothing else). */
  database: DatabaseConfig;
  storage: StorageConfig;
  bundle: BundleLimitsConfig;
  signing: SigningConfig;
  egress: {
    allowlist: string[];
    /**
     * Allowlisted origins that may resolve to loopback, private or link-local addresses (an on-premises
     * service, or a test server). Every other origin must resolve to public addresses only.
     */
    allowPrivateOrigins: string[];
    timeoutMs: number;
    maxRequestBytes: number;
    maxResponseBytes: number;
    maxRedirects: number;
  };
  sharedSecret: string;
  /**
   * RUNNER_ARTIFACT_KEY: the HMAC key of precompiled artifacts shared through the bundle store, held by
   * Runners only (never the API). Unset: shared artifacts are neither written nor trusted, only the local
   * disk cache is used.
   */
  artifactKey: string | undefined;
  /** Where the execute replay cache lives when several Runners serve one API (in-process when absent). */
  redis?: RedisConfig;
  /** This Runner's public origin+path for extension UIs. */
  publicBase: string;
  /** The console's origin: the only page allowed to frame extension UIs. */
  consoleOrigin: string;
  cache: {
    dir: string;
    maxBytes: number;
    compiledModulesMax: number;
  };
  sandbox: {
    workers: number;
    /** Executions of one tenant running at once (the rest wait their turn in the fair queue). */
    tenantConcurrency: number;
    /** Executions of one tenant waiting at once; more are refused with 503 RUNNER_BUSY. */
    tenantQueueMax: number;
    /** Longest wait for a worker (at most half the execution deadline) before 503 RUNNER_BUSY. */
    queueTimeoutMs: number;
    executionTimeoutMs: number;
    memoryMaxMiB: number;
  };
}

const MIB = 1024 * 1024;

function readEgress(env: EnvReader): RunnerConfig['egress'] {
  const allowlist = readEgressAllowlist(env);
  const allowPrivateOrigins = env
    .list('EXT_EGRESS_ALLOW_PRIVATE', (item) => {
      const origin = URL.canParse(item) ? new URL(item).origin : undefined;
      return origin && allowlist.includes(origin) ? undefined : 'an origin that is also in EXT_EGRESS_ALLOWLIST';
    })
    .filter((item) => URL.canParse(item))
    .map((item) => new URL(item).origin);
  return {
    allowlist,
    allowPrivateOrigins,
    timeoutMs: env.int('EXT_EGRESS_TIMEOUT_MS', { default: 10_000, min: 100, max: 300_000 }),
    maxRequestBytes: env.int('EXT_EGRESS_MAX_REQUEST_BYTES', { default: MIB, min: 1024, max: 3 * MIB }),
    maxResponseBytes: env.int('EXT_EGRESS_MAX_RESPONSE_BYTES', { default: 3 * MIB, min: 1024, max: 3 * MIB }),
    maxRedirects: env.int('EXT_EGRESS_MAX_REDIRECTS', { default: 5, min: 0, max: 20 }),
  };
}

function readSandbox(env: EnvReader): RunnerConfig['sandbox'] {
  // At least two workers even on two cores: with one, a single call that uses its whole deadline (CPU, or
  // waiting on egress) holds every other call in the queue (measured with bench/runner/fairness.mjs).
  const workers = env.int('RUNNER_WORKERS', { default: Math.max(2, availableParallelism() - 1), min: 1, max: 256 });
  return {
    workers,
    tenantConcurrency: env.int('RUNNER_TENANT_CONCURRENCY', { default: Math.ceil(workers / 2), min: 1, max: 256 }),
    tenantQueueMax: env.int('RUNNER_TENANT_QUEUE_MAX', { default: 100, min: 1, max: 100_000 }),
    queueTimeoutMs: env.int('RUNNER_QUEUE_TIMEOUT_MS', { default: 1000, min: 10, max: 300_000 }),
    executionTimeoutMs: env.int('EXT_EXECUTION_TIMEOUT_MS', { default: 5000, min: 10, max: 300_000 }),
    memoryMaxMiB: env.int('EXT_MEMORY_MAX_MIB', { default: 256, min: 16, max: 4096 }),
  };
}

/** Reads and checks the Runner's whole configuration; throws a ConfigError naming every bad variable. */
export function loadRunnerConfig(source: Env): RunnerConfig {
  const env = new EnvReader(source);
  const publicBase = env.url('RUNNER_PUBLIC_BASE', { default: 'http://127.0.0.1:8081' }) ?? '';
  const consoleOrigin = env.url('CONSOLE_ORIGIN', { default: 'http://127.0.0.1:8080', origin: true }) ?? '';
  if (publicBase && consoleOrigin && new URL(publicBase).origin === consoleOrigin) {
    env.problem(
      'RUNNER_PUBLIC_BASE',
      'must be on a different origin than CONSOLE_ORIGIN, or extension UIs could reach the console',
      publicBase,
    );
  }
  const config: RunnerConfig = {
    logLevel: readLogLevel(env),
    http: readHttp(env, 'RUNNER', 8081),
    database: readDatabase(env, { migrationsRunDefault: false }),
    storage: readStorage(env),
    bundle: readBundleLimits(env),
    signing: readSigning(env),
    egress: readEgress(env),
    sharedSecret: readRunnerSharedSecret(env),
    artifactKey: env.string('RUNNER_ARTIFACT_KEY', {
      rule: 'at least 32 characters shared by the Runners only (e.g. openssl rand -base64 48), or unset',
      minLength: 32,
      secret: true,
    }),
    redis: readRedis(env),
    publicBase,
    consoleOrigin,
    cache: {
      dir:
        env.directory('RUNNER_CACHE_DIR', { required: true, default: defaultRunnerCacheDir() }) ??
        defaultRunnerCacheDir(),
      maxBytes: env.int('RUNNER_CACHE_MAX_BYTES', { default: 2048 * MIB, min: 64 * MIB, max: 1024 * 1024 * MIB }),
      compiledModulesMax: env.int('RUNNER_COMPILED_MODULES_MAX', { default: 32, min: 1, max: 1024 }),
    },
    sandbox: readSandbox(env),
  };
  if (config.artifactKey !== undefined && config.artifactKey === config.sharedSecret) {
    env.problem(
      'RUNNER_ARTIFACT_KEY',
      'must differ from RUNNER_SHARED_SECRET: the API holds that one, and must not be able to make artifacts',
      undefined,
      true,
    );
  }
  env.finish();
  return config;
}
