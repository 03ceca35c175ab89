import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RUNNER_EXECUTE_PATH } from '@extplat/contracts';
import { signRunnerRequest } from '@extplat/server-core';
import {
  buildTestComponent,
  createTestBucket,
  createTestDatabase,
  manifestFor,
  type RawEntry,
  type RunningService,
  s3StorageEnv,
  startService,
  type TestBucket,
  type TestDatabase,
  waitUntil,
} from '@extplat/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type ApiHarness, apiTestEnv, MIB, signedIn, testTrust } from '../api-harness.js';
import { rendezvousOrder } from '../../src/runners/rendezvous.js';
import { publish, SHARED_SECRET, signedBundle, tenantUser } from '../stack-harness.js';

const API_ENTRY = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const RUNNER_ENTRY = fileURLToPath(new URL('../../../runner/dist/main.js', import.meta.url));
const PROBE_SOURCE = fileURLToPath(new URL('../../../runner/test/guests/probe.js', import.meta.url));
const EXTENSIONS = Array.from({ length: 4 }, (_, i) => `com.example.fleet${i}`);
/** Calls per tenant and extension and minute, for every API replica together (REDIS_URL is set). */
const GATEWAY_LIMIT = 25;
/** Five Node processes starting on two shared cores: each may take a while to load. */
const STARTUP_MS = 90_000;

function probeBundle(component: Buffer, name: string): RawEntry[] {
  const manifest = manifestFor({
    name,
    version: '1.0.0',
    api: { endpoints: [{ method: 'GET', path: '/ping', handler: 'ping' }] },
  });
  return [
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    { name: 'ui/index.html', data: '<!doctype html><title>probe</title>' },
  ];
}

/**
 * The platform as several replicas run it: 2 API processes and 3 Runner processes on one PostgreSQL, one
 * bucket and one Redis (a key prefix of this run's own), the APIs routing by content hash over RUNNER_URLS.
 */
describe('a fleet of 2 APIs and 3 Runners sharing PostgreSQL, S3 and Redis', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  const runners: RunningService[] = [];
  const cacheDirs: string[] = [];
  const apis: RunningService[] = [];
  let a: ApiHarness;
  let b: ApiHarness;
  let tenant: { tenantId: string; token: string };
  /** Content hash → size of each published bundle. */
  const bundleBytes = new Map<string, number>();

  const call = (api: ApiHarness, extension: string) =>
    fetch(`${api.base}/api/ext/${extension}/ping`, {
      headers: { authorization: `Bearer ${tenant.token}` },
      signal: AbortSignal.timeout(90_000),
    });
  const outcome = async (response: Response) => {
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code ?? null };
  };
  const metric = async (runner: RunningService, name: string): Promise<number> => {
    const text = await (await fetch(`${runner.url}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  beforeAll(async () => {
    const component = readFileSync(await buildTestComponent(PROBE_SOURCE));
    [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test:fleet:${randomUUID()}:` };
    const trust = testTrust().ca.certificatePem;
    const started = Date.now();
    const runnerEnv = {
      DATABASE_URL: database.url,
      ...s3StorageEnv(bucket),
      SIGNING_POLICY: 'enforce',
      SIGNING_TRUST_BUNDLE: trust,
      RUNNER_SHARED_SECRET: SHARED_SECRET,
      RUNNER_HOST: '127.0.0.1',
      RUNNER_PORT: '0',
      CONSOLE_ORIGIN: 'http://127.0.0.1:4200',
      RUNNER_WORKERS: '1',
      // Cold starts on two cores shared with the rest of the run can take seconds.
      EXT_EXECUTION_TIMEOUT_MS: '55000',
      LOG_LEVEL: 'info',
      ...redis,
    };
    for (let i = 0; i < 3; i++) cacheDirs.push(mkdtempSync(join(tmpdir(), 'extplat-fleet-cache-')));
    runners.push(
      ...(await Promise.all(
        cacheDirs.map((dir) => startService(RUNNER_ENTRY, { ...runnerEnv, RUNNER_CACHE_DIR: dir }, STARTUP_MS)),
      )),
    );
    // One environment for both APIs: they share the JWT and secrets keys, as replicas do.
    const apiEnv = {
      ...apiTestEnv(database, bucket),
      SIGNING_POLICY: 'enforce',
      SIGNING_TRUST_BUNDLE: trust,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      UPLOAD_PART_SIZE_BYTES: String(5 * MIB),
      UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
      API_PORT: '0',
      LOG_LEVEL: 'info',
      RUNNER_URLS: runners.map((runner) => runner.url).join(','),
      RUNNER_PUBLIC_BASE: runners[0]?.url.replace('//127.0.0.1:', '//localhost:') ?? '',
      RUNNER_HEALTH_INTERVAL_MS: '1000',
      EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: String(GATEWAY_LIMIT),
      EXT_GATEWAY_TIMEOUT_MS: '60000',
      ...redis,
    };
    // One after the other: the first migrates the database and creates the admin.
    for (let i = 0; i < 2; i++) apis.push(await startService(API_ENTRY, apiEnv, STARTUP_MS));
    process.stdout.write(`fleet: 3 Runners and 2 APIs up in ${Date.now() - started} ms\n`);
    const stop = () => Promise.resolve();
    a = await signedIn(apis[0]?.url ?? '', database, bucket, undefined, stop);
    b = await signedIn(apis[1]?.url ?? '', database, bucket, undefined, stop);
    try {
      for (const name of EXTENSIONS) {
        const bundle = signedBundle(probeBundle(component, name));
        bundleBytes.set(await publish(a, bundle), bundle.bytes.length);
      }
    } catch (error) {
      // Which process went away, and what it said last.
      const states = [...apis, ...runners].map(
        (service) =>
          `${service.url}: ${service.exited() ?? 'running'} ${service.stderr()} ${JSON.stringify(service.logs.slice(-5))}`,
      );
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${states.join('\n')}`);
    }
    tenant = await tenantUser(a, 'fleet', 'tenant-admin');
    for (const extensionId of EXTENSIONS) {
      const installed = await b.request('POST', '/api/installs', {
        token: tenant.token,
        json: { extensionId, version: '1.0.0', grant: { capabilities: [], egress: [] }, enabled: true },
      });
      expect(installed.status).toBe(201);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...apis, ...runners].map((service) => service.stop()));
    for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
    await Promise.all([database?.drop(), bucket?.destroy()]);
  });

  it('routes each bundle to one Runner: S3 bytes fetched add up to the bundles, not three times', async () => {
    // Every extension through both APIs: both route a content hash to the same Runner.
    for (const extension of EXTENSIONS) {
      for (const api of [a, b, a])
        expect(await outcome(await call(api, extension))).toEqual({ status: 200, code: null });
    }
    const fetched = await Promise.all(
      runners.map((runner) => metric(runner, 'extplat_runner_bundle_bytes_fetched_total')),
    );
    // Each Runner fetched exactly the bundles whose hashes it owns by rendezvous order, each once.
    const urls = runners.map((runner) => runner.url);
    const owned = urls.map((url) =>
      [...bundleBytes].reduce((sum, [hash, bytes]) => sum + (rendezvousOrder(hash, urls)[0] === url ? bytes : 0), 0),
    );
    expect(fetched).toEqual(owned);
    const total = [...bundleBytes.values()].reduce((sum, bytes) => sum + bytes, 0);
    expect(fetched.reduce((sum, bytes) => sum + bytes, 0)).toBe(total);
  }, 400_000);

  it('holds the gateway rate limit across both API replicas', async () => {
    // A tenant of its own: its budget's one-minute window starts with these calls (the bundle is warm).
    const other = await tenantUser(a, 'fleet-limits', 'tenant-admin');
    const extensionId = EXTENSIONS[0] ?? '';
    const installed = await a.request('POST', '/api/installs', {
      token: other.token,
      json: { extensionId, version: '1.0.0', grant: { capabilities: [], egress: [] }, enabled: true },
    });
    expect(installed.status).toBe(201);
    const limited = (api: ApiHarness) =>
      fetch(`${api.base}/api/ext/${extensionId}/ping`, {
        headers: { authorization: `Bearer ${other.token}` },
        signal: AbortSignal.timeout(90_000),
      });
    const statuses: number[] = [];
    for (let i = 0; i < GATEWAY_LIMIT; i++) statuses.push((await limited(i % 2 ? a : b)).status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Each replica alone has served about half the budget; together they have spent it.
    for (const api of [a, b]) {
      const refused = await limited(api);
      expect(await outcome(refused)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }, 300_000);

  it('refuses on another Runner a signed execute that one Runner already accepted', async () => {
    const body = Buffer.from(JSON.stringify({ replayed: true }));
    const headers = { ...signRunnerRequest(SHARED_SECRET, body), 'content-type': 'application/json' };
    const send = async (runner: RunningService | undefined) => {
      const response = await fetch(`${runner?.url ?? ''}${RUNNER_EXECUTE_PATH}`, { method: 'POST', headers, body });
      return outcome(response);
    };
    // Accepted as genuine by the first (then refused for its content); a replay anywhere is refused as such.
    expect(await send(runners[0])).toEqual({ status: 400, code: 'INVALID_EXECUTE_REQUEST' });
    expect(await send(runners[1])).toEqual({ status: 401, code: 'EXECUTE_REPLAYED' });
    expect(await send(runners[2])).toEqual({ status: 401, code: 'EXECUTE_REPLAYED' });
  });

  it('keeps serving through the other Runners when one is killed under load; only calls in flight fail, clearly', async () => {
    const extensions = EXTENSIONS.slice(1);
    const plan = Array.from({ length: 60 }, (_, i) => ({
      api: i % 2 ? a : b,
      extension: extensions[i % extensions.length] ?? '',
    }));
    const results: { status: number; code: string | null; afterKill: boolean }[] = [];
    let killed = false;
    const victim = runners[0];
    // A call started once the victim has exited and the APIs had a probe interval to notice is not in flight.
    let settledAfterKill = false;
    victim?.child.once('exit', () => setTimeout(() => (settledAfterKill = true), 1500));
    const worker = async () => {
      for (let next = plan.shift(); next; next = plan.shift()) {
        const afterKill = settledAfterKill;
        results.push({ ...(await outcome(await call(next.api, next.extension))), afterKill });
        if (!killed && results.length >= 20) {
          killed = true;
          victim?.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(results).toHaveLength(60);
    const failed = results.filter((result) => result.status !== 200);
    // Only calls that may have reached the killed Runner fail (in flight, or written to one of its keep-alive
    // connections before the API saw it close): never re-sent, since they may have run; each with a clear code.
    process.stdout.write(`fleet: ${failed.length} of ${results.length} calls failed around the kill\n`);
    expect(failed.length).toBeLessThan(results.length / 2);
    for (const failure of failed) expect(failure).toMatchObject({ status: 503, code: 'RUNNER_UNAVAILABLE' });
    // Calls started once the Runner was gone all succeed: a refused connection moves on to the next Runner.
    // On a fast machine the load may end before that moment, so a second wave starts after it for sure.
    expect(results.filter((result) => result.afterKill && result.status !== 200)).toEqual([]);
    await waitUntil('the victim to be gone', () => Promise.resolve(victim?.exited() !== undefined));
    await waitUntil('a probe interval after the kill', () => Promise.resolve(settledAfterKill));
    const afterKill = await Promise.all(
      extensions.flatMap((extension) => [a, b].map(async (api) => outcome(await call(api, extension)))),
    );
    expect(afterKill.filter((result) => result.status !== 200)).toEqual([]);
  }, 400_000);
});
