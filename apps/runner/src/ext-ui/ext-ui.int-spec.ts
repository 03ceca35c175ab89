import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { createRootLogger, listen } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, type KeyAndCertificate, signBundle } from '@extplat/signing';
import { createBundleStore, KeyPolicy } from '@extplat/storage';
import {
  bundleOf,
  createTestBucket,
  createTestDatabase,
  manifestFor,
  type RawEntry,
  type TestBucket,
  type TestDatabase,
} from '@extplat/testing';
import { createRunnerApp } from '../app.js';
import { loadRunnerConfig } from '../config/runner-config.js';

const CONSOLE_ORIGIN = 'https://console.example.test';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface TestBundle {
  bytes: Buffer;
  contentHash: string;
  manifest: Record<string, unknown>;
}

function bundle(manifest: Record<string, unknown>, files: Record<string, string | Buffer>): TestBundle {
  const entries: RawEntry[] = [
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'dist/main.wasm', data: Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]) },
    ...Object.entries(files).map(([name, data]) => ({ name, data })),
  ];
  const bytes = bundleOf(entries);
  return { bytes, contentHash: `sha256:${sha256(bytes)}`, manifest };
}

const UI_FILES: Record<string, string | Buffer> = {
  'ui/index.html': '<!doctype html><title>Tickets</title><script type="module" src="app.js"></script>',
  'ui/app.js': 'export const answer = 42;',
  'ui/app.mjs': 'export {};',
  'ui/style.css': 'body { margin: 0 }',
  'ui/data.json': '{"a":1}',
  'ui/app.js.map': '{"version":3}',
  'ui/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'ui/img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  'ui/photo.jpg': Buffer.from([0xff, 0xd8, 0xff]),
  'ui/anim.gif': 'GIF89a',
  'ui/pic.webp': 'RIFF',
  'ui/favicon.ico': Buffer.from([0, 0, 1, 0]),
  'ui/font.woff': 'wOFF',
  'ui/font.woff2': 'wOF2',
  'ui/mod.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d]),
  'ui/readme.txt': 'hello',
  'ui/blob.xyz': 'opaque',
  'ui/.secret': 'dotfile',
  'ui/.hidden/x.js': 'hidden',
  'ui/assets/deep.js': 'export const deep = true;',
  'secret.txt': 'outside the UI folder',
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('GET /ext-ui/{extensionId}/{contentHash}/{path} on a real PostgreSQL and S3', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let app: INestApplication;
  let base: URL;
  let cacheDir: string;
  let publisher: KeyAndCertificate;
  let ca: KeyAndCertificate;

  const tickets = bundle(manifestFor({ version: '1.0.0' }), UI_FILES);
  const yanked = bundle(manifestFor({ version: '0.9.0' }), UI_FILES);
  const unpublished = bundle(manifestFor({ version: '1.1.0' }), UI_FILES);
  const other = bundle(manifestFor({ name: 'com.example.other', version: '1.0.0' }), UI_FILES);
  const noUi = bundle(manifestFor({ name: 'com.example.headless', ui: undefined }), {});
  const rootUi = bundle(manifestFor({ name: 'com.example.rootui', ui: { type: 'iframe', entry: 'index.html' } }), {
    'index.html': '<!doctype html><title>Root</title>',
    'main.js': 'export {};',
  });
  // Registered, but the store has nothing under the hash / something else under the hash.
  const lost = bundle(manifestFor({ name: 'com.example.lost' }), UI_FILES);
  const impostor = bundle(manifestFor({ name: 'com.example.impostor' }), UI_FILES);
  const impostorBytes = bundle(manifestFor({ name: 'com.example.impostor', version: '6.6.6' }), UI_FILES).bytes;

  async function register(
    client: pg.Client,
    test: TestBundle,
    status: 'published' | 'yanked' = 'published',
  ): Promise<void> {
    const manifest = test.manifest as { name: string; publisher: string; version: string; ui?: unknown };
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO extensions (name, publisher) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [manifest.name, manifest.publisher],
    );
    await client.query(
      `INSERT INTO extension_versions (extension_id, version, content_hash, size, unpacked_size, runtime, entry, ui,
         api_endpoints, capabilities, egress, manifest, publisher, signature_status, signature, published_by, status)
       VALUES ($1, $2, $3, $4, 0, 'wasm-component@1', 'dist/main.wasm', $5, '[]', '[]', '[]', $6, $7, 'verified',
         '{}', 'test', $8)`,
      [
        rows[0]!.id,
        manifest.version,
        test.contentHash,
        test.bytes.length,
        JSON.stringify(manifest.ui ?? null),
        JSON.stringify(manifest),
        manifest.publisher,
        status,
      ],
    );
  }

  beforeAll(async () => {
    [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
    ca = createDevCa({ commonName: 'ext-ui test CA', validDays: 2, keyBits: 2048 });
    publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
    const s3 = {
      endpoint: bucket.s3.endpoint,
      region: bucket.s3.region,
      bucket: bucket.name,
      accessKeyId: bucket.s3.accessKeyId,
      secretAccessKey: bucket.s3.secretAccessKey,
      forcePathStyle: true,
    };
    const store = createBundleStore({ driver: 's3', s3 });
    const keys = new KeyPolicy();
    for (const test of [tickets, yanked, unpublished, other, noUi, rootUi, impostor]) {
      const contentHash = test.contentHash as `sha256:${string}`;
      await store.put(keys.canonical(contentHash, 'bundle.tar.zst'), test === impostor ? impostorBytes : test.bytes);
      const envelope = signBundle({
        contentHash,
        privateKeyPem: publisher.keyPem,
        certificatesPem: publisher.certificatePem,
      });
      await store.put(keys.canonical(contentHash, 'signature.json'), Buffer.from(JSON.stringify(envelope)));
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await register(client, tickets);
      await register(client, yanked, 'yanked');
      await register(client, other);
      await register(client, noUi);
      await register(client, rootUi);
      await register(client, lost);
      await register(client, impostor);
    } finally {
      await client.end();
    }

    cacheDir = mkdtempSync(join(tmpdir(), 'extplat-ext-ui-cache-'));
    const config = loadRunnerConfig({
      DATABASE_URL: database.url,
      STORAGE_DRIVER: 's3',
      STORAGE_S3_ENDPOINT: s3.endpoint,
      STORAGE_S3_REGION: s3.region,
      STORAGE_S3_BUCKET: s3.bucket,
      STORAGE_S3_ACCESS_KEY: s3.accessKeyId,
      STORAGE_S3_SECRET_KEY: s3.secretAccessKey,
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
      SIGNING_POLICY: 'enforce',
      SIGNING_TRUST_BUNDLE: ca.certificatePem,
      RUNNER_SHARED_SECRET: 's'.repeat(32),
      RUNNER_PORT: '0',
      RUNNER_CACHE_DIR: cacheDir,
      CONSOLE_ORIGIN,
    });
    app = await createRunnerApp(config, createRootLogger({ level: 'silent', service: 'runner' }));
    base = new URL(await listen(app, config.http));
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([database?.drop(), bucket?.destroy()]);
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  /** node:http sends the path exactly as given (fetch would normalise `..` and friends away). */
  function raw(
    path: string,
    options: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: base.hostname, port: base.port, path, method: options.method ?? 'GET', headers: options.headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  const ui = (test: TestBundle, path: string, extensionId = (test.manifest as { name: string }).name) =>
    `/ext-ui/${extensionId}/${test.contentHash}/${path}`;

  const EXPECTED_CSP =
    "sandbox allow-scripts allow-forms; default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    `connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors ${CONSOLE_ORIGIN}`;

  const CACHING_HEADERS = {
    'cache-control': 'public, max-age=31536000, immutable',
    'content-security-policy': EXPECTED_CSP,
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'cross-origin',
  };

  it('serves a UI file with immutable caching, a strong ETag, its MIME type and the framing policy', async () => {
    const html = UI_FILES['ui/index.html'] as string;
    const response = await raw(ui(tickets, 'index.html'));
    expect(response.status).toBe(200);
    expect(response.body).toBe(html);
    expect(response.headers).toMatchObject({
      ...CACHING_HEADERS,
      etag: `"${sha256(html)}"`,
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(html)),
    });
  });

  it('answers If-None-Match with a 304 that keeps the caching headers, and HEAD without a body', async () => {
    const etag = `"${sha256(UI_FILES['ui/app.js'] as string)}"`;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const notModified = await raw(ui(tickets, 'app.js'), { headers: { 'if-none-match': ifNoneMatch } });
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBe('');
      expect(notModified.headers).toMatchObject({ ...CACHING_HEADERS, etag });
    }
    const changed = await raw(ui(tickets, 'app.js'), { headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);

    const head = await raw(ui(tickets, 'app.js'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers).toMatchObject({
      ...CACHING_HEADERS,
      etag,
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': String((UI_FILES['ui/app.js'] as string).length),
    });
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
    ['readme.txt', 'text/plain; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['img.png', 'image/png'],
    ['photo.jpg', 'image/jpeg'],
    ['anim.gif', 'image/gif'],
    ['pic.webp', 'image/webp'],
    ['favicon.ico', 'image/x-icon'],
    ['font.woff', 'font/woff'],
    ['font.woff2', 'font/woff2'],
    ['mod.wasm', 'application/wasm'],
    ['blob.xyz', 'application/octet-stream'],
  ])('serves %s as %s', async (path, type) => {
    const response = await raw(ui(tickets, path));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(Buffer.byteLength(response.body, 'latin1')).toBeGreaterThan(0);
  });

  it('serves nested files and falls back to the UI entry for the empty path and extension-less routes', async () => {
    const deep = await raw(ui(tickets, 'assets/deep.js'));
    expect(deep.status).toBe(200);
    expect(deep.body).toBe(UI_FILES['ui/assets/deep.js']);
    for (const path of [
      `/ext-ui/com.example.tickets/${tickets.contentHash}`,
      ui(tickets, ''),
      ui(tickets, 'settings'),
      ui(tickets, 'settings/profile'),
      ui(tickets, 'tickets/42/'),
      `${ui(tickets, 'settings')}?tab=2`,
      `/ext-ui/com.example.tickets/${tickets.contentHash.replace(':', '%3A')}/index.html`,
    ]) {
      const response = await raw(path);
      expect({ path, status: response.status, type: response.headers['content-type'] }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
      });
      expect(response.body).toBe(UI_FILES['ui/index.html']);
    }
    const rootEntry = await raw(ui(rootUi, 'main.js'));
    expect(rootEntry.status).toBe(200);
  });

  const unknownHash = `sha256:${'0'.repeat(64)}`;
  it.each([
    ['a missing file with an extension', () => ui(tickets, 'missing.js')],
    ['a `..` segment', () => ui(tickets, '../manifest.json')],
    ['a `..` segment further in', () => ui(tickets, 'assets/../../secret.txt')],
    ['`%2e%2e`', () => ui(tickets, '%2e%2e/manifest.json')],
    ['`%2E%2E`', () => ui(tickets, '%2E%2E/secret.txt')],
    ['a half-encoded `..`', () => ui(tickets, '.%2e/manifest.json')],
    ['an encoded dot in a name', () => ui(tickets, 'app%2Ejs')],
    ['`%2F`', () => ui(tickets, '..%2Fmanifest.json')],
    ['`%2f`', () => ui(tickets, 'assets%2fdeep.js')],
    ['`%5C`', () => ui(tickets, '..%5Cmanifest.json')],
    ['a raw backslash', () => ui(tickets, '..\\manifest.json')],
    ['an encoded NUL', () => ui(tickets, 'app.js%00.html')],
    ['malformed percent-encoding', () => ui(tickets, 'app%zz.js')],
    ['a dotfile', () => ui(tickets, '.secret')],
    ['a file in a dot-directory', () => ui(tickets, '.hidden/x.js')],
    ['an empty inner segment', () => ui(tickets, 'assets//deep.js')],
    ['the manifest (outside the UI folder)', () => ui(tickets, 'manifest.json')],
    ['the component (outside the UI folder)', () => ui(tickets, 'dist/main.wasm')],
    ['the manifest of a UI at the bundle root', () => ui(rootUi, 'manifest.json')],
    ['the component of a UI at the bundle root', () => ui(rootUi, 'dist/main.wasm')],
    ['an unknown hash', () => `/ext-ui/com.example.tickets/${unknownHash}/index.html`],
    ['a malformed hash', () => '/ext-ui/com.example.tickets/sha256:abc/index.html'],
    ['an uppercase hash', () => `/ext-ui/com.example.tickets/${tickets.contentHash.toUpperCase()}/index.html`],
    ['a bare hex hash', () => `/ext-ui/com.example.tickets/${tickets.contentHash.slice(7)}/index.html`],
    ['a malformed extension id', () => `/ext-ui/Com.Example/${tickets.contentHash}/index.html`],
    ['an unpublished hash', () => ui(unpublished, 'index.html')],
    ['a yanked hash', () => ui(yanked, 'index.html')],
    ['another extension’s hash', () => ui(other, 'index.html', 'com.example.tickets')],
    ['a version without a UI', () => ui(noUi, 'index.html')],
    ['a version without a UI, extension-less', () => ui(noUi, '')],
  ])('answers 404 without immutable caching for %s', async (_name, path) => {
    const response = await raw(path());
    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBe('no-store');
    // Express gives every JSON body a weak ETag; never ours, the file's strong one.
    expect(response.headers['etag'] ?? '').not.toMatch(/^"[0-9a-f]{64}"$/);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('re-fetches a cached file that changed on disk and serves the verified bytes', async () => {
    const appJs = UI_FILES['ui/app.js'] as string;
    expect((await raw(ui(tickets, 'app.js'))).body).toBe(appJs);
    const onDisk = join(cacheDir, tickets.contentHash.slice('sha256:'.length), 'files', 'ui', 'app.js');
    writeFileSync(onDisk, 'alert(document.domain); // injected');
    const response = await raw(ui(tickets, 'app.js'));
    expect(response.status).toBe(200);
    expect(response.body).toBe(appJs);
    expect(readFileSync(onDisk, 'utf8')).toBe(appJs);
  });

  it('answers a bundle the store lacks with 404 and one whose bytes do not match their hash with 502', async () => {
    const missing = await raw(ui(lost, 'index.html'));
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'BUNDLE_NOT_FOUND' } });

    const mismatch = await raw(ui(impostor, 'index.html'));
    expect(mismatch.status).toBe(502);
    expect(mismatch.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(mismatch.body)).toMatchObject({
      error: { code: 'BUNDLE_INTEGRITY', details: { contentHash: impostor.contentHash } },
    });
    expect(readdirSync(cacheDir)).not.toContain(impostor.contentHash.slice('sha256:'.length));
  });

  it('fetches only versions that are published under the requested extension', () => {
    const hex = (test: TestBundle) => test.contentHash.slice('sha256:'.length);
    const cached = readdirSync(cacheDir);
    expect(cached).toEqual(expect.arrayContaining([hex(tickets), hex(rootUi)]));
    for (const test of [unpublished, yanked, other]) expect(cached).not.toContain(hex(test));
  });
});
