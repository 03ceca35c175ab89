import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestComponent, manifestFor, type RawEntry, waitUntil } from '@extplat/testing';
import { publish, signedBundle, type Stack, startStack, tenantUser } from '../stack-harness.js';
import { privatePostgres, type PrivatePostgres } from './fault-harness.js';
import { fetchApi } from '../openapi-contract.js';

const PROBE_SOURCE = fileURLToPath(new URL('../../../runner/test/guests/probe.js', import.meta.url));
const MIB = 1024 * 1024;

function probeBundle(component: Buffer, name: string): RawEntry[] {
  const manifest = manifestFor({
    name,
    version: '1.0.0',
    api: {
      endpoints: [
        { method: 'GET', path: '/ping', handler: 'ping' },
        { method: 'GET', path: '/loop', handler: 'loop' },
      ],
    },
  });
  return [
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    { name: 'ui/index.html', data: '<!doctype html><title>probe</title>' },
  ];
}

/** Fills the file system of `dir` to the last byte; returns the filler's path. */
function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MIB);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('extension calls while the Runner, its cache volume or PostgreSQL fail', () => {
  let database: PrivatePostgres;
  let stack: Stack;
  let component: Buffer;
  let cacheVolume: string;
  let mounted = false;
  let acme: { tenantId: string; token: string };

  const call = (extension: string, path: string, token = acme.token) =>
    fetchApi(`${stack.api.base}/api/ext/${extension}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const install = async (extension: string, token = acme.token) => {
    const installed = await stack.api.request('POST', '/api/installs', {
      token,
      json: { extensionId: extension, version: '1.0.0', grant: { capabilities: [], egress: [] }, enabled: true },
    });
    expect(installed.status).toBe(201);
  };
  const outcome = async (response: Response) => {
    const { error } = (await response.json()) as { error?: { code?: string; details?: { runnerCode?: string } } };
    return {
      status: response.status,
      code: error?.code,
      ...(error?.details?.runnerCode ? { runnerCode: error.details.runnerCode } : {}),
      retryAfter: response.headers.get('retry-after'),
    };
  };
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${stack.runnerUrl}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  beforeAll(async () => {
    component = readFileSync(await buildTestComponent(PROBE_SOURCE));
    database = await privatePostgres();
    // A real, size-capped volume for the Runner's cache: a 64 MiB tmpfs (this suite runs as root).
    cacheVolume = mkdtempSync(join(tmpdir(), 'extplat-fault-cache-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', cacheVolume]);
    mounted = true;
    stack = await startStack({
      sharedEnv: { DATABASE_URL: database.url },
      apiEnv: { DATABASE_MIGRATIONS_RUN: 'true', EXT_GATEWAY_TIMEOUT_MS: '30000' },
      runnerEnv: { RUNNER_CACHE_DIR: cacheVolume, EXT_EXECUTION_TIMEOUT_MS: '25000' },
    });
    for (const name of ['com.example.first', 'com.example.second']) {
      await publish(stack.api, signedBundle(probeBundle(component, name)));
    }
    acme = await tenantUser(stack.api, 'acme', 'tenant-admin');
    await install('com.example.first');
    await install('com.example.second');
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
    if (mounted) execFileSync('umount', [cacheVolume]);
    rmSync(cacheVolume, { recursive: true, force: true });
    await database?.close();
  });

  it('answers 503 RUNNER_UNAVAILABLE with Retry-After when the Runner dies mid-call, and recovers when it is back', async () => {
    const inFlight = call('com.example.first', '/loop');
    // The first call of a bundle is a cache miss, counted once the Runner has it: the call is in the Runner.
    await waitUntil('the Runner to take the call', async () => (await metric('extplat_runner_cache_misses_total')) > 0);
    stack.runner.child.kill('SIGKILL');
    expect(await outcome(await inFlight)).toEqual({ status: 503, code: 'RUNNER_UNAVAILABLE', retryAfter: '2' });
    expect(await outcome(await call('com.example.first', '/ping'))).toEqual({
      status: 503,
      code: 'RUNNER_UNAVAILABLE',
      retryAfter: '2',
    });
    await stack.restartRunner();
    expect((await call('com.example.first', '/ping')).status).toBe(200);
  });

  it('answers a clear error when the cache volume is full, and recovers once space is freed', async () => {
    const filler = fillUp(cacheVolume);
    try {
      expect(await outcome(await call('com.example.second', '/ping'))).toEqual({
        status: 503,
        code: 'RUNNER_UNAVAILABLE',
        runnerCode: 'CACHE_FULL',
        retryAfter: '30',
      });
    } finally {
      rmSync(filler);
    }
    expect((await call('com.example.second', '/ping')).status).toBe(200);
    expect((await call('com.example.first', '/ping')).status).toBe(200);
  });

  it('answers 503 with Retry-After while PostgreSQL restarts, never a 500, and recovers without a restart', async () => {
    // A tenant the gateway has not resolved yet must ask the database.
    const globex = await tenantUser(stack.api, 'globex', 'tenant-admin');
    await install('com.example.first', globex.token);
    await database.stop();
    try {
      expect(await outcome(await call('com.example.first', '/ping', globex.token))).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        retryAfter: '5',
      });
      const during = await Promise.all([
        call('com.example.first', '/ping'),
        call('com.example.second', '/ping'),
        call('com.example.first', '/ping', globex.token),
      ]);
      for (const response of during) expect([200, 503]).toContain(response.status);
    } finally {
      await database.start();
    }
    await waitUntil('calls to succeed again', async () => (await call('com.example.first', '/ping', globex.token)).ok);
    expect((await call('com.example.second', '/ping')).status).toBe(200);
  });
});
