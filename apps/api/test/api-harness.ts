import type { INestApplication } from '@nestjs/common';
import { createRootLogger, listen } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, signBundle, type KeyAndCertificate } from '@extplat/signing';
import {
  bundleOf,
  createTestBucket,
  createTestDatabase,
  validEntries,
  type RawEntry,
  type RunningService,
  startService,
  type TestBucket,
  type TestDatabase,
  s3StorageEnv,
  s3ClientFor,
} from '@extplat/testing';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createApiApp } from '../src/app.js';
import { loadApiConfig } from '../src/config/api-config.js';
import { fetchApi } from './openapi-contract.js';

const API_ENTRY = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const MIB = 1024 * 1024;

/** One CA and publisher key per test file: RSA key generation is the slow part. */
let trust: { ca: KeyAndCertificate; publisher: KeyAndCertificate; other: KeyAndCertificate } | undefined;
export function testTrust(): { ca: KeyAndCertificate; publisher: KeyAndCertificate; other: KeyAndCertificate } {
  if (!trust) {
    const ca = createDevCa({ commonName: 'test CA', validDays: 30, keyBits: 2048 });
    trust = {
      ca,
      publisher: issuePublisherCertificate({ ca, publisher: 'example', validDays: 30, keyBits: 2048 }),
      other: issuePublisherCertificate({ ca, publisher: 'intruder', validDays: 30, keyBits: 2048 }),
    };
  }
  return trust;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiHarness {
  /** The Nest application, for tests that drive a service or a scheduler directly (absent for a process). */
  app?: INestApplication;
  base: string;
  database: TestDatabase;
  bucket?: TestBucket;
  /** The fs driver's directory (absent on s3). */
  storeRoot?: string;
  adminToken: string;
  request<T = unknown>(
    method: string,
    path: string,
    options?: { token?: string | null; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/**
 * The environment of an API on a test database and bucket (or an fs store when there is no bucket):
 * everything the config requires, with signatures off; callers spread their own settings over it.
 */
export function apiTestEnv(database: TestDatabase, bucket: TestBucket | undefined): Record<string, string> {
  const storageEnv: Record<string, string> = bucket
    ? s3StorageEnv(bucket)
    : { STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: mkdtempSync(join(tmpdir(), 'extplat-api-store-')) };
  return {
    DATABASE_URL: database.url,
    ...storageEnv,
    SIGNING_POLICY: 'off',
    RUNNER_SHARED_SECRET: 'r'.repeat(32),
    EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
  };
}

/** What every test API gets: the bootstrap admin, signatures enforced against the test CA, small parts. */
function apiEnv(
  database: TestDatabase,
  bucket: TestBucket | undefined,
  env: Record<string, string> | undefined,
): Record<string, string> {
  return {
    ...apiTestEnv(database, bucket),
    SIGNING_POLICY: 'enforce',
    SIGNING_TRUST_BUNDLE: testTrust().ca.certificatePem,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    UPLOAD_PART_SIZE_BYTES: String(5 * MIB),
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
    API_PORT: '0',
    ...env,
  };
}

/** The API on a fresh database and (for the s3 driver) a fresh bucket, unless given, with the bootstrap admin signed in. */
export async function startApi(
  options: {
    storage?: 's3' | 'fs';
    env?: Record<string, string>;
    /** A database (and bucket) made by the caller, e.g. for a Runner started first; closing drops them. */
    database?: TestDatabase;
    bucket?: TestBucket;
  } = {},
): Promise<ApiHarness> {
  const { database, bucket } = options.database
    ? { database: options.database, bucket: options.bucket }
    : await provision(options.bucket ? 's3' : (options.storage ?? 's3'));
  const config = loadApiConfig(apiEnv(database, bucket, options.env));
  const app: INestApplication = await createApiApp(config, createRootLogger({ level: 'silent', service: 'api' }));
  const base = await listen(app, config.http);
  const storeRoot = config.storage.driver === 'fs' ? config.storage.fs.root : undefined;
  const harness = await signedIn(base, database, bucket, storeRoot, async () => {
    await app.close();
  });
  return Object.assign(harness, { app });
}

/**
 * The API as production runs it, `apps/api/dist/main.js` in its own process (its errors come from the real
 * Node realm, not jest's), on a fresh database and bucket, with the bootstrap admin signed in.
 */
export async function startApiProcess(
  options: { storage?: 's3' | 'fs'; env?: Record<string, string> } = {},
): Promise<ApiHarness & { process: RunningService }> {
  const { database, bucket } = await provision(options.storage ?? 's3');
  const env = apiEnv(database, bucket, options.env);
  let service: RunningService;
  try {
    service = await startService(API_ENTRY, { ...env, LOG_LEVEL: 'info' });
  } catch (error) {
    await Promise.all([database.drop(), bucket?.destroy()]);
    throw error;
  }
  const harness = await signedIn(service.url, database, bucket, env['STORAGE_FS_ROOT'], () => service.stop());
  return Object.assign(harness, { process: service });
}

async function provision(storage: 's3' | 'fs'): Promise<{ database: TestDatabase; bucket?: TestBucket }> {
  const [database, bucket] = await Promise.all([
    createTestDatabase(),
    storage === 's3' ? createTestBucket() : Promise.resolve(undefined),
  ]);
  return { database, bucket };
}

/** A harness on an API listening at `base`: typed requests, and the bootstrap admin's token. */
export async function signedIn(
  base: string,
  database: TestDatabase,
  bucket: TestBucket | undefined,
  storeRoot: string | undefined,
  stop: () => Promise<void>,
): Promise<ApiHarness> {
  const request: ApiHarness['request'] = async (method, path, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    const token = requestOptions.token === undefined ? harness.adminToken : requestOptions.token;
    if (token) headers['authorization'] = `Bearer ${token}`;
    let body = requestOptions.body;
    if (requestOptions.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(requestOptions.json);
    }
    const response = await fetchApi(`${base}${path}`, {
      method,
      headers,
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as never, headers: response.headers };
  };
  const harness: ApiHarness = {
    base,
    database,
    bucket,
    ...(storeRoot ? { storeRoot } : {}),
    adminToken: '',
    request,
    close: async () => {
      await stop();
      await Promise.all([
        database.drop(),
        bucket?.destroy(),
        storeRoot ? rm(storeRoot, { recursive: true, force: true }) : undefined,
      ]);
    },
  };
  const login = await request<{ accessToken: string }>('POST', '/api/auth/login', {
    token: null,
    json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  });
  if (login.status !== 200)
    throw new Error(`bootstrap admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  harness.adminToken = login.body.accessToken;
  return harness;
}

export interface TestBundle {
  bytes: Buffer;
  contentHash: string;
  signature: string;
}

/** A valid bundle, signed by the test publisher; `payloadBytes` adds an incompressible file to make parts. */
export function makeBundle(
  options: {
    manifest?: Record<string, unknown>;
    payloadBytes?: number;
    entries?: RawEntry[];
    signer?: KeyAndCertificate;
  } = {},
): TestBundle {
  const entries = options.entries ?? [
    ...validEntries(options.manifest),
    ...(options.payloadBytes ? [{ name: 'ui/payload.bin', data: randomBytes(options.payloadBytes) }] : []),
  ];
  const bytes = bundleOf(entries);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
  const signer = options.signer ?? testTrust().publisher;
  const envelope = signBundle({ contentHash, privateKeyPem: signer.keyPem, certificatesPem: signer.certificatePem });
  return { bytes, contentHash, signature: JSON.stringify(envelope) };
}

export interface InitiateResult {
  uploadId: string;
  strategy: string;
  partSize: number;
  partCount: number;
}

/** initiate + every part through the API (proxy strategy). */
export async function uploadViaProxy(
  api: ApiHarness,
  bundle: TestBundle,
  order?: number[],
  token?: string,
): Promise<InitiateResult> {
  const initiated = await api.request<InitiateResult>('POST', '/api/ext-bundles/initiate-upload', {
    token,
    json: { filename: 'bundle.tar.zst', size: bundle.bytes.length, preferredStrategy: 'proxy' },
  });
  if (initiated.status !== 201)
    throw new Error(`initiate failed: ${initiated.status} ${JSON.stringify(initiated.body)}`);
  const { uploadId, partSize, partCount } = initiated.body;
  for (const partNumber of order ?? Array.from({ length: partCount }, (_, i) => i + 1)) {
    const part = bundle.bytes.subarray((partNumber - 1) * partSize, partNumber * partSize);
    const put = await api.request(
      'PUT',
      `/api/ext-bundles/upload-proxy?uploadId=${uploadId}&partNumber=${partNumber}`,
      {
        token,
        body: part,
        headers: { 'content-type': 'application/octet-stream' },
      },
    );
    if (put.status !== 200)
      throw new Error(`proxy part ${partNumber} failed: ${put.status} ${JSON.stringify(put.body)}`);
  }
  return initiated.body;
}

/** initiate + presigned part URLs + plain fetch PUTs straight to S3, as a browser does. */
export async function uploadViaPresigned(
  api: ApiHarness,
  bundle: TestBundle,
  order?: number[],
): Promise<InitiateResult & { etags: Map<number, string> }> {
  const initiated = await api.request<InitiateResult>('POST', '/api/ext-bundles/initiate-upload', {
    json: { filename: 'bundle.tar.zst', size: bundle.bytes.length, sha256: bundle.contentHash },
  });
  if (initiated.status !== 201 || initiated.body.strategy !== 'presigned-multipart') {
    throw new Error(`initiate failed: ${initiated.status} ${JSON.stringify(initiated.body)}`);
  }
  const { uploadId, partSize, partCount } = initiated.body;
  const numbers = order ?? Array.from({ length: partCount }, (_, i) => i + 1);
  const etags = new Map<number, string>();
  await putPresignedParts(api, uploadId, bundle, partSize, numbers, etags);
  return { ...initiated.body, etags };
}

export async function putPresignedParts(
  api: ApiHarness,
  uploadId: string,
  bundle: TestBundle,
  partSize: number,
  numbers: number[],
  etags = new Map<number, string>(),
): Promise<Map<number, string>> {
  const presigned = await api.request<{
    parts: { partNumber: number; url: string; headers: Record<string, string> }[];
  }>('POST', `/api/ext-bundles/uploads/${uploadId}/parts`, { json: { partNumbers: numbers } });
  if (presigned.status !== 200)
    throw new Error(`presign failed: ${presigned.status} ${JSON.stringify(presigned.body)}`);
  for (const partNumber of numbers) {
    const part = presigned.body.parts.find((candidate) => candidate.partNumber === partNumber);
    if (!part) throw new Error(`no URL for part ${partNumber}`);
    const response = await fetch(part.url, {
      method: 'PUT',
      headers: part.headers,
      body: bundle.bytes.subarray((partNumber - 1) * partSize, partNumber * partSize),
    });
    if (!response.ok) throw new Error(`S3 refused part ${partNumber}: ${response.status} ${await response.text()}`);
    etags.set(partNumber, (response.headers.get('etag') ?? '').replaceAll('"', ''));
  }
  return etags;
}

/**
 * The keys the API's store holds under `prefix`, read from the store itself (the bucket, or the fs
 * driver's directory without its reserved `.extplat/` folder), not through the driver under test.
 */
export async function storedKeys(api: ApiHarness, prefix: string): Promise<string[]> {
  if (api.bucket) {
    const client = s3ClientFor(api.bucket.s3);
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: api.bucket.name, Prefix: prefix, ContinuationToken: token }),
      );
      found.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    client.destroy();
    return found.sort();
  }
  const root = api.storeRoot;
  if (!root) throw new Error('the harness has neither a bucket nor an fs root');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((key) => !key.startsWith('.extplat/') && key.startsWith(prefix))
    .sort();
}

/** How many multipart uploads the store still holds open (parts kept until completed or aborted). */
export async function openMultipartUploads(api: ApiHarness): Promise<number> {
  if (api.bucket) {
    const client = s3ClientFor(api.bucket.s3);
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: api.bucket.name }));
    client.destroy();
    return listed.Uploads?.length ?? 0;
  }
  if (!api.storeRoot) throw new Error('the harness has neither a bucket nor an fs root');
  const uploads = await readdir(join(api.storeRoot, '.extplat', 'uploads')).catch(() => []);
  return uploads.length;
}

/** Signs in a new principal of `role` (a user, or an API key with `kind: 'api-key'`) and returns its bearer token. */
export async function newPrincipal(
  api: ApiHarness,
  options: { role: 'platform-admin' | 'tenant-admin'; kind?: 'user' | 'api-key'; tenantId?: string },
): Promise<string> {
  const tenant = options.tenantId ? { tenantId: options.tenantId } : {};
  if (options.kind === 'api-key') {
    const key = await api.request<{ key: string }>('POST', '/api/api-keys', {
      json: { name: `key-${randomBytes(3).toString('hex')}`, role: options.role, ...tenant },
    });
    if (key.status !== 201) throw new Error(`api key creation failed: ${key.status} ${JSON.stringify(key.body)}`);
    return key.body.key;
  }
  const email = `${options.role}-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'a long enough password';
  const created = await api.request('POST', '/api/users', { json: { email, password, role: options.role, ...tenant } });
  if (created.status !== 201)
    throw new Error(`user creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await api.request<{ accessToken: string }>('POST', '/api/auth/login', {
    token: null,
    json: { email, password },
  });
  return login.body.accessToken;
}
