import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@extplat/server-core';
import { loadRunnerConfig } from './runner-config.js';

const valid = {
  DATABASE_URL: 'postgresql://runner@db:5432/extplat',
  STORAGE_DRIVER: 'fs',
  STORAGE_FS_ROOT: '/srv/bundles',
  SIGNING_POLICY: 'off',
  RUNNER_SHARED_SECRET: 's'.repeat(32),
};

describe('loadRunnerConfig', () => {
  it('applies defaults for the cache, the sandbox and the public origin', () => {
    const config = loadRunnerConfig(valid);
    expect(config.http.port).toBe(8081);
    expect(config.publicBase).toBe('http://127.0.0.1:8081');
    expect(config.consoleOrigin).toBe('http://127.0.0.1:8080');
    expect(config.database.migrationsRun).toBe(false);
    // Two workers at least, even on a two-core machine, and each tenant gets half of them.
    expect(config.sandbox.workers).toBeGreaterThanOrEqual(2);
    expect(config.sandbox).toMatchObject({
      tenantConcurrency: Math.ceil(config.sandbox.workers / 2),
      tenantQueueMax: 100,
      queueTimeoutMs: 1000,
    });
    expect(config.egress).toEqual({
      allowlist: [],
      allowPrivateOrigins: [],
      timeoutMs: 10_000,
      maxRequestBytes: 1024 * 1024,
      maxResponseBytes: 3 * 1024 * 1024,
      maxRedirects: 5,
    });
  });

  it('reads the fair-scheduling limits, with the per-tenant default following RUNNER_WORKERS', () => {
    expect(loadRunnerConfig({ ...valid, RUNNER_WORKERS: '5' }).sandbox).toMatchObject({
      workers: 5,
      tenantConcurrency: 3,
    });
    expect(
      loadRunnerConfig({
        ...valid,
        RUNNER_WORKERS: '1',
        RUNNER_TENANT_CONCURRENCY: '4',
        RUNNER_TENANT_QUEUE_MAX: '7',
        RUNNER_QUEUE_TIMEOUT_MS: '250',
      }).sandbox,
    ).toMatchObject({ workers: 1, tenantConcurrency: 4, tenantQueueMax: 7, queueTimeoutMs: 250 });
    expect(() => loadRunnerConfig({ ...valid, RUNNER_TENANT_CONCURRENCY: '0', RUNNER_QUEUE_TIMEOUT_MS: '5' })).toThrow(
      /RUNNER_TENANT_CONCURRENCY: must be a whole number from 1 to 256[\s\S]*RUNNER_QUEUE_TIMEOUT_MS: must be a whole number from 10 to 300000/,
    );
  });

  it('lets only allowlisted origins reach private addresses', () => {
    const config = loadRunnerConfig({
      ...valid,
      EXT_EGRESS_ALLOWLIST: 'http://127.0.0.1:9000, https://api.example.com',
      EXT_EGRESS_ALLOW_PRIVATE: 'http://127.0.0.1:9000/',
    });
    expect(config.egress.allowPrivateOrigins).toEqual(['http://127.0.0.1:9000']);
    expect(() =>
      loadRunnerConfig({
        ...valid,
        EXT_EGRESS_ALLOWLIST: 'https://api.example.com',
        EXT_EGRESS_ALLOW_PRIVATE: 'http://10.0.0.5',
      }),
    ).toThrow(/EXT_EGRESS_ALLOW_PRIVATE: each item must be an origin that is also in EXT_EGRESS_ALLOWLIST/);
  });

  it('does not need the API-only secrets, but does need the shared one', () => {
    const { RUNNER_SHARED_SECRET: _secret, ...rest } = valid;
    try {
      loadRunnerConfig(rest);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^RUNNER_SHARED_SECRET: is required/)]);
      expect((error as ConfigError).message).toMatch(/^Invalid configuration:\n {2}- RUNNER_SHARED_SECRET/);
    }
  });

  it('rejects a cache directory that is a file and an out-of-range worker count', () => {
    expect(() => loadRunnerConfig({ ...valid, RUNNER_CACHE_DIR: '/etc/hostname', RUNNER_WORKERS: '0' })).toThrow(
      /RUNNER_CACHE_DIR: must be a directory, not a file[\s\S]*RUNNER_WORKERS: must be a whole number from 1 to 256/,
    );
  });
});
