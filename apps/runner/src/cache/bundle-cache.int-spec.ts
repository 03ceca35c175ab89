import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentHashFromHex, type ContentHash } from '@extplat/contracts';
import type { SigningConfig } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, type KeyAndCertificate, signBundle } from '@extplat/signing';
import { type BundleStore, createBundleStore, KeyPolicy } from '@extplat/storage';
import {
  bundleOf,
  createTestBucket,
  rawTar,
  type RawEntry,
  type TestBucket,
  validEntries,
  zstd,
} from '@extplat/testing';
import { BundleCache, type BundleCacheObserver, type BundleCacheOptions } from './bundle-cache.js';
import { CACHE_INDEX_FILE } from './cache-index.js';
import { BundleCacheError } from './cache.errors.js';

interface TestBundle {
  bytes: Buffer;
  contentHash: ContentHash;
  hex: string;
}

function bundle(version: string, extra: RawEntry[] = []): TestBundle {
  const bytes = bundleOf([...validEntries({ version }), ...extra]);
  const hex = createHash('sha256').update(bytes).digest('hex');
  return { bytes, contentHash: `sha256:${hex}`, hex };
}

/** Counts every GET by key; the real S3 server still serves the bytes. */
function countingStore(inner: BundleStore): { store: BundleStore; gets: (suffix: string) => number } {
  const keys: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'get') {
        return (key: string, options?: Parameters<BundleStore['get']>[1]) => {
          keys.push(key);
          return target.get(key, options);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { store, gets: (suffix) => keys.filter((key) => key.endsWith(suffix)).length };
}

function recordingObserver(): BundleCacheObserver & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    hit: () => events.push('hit'),
    miss: () => events.push('miss'),
    fetched: (bytes) => events.push(`fetched:${bytes}`),
    rejected: (code) => events.push(`rejected:${code}`),
  };
}

const quietLogger = { log: () => undefined, warn: () => undefined };

describe('BundleCache on a real S3 server', () => {
  let bucket: TestBucket;
  let s3: BundleStore;
  const keys = new KeyPolicy();
  let ca: KeyAndCertificate;
  let publisher: KeyAndCertificate;
  let strangerPublisher: KeyAndCertificate;
  const dirs: string[] = [];
  const caches: BundleCache[] = [];

  beforeAll(async () => {
    bucket = await createTestBucket();
    s3 = createBundleStore({
      driver: 's3',
      s3: {
        endpoint: bucket.s3.endpoint,
        region: bucket.s3.region,
        bucket: bucket.name,
        accessKeyId: bucket.s3.accessKeyId,
        secretAccessKey: bucket.s3.secretAccessKey,
        forcePathStyle: true,
      },
    });
    ca = createDevCa({ commonName: 'runner test CA', validDays: 2, keyBits: 2048 });
    publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
    const strangerCa = createDevCa({ commonName: 'stranger CA', validDays: 2, keyBits: 2048 });
    strangerPublisher = issuePublisherCertificate({
      ca: strangerCa,
      publisher: 'example',
      validDays: 2,
      keyBits: 2048,
    });
  });

  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.drain()));
  });

  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await bucket?.destroy();
  });

  function cacheDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'extplat-runner-cache-'));
    dirs.push(dir);
    return dir;
  }

  const enforce = (): SigningConfig => ({
    policy: 'enforce',
    trustBundlePem: ca.certificatePem,
    revokedFingerprints: [],
  });

  function makeCache(
    overrides: Partial<BundleCacheOptions> = {},
  ): BundleCache & { gets: (suffix: string) => number; observer: ReturnType<typeof recordingObserver>; root: string } {
    const counted = countingStore(s3);
    const observer = recordingObserver();
    const root = overrides.dir ?? cacheDir();
    const cache = new BundleCache({
      store: counted.store,
      keys,
      dir: root,
      maxBytes: 64 * 1024 * 1024,
      signing: enforce(),
      observer,
      logger: quietLogger,
      ...overrides,
    });
    caches.push(cache);
    return Object.assign(cache, { gets: counted.gets, observer, root });
  }

  async function upload(
    test: TestBundle,
    options: { signer?: KeyAndCertificate | null; underHash?: string } = {},
  ): Promise<void> {
    const hash = options.underHash ?? test.contentHash;
    await s3.put(keys.canonical(hash, 'bundle.tar.zst'), test.bytes);
    const signer = options.signer === undefined ? publisher : options.signer;
    if (signer) {
      const envelope = signBundle({
        contentHash: test.contentHash,
        privateKeyPem: signer.keyPem,
        certificatesPem: signer.certificatePem,
      });
      await s3.put(keys.canonical(hash, 'signature.json'), Buffer.from(JSON.stringify(envelope)));
    }
  }

  async function rejection(promise: Promise<unknown>): Promise<BundleCacheError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(BundleCacheError);
    return error as BundleCacheError;
  }

  it('fetches and verifies on the first use, then answers from disk without touching the store', async () => {
    const test = bundle('1.0.0', [{ name: 'ui/app.js', data: 'console.log(1)' }]);
    await upload(test);
    const cache = makeCache();

    const first = await cache.ensure(test.contentHash);
    expect(cache.gets('bundle.tar.zst')).toBe(1);
    expect(cache.gets('signature.json')).toBe(1);
    expect(first.timings).toEqual({
      fetchMs: expect.any(Number),
      verifyMs: expect.any(Number),
      unpackMs: expect.any(Number),
    });
    expect(first.dir).toBe(join(cache.root, test.hex, 'files'));
    expect(first.manifest.version).toBe('1.0.0');
    expect(readFileSync(join(first.dir, 'ui/app.js'), 'utf8')).toBe('console.log(1)');
    expect(first.componentPath).toBe(join(first.dir, 'dist/main.wasm'));
    expect(first.files.get('ui/app.js')).toEqual({
      size: 14,
      sha256: createHash('sha256').update('console.log(1)').digest('hex'),
    });
    expect(first.bytes).toBe([...first.files.values()].reduce((sum, file) => sum + file.size, 0));
    const index = JSON.parse(readFileSync(join(first.dir, '..', CACHE_INDEX_FILE), 'utf8')) as Record<string, unknown>;
    expect(index).toMatchObject({
      contentHash: test.contentHash,
      size: test.bytes.length,
      signature: { status: 'verified', signer: { subject: expect.stringContaining('example') } },
    });

    const second = await cache.ensure(test.contentHash);
    expect(second.timings).toBeUndefined();
    expect(second.dir).toBe(first.dir);
    expect(cache.gets('bundle.tar.zst')).toBe(1);
    expect(cache.observer.events).toEqual([`fetched:${test.bytes.length}`, 'miss', 'hit']);
  });

  it('fetches once for concurrent cold requests of one hash', async () => {
    const test = bundle('1.0.1');
    await upload(test);
    const cache = makeCache();
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.ensure(test.contentHash)));
    expect(cache.gets('bundle.tar.zst')).toBe(1);
    expect(new Set(results.map((result) => result.dir)).size).toBe(1);
    expect(cache.observer.events.filter((event) => event === 'miss')).toHaveLength(5);
    expect(cache.observer.events.filter((event) => event.startsWith('fetched'))).toHaveLength(1);
  });

  it('re-fetches an entry whose file changed size on disk, detected when the file is opened', async () => {
    const test = bundle('1.0.2');
    await upload(test);
    const cache = makeCache();
    const cached = await cache.ensure(test.contentHash);
    writeFileSync(join(cached.dir, 'ui/index.html'), '<script src="https://evil.example/x.js"></script>');

    const file = await cache.openFile(test.contentHash, () => 'ui/index.html');
    expect(cache.gets('bundle.tar.zst')).toBe(2);
    const chunks: Buffer[] = [];
    for await (const chunk of file!.stream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('<!doctype html><title>Tickets</title>');
    expect(readFileSync(join(cached.dir, 'ui/index.html'), 'utf8')).toBe('<!doctype html><title>Tickets</title>');
  });

  it('verifies every file of an entry adopted from disk on its first use, and re-fetches a tampered one', async () => {
    const test = bundle('1.0.3');
    await upload(test);
    const dir = cacheDir();
    const before = makeCache({ dir });
    const cached = await before.ensure(test.contentHash);
    await before.drain();
    // Same size, different bytes: only the digest can tell.
    writeFileSync(join(cached.dir, 'ui/index.html'), '<!doctype html><title>Hacked!</title>');

    const after = makeCache({ dir });
    await after.start();
    expect(after.stats().entries).toBe(1);
    const again = await after.ensure(test.contentHash);
    expect(after.gets('bundle.tar.zst')).toBe(1);
    expect(again.timings).toBeDefined();
    expect(readFileSync(join(again.dir, 'ui/index.html'), 'utf8')).toBe('<!doctype html><title>Tickets</title>');

    const untouched = makeCache({ dir });
    const adopted = await untouched.ensure(test.contentHash);
    expect(untouched.gets('bundle.tar.zst')).toBe(0);
    expect(adopted.timings).toBeUndefined();
    expect(untouched.observer.events).toEqual(['hit']);
  });

  it('refuses bytes that do not match their hash key, and leaves nothing on disk', async () => {
    const real = bundle('1.0.4');
    const impostor = bundle('6.6.6');
    await upload(impostor, { underHash: real.contentHash });
    const cache = makeCache();
    const error = await rejection(cache.ensure(real.contentHash));
    expect(error.code).toBe('BUNDLE_INTEGRITY');
    expect(error.details).toEqual({ contentHash: real.contentHash, actual: impostor.contentHash });
    await cache.drain();
    expect(readdirSync(cache.root)).toEqual([]);
    expect(cache.observer.events).toEqual(['rejected:BUNDLE_INTEGRITY', `fetched:${impostor.bytes.length}`]);
  });

  it('under enforce, rejects a missing signature and one from an untrusted CA', async () => {
    const unsigned = bundle('1.0.5');
    const stranger = bundle('1.0.6');
    await upload(unsigned, { signer: null });
    await upload(stranger, { signer: strangerPublisher });
    const cache = makeCache();

    const missing = await rejection(cache.ensure(unsigned.contentHash));
    expect(missing.code).toBe('SIGNATURE_REJECTED');
    expect(missing.details).toMatchObject({ policy: 'enforce', code: 'SIGNATURE_REQUIRED' });

    const untrusted = await rejection(cache.ensure(stranger.contentHash));
    expect(untrusted.code).toBe('SIGNATURE_REJECTED');
    expect(untrusted.details).toMatchObject({ policy: 'enforce', code: 'SIGNER_UNTRUSTED', check: 'chain' });
    expect(readdirSync(cache.root)).toEqual([]);
  });

  it("checks certificate validity at the version's registration time, and the rest now", async () => {
    const test = bundle('1.0.9');
    await upload(test);
    // Registered before the publisher certificate was valid: refused on validity, which proves the
    // check uses the registration time (a certificate that expired after registration is the mirror case).
    const early = makeCache({ registeredAt: () => Promise.resolve(new Date(Date.now() - 30 * 86_400_000)) });
    const refused = await rejection(early.ensure(test.contentHash));
    expect(refused.details).toMatchObject({ code: 'CERT_NOT_YET_VALID', check: 'validity' });
    const registered = makeCache({ registeredAt: () => Promise.resolve(new Date()) });
    expect((await registered.ensure(test.contentHash)).contentHash).toBe(test.contentHash);
    const unknown = makeCache({ registeredAt: () => Promise.resolve(undefined) });
    expect((await unknown.ensure(test.contentHash)).contentHash).toBe(test.contentHash);
  });

  it('under warn, accepts an unsigned bundle but still rejects a present, invalid signature', async () => {
    const unsigned = bundle('1.0.7');
    const stranger = bundle('1.0.8');
    await upload(unsigned, { signer: null });
    await upload(stranger, { signer: strangerPublisher });
    const cache = makeCache({ signing: { ...enforce(), policy: 'warn' } });

    const cached = await cache.ensure(unsigned.contentHash);
    const index = JSON.parse(readFileSync(join(cached.dir, '..', CACHE_INDEX_FILE), 'utf8')) as {
      signature: { status: string };
    };
    expect(index.signature.status).toBe('unsigned');
    expect((await rejection(cache.ensure(stranger.contentHash))).details).toMatchObject({ code: 'SIGNER_UNTRUSTED' });
  });

  it('answers BUNDLE_NOT_FOUND for a hash the store does not have, and BUNDLE_INVALID for an unsafe bundle', async () => {
    const cache = makeCache({ signing: { policy: 'off', revokedFingerprints: [] } });
    const absent = contentHashFromHex(randomBytes(32).toString('hex'));
    expect((await rejection(cache.ensure(absent))).code).toBe('BUNDLE_NOT_FOUND');

    const traversal = bundle('1.0.9', [{ name: 'ui/../../escape.txt', data: 'x' }]);
    await upload(traversal, { signer: null });
    const invalid = await rejection(cache.ensure(traversal.contentHash));
    expect(invalid.code).toBe('BUNDLE_INVALID');
    expect(invalid.details).toMatchObject({ bundleError: 'UNSAFE_PATH' });
    expect(cache.observer.events).toEqual([
      'rejected:BUNDLE_NOT_FOUND',
      'rejected:BUNDLE_INVALID',
      expect.stringMatching(/^fetched:/),
    ]);
  });

  it('refuses a signed bundle with entries after the tar end marker, and extracts nothing', async () => {
    const cache = makeCache();
    const head = bundle('1.0.10');
    // A second zstd frame holding ui/evil.js: GNU tar stops at the end marker and never lists it.
    const bytes = Buffer.concat([head.bytes, zstd(rawTar([{ name: 'ui/evil.js', data: 'alert(1)' }]))]);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const trailing: TestBundle = { bytes, contentHash: `sha256:${hex}`, hex };
    await upload(trailing);
    const refused = await rejection(cache.ensure(trailing.contentHash));
    expect(refused.code).toBe('BUNDLE_INVALID');
    expect(refused.details).toMatchObject({ bundleError: 'TRAILING_DATA' });
    await cache.drain();
    expect(readdirSync(cache.root)).toEqual([]);
  });

  it('evicts the least recently used entries past maxBytes, never a leased one', async () => {
    const payload = (version: string) => bundle(version, [{ name: 'ui/payload.bin', data: randomBytes(40_000) }]);
    const [a, b, c, d] = [payload('2.0.0'), payload('2.0.1'), payload('2.0.2'), payload('2.0.3')];
    for (const test of [a, b, c, d]) await upload(test);
    // Room for two of them.
    const cache = makeCache({ maxBytes: 100_000 });
    const dirOf = (test: TestBundle) => join(cache.root, test.hex);

    await cache.ensure(a.contentHash);
    await cache.ensure(b.contentHash);
    await cache.ensure(a.contentHash); // a is now more recent than b
    await cache.ensure(c.contentHash);
    await cache.drain();
    expect([existsSync(dirOf(a)), existsSync(dirOf(b)), existsSync(dirOf(c))]).toEqual([true, false, true]);
    expect(cache.stats()).toMatchObject({ entries: 2 });

    const lease = await cache.acquire(a.contentHash);
    await cache.ensure(c.contentHash);
    await cache.ensure(d.contentHash);
    await cache.drain();
    // a is the least recently used, but leased: c goes instead.
    expect([existsSync(dirOf(a)), existsSync(dirOf(c)), existsSync(dirOf(d))]).toEqual([true, false, true]);
    lease.release();
    expect(cache.stats().entries).toBe(2);
    expect(cache.gets('bundle.tar.zst')).toBe(4);
  });

  it('cleans temporary leftovers at start, adopts complete entries and leaves foreign files alone', async () => {
    const test = bundle('3.0.0');
    await upload(test);
    const dir = cacheDir();
    const first = makeCache({ dir });
    await first.ensure(test.contentHash);
    await first.drain();

    mkdirSync(join(dir, '.tmp-0123456789abcdef', 'files', 'ui'), { recursive: true });
    writeFileSync(join(dir, '.tmp-0123456789abcdef', 'files', 'ui', 'half.js'), 'half');
    mkdirSync(join(dir, '.trash-0123456789abcdef'));
    const incomplete = join(dir, 'ab'.repeat(32));
    mkdirSync(join(incomplete, 'files'), { recursive: true });
    mkdirSync(join(dir, 'transpiled'));

    const restarted = makeCache({ dir });
    await restarted.start();
    expect(readdirSync(dir).sort()).toEqual([test.hex, 'transpiled'].sort());
    expect(restarted.stats().entries).toBe(1);
    await restarted.ensure(test.contentHash);
    expect(restarted.gets('bundle.tar.zst')).toBe(0);
  });

  it('does not adopt entries verified under other signing settings', async () => {
    const test = bundle('3.0.1');
    await upload(test, { signer: null });
    const dir = cacheDir();
    const lenient = makeCache({ dir, signing: { policy: 'off', revokedFingerprints: [] } });
    await lenient.ensure(test.contentHash);
    await lenient.drain();

    const strict = makeCache({ dir });
    await strict.start();
    expect(strict.stats().entries).toBe(0);
    expect((await rejection(strict.ensure(test.contentHash))).code).toBe('SIGNATURE_REJECTED');
  });
});
