import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { pino } from 'pino';
import {
  type ExecuteRequestBody,
  type PrewarmResponseBody,
  RUNNER_EXECUTE_PATH,
  RUNNER_PREWARM_PATH,
} from '@extplat/contracts';
import { bundleStoreFromConfig, createRootLogger, listen, signRunnerRequest } from '@extplat/server-core';
import { type BundleStore, KeyPolicy } from '@extplat/storage';
import {
  buildTestComponent,
  bundleOf,
  createTestBucket,
  createTestDatabase,
  manifestFor,
  s3StorageEnv,
  type TestBucket,
  type TestDatabase,
} from '@extplat/testing';
import { createRunnerApp } from '../app.js';
import {
  ARTIFACT_FILE,
  ARTIFACT_TAG_METADATA,
  artifactMac,
  PrecompiledArtifacts,
} from '../cache/precompiled-artifacts.js';
import { loadRunnerConfig } from '../config/runner-config.js';
import { TOOLCHAIN_KEY } from '../sandbox/index.js';

const SHARED_SECRET = 's'.repeat(32);
const ARTIFACT_KEY = 'a'.repeat(40);
const OTHER_KEY = 'b'.repeat(40);
const PROBE = fileURLToPath(new URL('../../test/guests/probe.js', import.meta.url));
const keys = new KeyPolicy();
const silent = pino({ level: 'silent' });

interface Bundle {
  bytes: Buffer;
  contentHash: string;
}

interface RunningRunner {
  base: string;
  cacheDir: string;
  app: INestApplication;
}

async function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function signedPost(
  base: string,
  path: string,
  payload: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = Buffer.from(JSON.stringify(payload));
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...signRunnerRequest(SHARED_SECRET, body), 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function prewarm(runner: RunningRunner, contentHash: string) {
  return signedPost(runner.base, RUNNER_PREWARM_PATH, { contentHash }) as Promise<{
    status: number;
    body: PrewarmResponseBody & Record<string, unknown>;
  }>;
}

/** The extension's JSON answer inside an execute response. */
function extensionJson(body: Record<string, unknown>): unknown {
  return JSON.parse(Buffer.from(String(body['bodyB64']), 'base64').toString());
}

function pingJob(contentHash: string): ExecuteRequestBody {
  return {
    claims: {
      requestId: `req-${randomBytes(4).toString('hex')}`,
      tenantId: 'tenant-1',
      installId: 'install-1',
      extensionId: 'com.example.probe',
      version: '1.0.0',
      contentHash,
      userId: null,
      handler: 'probe',
      params: [],
      capabilities: [],
      egress: [],
      config: {},
      configVersion: 1,
      sealedSecrets: null,
      deadlineMs: 20_000,
    },
    request: { method: 'GET', path: '/ping', query: [], headers: [], bodyB64: '' },
  };
}

/** The sum of a counter's samples whose labels contain `labels`. */
async function metric(runner: RunningRunner, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${runner.base}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/**
 * Real Runners (the Nest app, listening) over a real PostgreSQL and each real store driver: prewarm, the
 * transpile cache across a restart, and shared precompiled artifacts with every way one can be untrustworthy.
 */
describe.each(['fs', 's3'] as const)('prewarm and precompiled artifacts on the %s store', (driver) => {
  let database: TestDatabase;
  let bucket: TestBucket | undefined;
  let storeRoot: string | undefined;
  let storageEnv: Record<string, string>;
  let store: BundleStore;
  let component: Buffer;
  const runners: RunningRunner[] = [];
  const bundles: Bundle[] = [];

  async function startRunner(options: { cacheDir?: string; artifactKey?: string } = {}): Promise<RunningRunner> {
    const cacheDir = options.cacheDir ?? mkdtempSync(join(tmpdir(), 'extplat-prewarm-cache-'));
    const config = loadRunnerConfig({
      DATABASE_URL: database.url,
      ...storageEnv,
      SIGNING_POLICY: 'off',
      RUNNER_SHARED_SECRET: SHARED_SECRET,
      RUNNER_PORT: '0',
      RUNNER_CACHE_DIR: cacheDir,
      RUNNER_WORKERS: '1',
      ...(options.artifactKey ? { RUNNER_ARTIFACT_KEY: options.artifactKey } : {}),
    });
    const app = await createRunnerApp(config, createRootLogger({ level: 'silent', service: 'runner' }));
    const runner = { base: await listen(app, config.http), cacheDir, app };
    runners.push(runner);
    return runner;
  }

  /** A registered bundle of the probe component; `n` makes its content hash unique. */
  async function registeredBundle(n: number): Promise<Bundle> {
    const bytes = bundleOf([
      { name: 'dist', type: 'directory' },
      { name: 'dist/main.wasm', data: component },
      { name: 'manifest.json', data: JSON.stringify(manifestFor({ name: 'com.example.probe', version: `1.0.${n}` })) },
      { name: 'ui', type: 'directory' },
      { name: 'ui/index.html', data: '<!doctype html><title>Probe</title>' },
    ]);
    const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await store.put(keys.canonical(contentHash, 'bundle.tar.zst'), bytes, { contentLength: bytes.length });
    return { bytes, contentHash };
  }

  function artifactKeyOf(contentHash: string, toolchain = TOOLCHAIN_KEY): string {
    return keys.precompiled(contentHash, toolchain, ARTIFACT_FILE);
  }

  /** The artifact's bytes and tag as the store holds them. */
  async function readArtifact(contentHash: string): Promise<{ bytes: Buffer; tag: string | undefined }> {
    const key = artifactKeyOf(contentHash);
    const info = await store.head(key);
    if (!info) throw new Error(`no artifact at ${key}`);
    return { bytes: await readBody((await store.get(key)).body), tag: info.metadata[ARTIFACT_TAG_METADATA] };
  }

  function tagIsValid(contentHash: string, bytes: Buffer, tag: string | undefined): boolean {
    return tag === `v1=${artifactMac(ARTIFACT_KEY, contentHash, TOOLCHAIN_KEY).update(bytes).digest('hex')}`;
  }

  /** Writes an artifact of the probe's transpile output (taken from `from`'s disk cache) as another party would. */
  async function writeArtifact(
    from: { runner: RunningRunner; contentHash: string },
    target: { contentHash: string; artifactKey: string; toolchain?: string },
  ): Promise<void> {
    const dir = join(from.runner.cacheDir, 'transpiled', TOOLCHAIN_KEY, from.contentHash.slice('sha256:'.length));
    const writer = new PrecompiledArtifacts({
      store,
      keys,
      artifactKey: target.artifactKey,
      toolchain: target.toolchain ?? TOOLCHAIN_KEY,
      tempDir: mkdtempSync(join(tmpdir(), 'extplat-artifact-writer-')),
      maxBytes: 256 * 1024 * 1024,
      logger: silent,
    });
    await writer.publish(target.contentHash, dir, true);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    if (driver === 's3') {
      bucket = await createTestBucket();
      storageEnv = s3StorageEnv(bucket);
    } else {
      storeRoot = mkdtempSync(join(tmpdir(), 'extplat-prewarm-store-'));
      storageEnv = { STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: storeRoot };
    }
    // The store as the Runners see it (same settings): the test plays the API and the store's owner.
    store = bundleStoreFromConfig(
      loadRunnerConfig({
        DATABASE_URL: database.url,
        ...storageEnv,
        SIGNING_POLICY: 'off',
        RUNNER_SHARED_SECRET: SHARED_SECRET,
      }).storage,
    );
    component = readFileSync(await buildTestComponent(PROBE));
    for (let n = 0; n < 8; n++) bundles.push(await registeredBundle(n));
  }, 240_000);

  afterAll(async () => {
    for (const runner of runners) {
      await runner.app.close().catch(() => undefined);
      rmSync(runner.cacheDir, { recursive: true, force: true });
    }
    await bucket?.destroy();
    await database?.drop();
    if (storeRoot) rmSync(storeRoot, { recursive: true, force: true });
  });

  let first: RunningRunner;

  it('warms a bundle so its first call loads nothing, and shares the transpile output with a valid tag', async () => {
    first = await startRunner({ artifactKey: ARTIFACT_KEY });
    const [bundle] = bundles as [Bundle];
    expect(await store.head(artifactKeyOf(bundle.contentHash))).toBeNull();

    const warmed = await prewarm(first, bundle.contentHash);
    expect(warmed).toMatchObject({
      status: 200,
      body: { contentHash: bundle.contentHash, source: 'transpiled', fetched: true },
    });
    // The first call finds the component compiled: it never asks the bundle cache.
    const lookups = async () =>
      (await metric(first, 'extplat_runner_cache_hits_total')) +
      (await metric(first, 'extplat_runner_cache_misses_total'));
    const before = await lookups();
    const call = await signedPost(first.base, RUNNER_EXECUTE_PATH, pingJob(bundle.contentHash));
    expect(call.status).toBe(200);
    expect(extensionJson(call.body)).toEqual({ ok: true });
    expect(await lookups()).toBe(before);

    expect(await prewarm(first, bundle.contentHash)).toMatchObject({
      status: 200,
      body: { source: 'memory', fetched: false },
    });
    // The answer waited for the artifact: it is there, tagged for this hash and toolchain.
    const artifact = await readArtifact(bundle.contentHash);
    expect(tagIsValid(bundle.contentHash, artifact.bytes, artifact.tag)).toBe(true);
    expect(await metric(first, 'extplat_runner_precompiled_artifacts_total', 'event="published"')).toBe(1);
    expect(await metric(first, 'extplat_runner_prewarms_total', 'source="transpiled"')).toBe(1);
  }, 120_000);

  it('loads the shared artifact in a new Runner instead of transpiling, and runs it', async () => {
    const fresh = await startRunner({ artifactKey: ARTIFACT_KEY });
    const [bundle] = bundles as [Bundle];
    expect(await prewarm(fresh, bundle.contentHash)).toMatchObject({
      status: 200,
      body: { source: 'shared', fetched: true },
    });
    const call = await signedPost(fresh.base, RUNNER_EXECUTE_PATH, pingJob(bundle.contentHash));
    expect(call.status).toBe(200);
    expect(await metric(fresh, 'extplat_runner_precompiled_artifacts_total', 'event="loaded"')).toBe(1);
  }, 120_000);

  it('keeps the transpile output on disk across a restart, without any artifact key', async () => {
    const [bundle] = bundles as [Bundle];
    await first.app.close();
    const restarted = await startRunner({ cacheDir: first.cacheDir });
    expect(await prewarm(restarted, bundle.contentHash)).toMatchObject({
      status: 200,
      body: { source: 'disk', fetched: false },
    });
    expect((await signedPost(restarted.base, RUNNER_EXECUTE_PATH, pingJob(bundle.contentHash))).status).toBe(200);
  }, 120_000);

  it('neither writes nor trusts artifacts without RUNNER_ARTIFACT_KEY', async () => {
    const noKey = await startRunner();
    const [valid, unshared] = [bundles[0], bundles[1]] as [Bundle, Bundle];
    // A valid artifact is there for `valid`: a Runner without the key cannot check it, so it transpiles.
    expect(await prewarm(noKey, valid.contentHash)).toMatchObject({ status: 200, body: { source: 'transpiled' } });
    expect(await prewarm(noKey, unshared.contentHash)).toMatchObject({ status: 200, body: { source: 'transpiled' } });
    expect(await store.head(artifactKeyOf(unshared.contentHash))).toBeNull();
  }, 120_000);

  describe('an artifact that is not trustworthy is ignored, rebuilt and replaced, never executed', () => {
    let judge: RunningRunner;
    const source = () => ({ runner: first, contentHash: (bundles[0] as Bundle).contentHash });

    beforeAll(async () => {
      judge = await startRunner({ artifactKey: ARTIFACT_KEY });
    }, 60_000);

    async function expectRebuilt(contentHash: string): Promise<void> {
      const warmed = await prewarm(judge, contentHash);
      expect(warmed).toMatchObject({ status: 200, body: { source: 'transpiled' } });
      const call = await signedPost(judge.base, RUNNER_EXECUTE_PATH, pingJob(contentHash));
      expect(call.status).toBe(200);
      expect(extensionJson(call.body)).toEqual({ ok: true });
      // The refused artifact was overwritten with a good one.
      const replaced = await readArtifact(contentHash);
      expect(tagIsValid(contentHash, replaced.bytes, replaced.tag)).toBe(true);
    }

    it('accepts one made with the key for this hash and toolchain (the control case)', async () => {
      const bundle = bundles[2] as Bundle;
      await writeArtifact(source(), { contentHash: bundle.contentHash, artifactKey: ARTIFACT_KEY });
      expect(await prewarm(judge, bundle.contentHash)).toMatchObject({ status: 200, body: { source: 'shared' } });
    }, 120_000);

    it('refuses forged bytes under a valid tag', async () => {
      const bundle = bundles[3] as Bundle;
      await writeArtifact(source(), { contentHash: bundle.contentHash, artifactKey: ARTIFACT_KEY });
      const { bytes, tag } = await readArtifact(bundle.contentHash);
      // Rewrites the glue's first bytes: code the store's owner would like the Runner to run.
      const forged = Buffer.from(bytes);
      const at = forged.indexOf(Buffer.from('export'));
      expect(at).toBeGreaterThan(0);
      forged.write('throw 1;', at);
      await store.put(artifactKeyOf(bundle.contentHash), forged, {
        contentLength: forged.length,
        metadata: { [ARTIFACT_TAG_METADATA]: tag ?? '' },
      });
      const rejected = await metric(judge, 'extplat_runner_precompiled_artifacts_total', 'event="rejected"');
      await expectRebuilt(bundle.contentHash);
      expect(await metric(judge, 'extplat_runner_precompiled_artifacts_total', 'event="rejected"')).toBe(rejected + 1);
    }, 120_000);

    it('refuses a tag made with another key', async () => {
      const bundle = bundles[4] as Bundle;
      await writeArtifact(source(), { contentHash: bundle.contentHash, artifactKey: OTHER_KEY });
      await expectRebuilt(bundle.contentHash);
    }, 120_000);

    it("refuses another bundle's artifact with its valid tag", async () => {
      const [other, bundle] = [bundles[5], bundles[6]] as [Bundle, Bundle];
      await writeArtifact(source(), { contentHash: other.contentHash, artifactKey: ARTIFACT_KEY });
      const { bytes, tag } = await readArtifact(other.contentHash);
      expect(tagIsValid(other.contentHash, bytes, tag)).toBe(true);
      await store.put(artifactKeyOf(bundle.contentHash), bytes, {
        contentLength: bytes.length,
        metadata: { [ARTIFACT_TAG_METADATA]: tag ?? '' },
      });
      await expectRebuilt(bundle.contentHash);
    }, 120_000);

    it("refuses another toolchain's artifact with its valid tag, and an untagged one", async () => {
      const bundle = bundles[7] as Bundle;
      const stale = 'jco-transpile-0.0.1.f1';
      await writeArtifact(source(), { contentHash: bundle.contentHash, artifactKey: ARTIFACT_KEY, toolchain: stale });
      const staleKey = artifactKeyOf(bundle.contentHash, stale);
      const staleTag = (await store.head(staleKey))?.metadata[ARTIFACT_TAG_METADATA];
      const staleBytes = await readBody((await store.get(staleKey)).body);
      expect(staleTag).toMatch(/^v1=/);
      await store.put(artifactKeyOf(bundle.contentHash), staleBytes, {
        contentLength: staleBytes.length,
        metadata: { [ARTIFACT_TAG_METADATA]: staleTag ?? '' },
      });
      await expectRebuilt(bundle.contentHash);

      // Untagged: a fresh Runner (the judge has it compiled by now) refuses it too.
      const untagged = bundles[1] as Bundle;
      await store.put(artifactKeyOf(untagged.contentHash), staleBytes, { contentLength: staleBytes.length });
      const fresh = await startRunner({ artifactKey: ARTIFACT_KEY });
      expect(await prewarm(fresh, untagged.contentHash)).toMatchObject({ status: 200, body: { source: 'transpiled' } });
    }, 180_000);
  });

  it('refuses unsigned, replayed and malformed prewarms, and names a bundle the store lacks', async () => {
    const runner = runners.find((candidate) => candidate !== first) as RunningRunner;
    const payload = Buffer.from(JSON.stringify({ contentHash: (bundles[0] as Bundle).contentHash }));
    const unsigned = await fetch(`${runner.base}${RUNNER_PREWARM_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('PREWARM_UNAUTHORIZED');

    const headers = { ...signRunnerRequest(SHARED_SECRET, payload), 'content-type': 'application/json' };
    const once = await fetch(`${runner.base}${RUNNER_PREWARM_PATH}`, { method: 'POST', headers, body: payload });
    expect(once.status).toBe(200);
    const replay = await fetch(`${runner.base}${RUNNER_PREWARM_PATH}`, { method: 'POST', headers, body: payload });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('PREWARM_REPLAYED');

    const malformed = await signedPost(runner.base, RUNNER_PREWARM_PATH, { contentHash: 'sha256:nope' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PREWARM_REQUEST' } } });
    const absent = await signedPost(runner.base, RUNNER_PREWARM_PATH, { contentHash: `sha256:${'0'.repeat(64)}` });
    expect(absent).toMatchObject({ status: 502, body: { error: { code: 'BUNDLE_UNAVAILABLE' } } });
  }, 60_000);
});
