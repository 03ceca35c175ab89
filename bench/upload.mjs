// The upload pipeline on a large bundle, next to the raw work it cannot avoid, in one script:
//   API:      initiate -> parts (presigned straight to S3, or through the API) -> finalize
//   baseline: a raw S3 multipart upload of the same bytes + one SHA-256 pass over them
// Needs the local PostgreSQL and S3 (scripts/s3-rgw.sh start) and a build (npm run build:server).
//   node bench/upload.mjs [sizeMiB=200] [concurrency=4] [runs=3]
import { createHash, randomBytes } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createRootLogger, listen } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, signBundle } from '@extplat/signing';
import { bundleOf, validEntries } from '@extplat/testing';
import { benchServices } from './bench-env.mjs';
import { createApiApp } from '../apps/api/dist/app.js';
import { loadApiConfig } from '../apps/api/dist/config/api-config.js';

const sizeMiB = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 4);
const MIB = 1024 * 1024;
const partSize = 16 * MIB;
const services = await benchServices();
const { client, bucket, emptyBucket } = services;

const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
const publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
const config = loadApiConfig({
  ...services.env,
  SIGNING_TRUST_BUNDLE: ca.certificatePem,
  RUNNER_SHARED_SECRET: 'r'.repeat(32),
  EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
  AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
  BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
  BOOTSTRAP_ADMIN_PASSWORD: 'bench-password-123',
  UPLOAD_PART_SIZE_BYTES: String(partSize),
  BUNDLE_MAX_BYTES: String(1024 * MIB),
  UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
  API_PORT: '0',
});
const app = await createApiApp(config, createRootLogger({ level: 'warn', service: 'api' }));
const base = await listen(app, config.http);
const call = async (method, path, { json, body, headers = {} } = {}) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    body: json ? JSON.stringify(json) : body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
};
let token = '';
token = (
  await call('POST', '/api/auth/login', { json: { email: 'bench@example.test', password: 'bench-password-123' } })
).accessToken;

function bundle(version) {
  const bytes = bundleOf([
    ...validEntries({ version }),
    { name: 'ui/payload.bin', data: randomBytes((sizeMiB - 1) * MIB) },
  ]);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const envelope = signBundle({
    contentHash,
    privateKeyPem: publisher.keyPem,
    certificatesPem: publisher.certificatePem,
  });
  return { bytes, contentHash, signature: JSON.stringify(envelope) };
}

async function inParallel(numbers, work) {
  const queue = [...numbers];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await work(next);
    }),
  );
}
const partOf = (bytes, n) => bytes.subarray((n - 1) * partSize, n * partSize);

async function viaApi(b, strategy) {
  const started = performance.now();
  const init = await call('POST', '/api/ext-bundles/initiate-upload', {
    json: { filename: 'b.tar.zst', size: b.bytes.length, preferredStrategy: strategy },
  });
  const numbers = Array.from({ length: init.partCount }, (_, i) => i + 1);
  if (init.strategy === 'presigned-multipart') {
    const { parts } = await call('POST', `/api/ext-bundles/uploads/${init.uploadId}/parts`, {
      json: { partNumbers: numbers },
    });
    await inParallel(numbers, async (n) => {
      const part = parts.find((p) => p.partNumber === n);
      const response = await fetch(part.url, { method: 'PUT', headers: part.headers, body: partOf(b.bytes, n) });
      if (!response.ok) throw new Error(`part ${n}: ${response.status}`);
    });
  } else {
    await inParallel(numbers, (n) =>
      call('PUT', `/api/ext-bundles/upload-proxy?uploadId=${init.uploadId}&partNumber=${n}`, {
        body: partOf(b.bytes, n),
        headers: { 'content-type': 'application/octet-stream' },
      }),
    );
  }
  const uploaded = performance.now();
  await call('POST', '/api/ext-bundles/finalize', { json: { uploadId: init.uploadId, signature: b.signature } });
  return { total: performance.now() - started, upload: uploaded - started, finalize: performance.now() - uploaded };
}

async function baseline(b) {
  const started = performance.now();
  const key = `raw/${randomBytes(4).toString('hex')}`;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const numbers = Array.from({ length: Math.ceil(b.bytes.length / partSize) }, (_, i) => i + 1);
  const etags = new Map();
  await inParallel(numbers, async (n) => {
    const out = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: partOf(b.bytes, n) }),
    );
    etags.set(n, out.ETag);
  });
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: numbers.map((n) => ({ PartNumber: n, ETag: etags.get(n) })) },
    }),
  );
  createHash('sha256').update(b.bytes).digest('hex');
  return performance.now() - started;
}

const runs = Number(process.argv[4] ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Warm-up: the first requests after the S3 server starts are slow while it creates its pools.
await baseline(bundle('0.0.1'));
await emptyBucket();
const results = [];
let serial = 0;
for (const strategy of ['presigned-multipart', 'proxy']) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const b = bundle(`1.${serial++}.0`);
    samples.push({ raw: await baseline(b), ...(await viaApi(b, strategy)) });
    await emptyBucket();
  }
  results.push({
    strategy,
    raw: median(samples.map((s) => s.raw)),
    total: median(samples.map((s) => s.total)),
    upload: median(samples.map((s) => s.upload)),
    finalize: median(samples.map((s) => s.finalize)),
  });
}
console.log(`bundle ${sizeMiB} MiB, parts of ${partSize / MIB} MiB, ${concurrency} in parallel, median of ${runs}`);
for (const r of results) {
  console.log(
    `${r.strategy.padEnd(20)} API ${r.total.toFixed(0).padStart(6)} ms (parts ${r.upload.toFixed(0)} ms, finalize ${r.finalize.toFixed(0)} ms)   ` +
      `raw multipart + sha256 ${r.raw.toFixed(0).padStart(6)} ms   ratio ${(r.total / r.raw).toFixed(2)}x`,
  );
}
await app.close();
await services.close();
