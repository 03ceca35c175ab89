// The upload pipeline on a large bundle, next to the raw work it cannot avoid, in one script:
//   API:      initiate -> parts (presigned straight to S3, or through the API) -> finalize
//   baseline: a raw S3 multipart upload of the same bytes + one SHA-256 pass over them
//   floor:    the same upload + reading the object back once with SHA-256 (what presigned uploads cannot skip)
// Parts are sent as `extctl publish` sends them (its own transfer function: node:http, streamed from the file
// with an exact length); the baseline sends them with the AWS SDK from memory.
// The API runs as its own process (bench-stack.mjs), as it is deployed. BENCH_UPLOAD_SPOOL_MAX_BYTES=0 turns
// off the API's local copy of proxied parts, so proxy finalize reads the bundle back from S3 as before.
// Needs the local PostgreSQL and S3 (scripts/s3-rgw.sh start) and a build (npm run build:server).
//   node bench/upload.mjs [sizeMiB=200] [concurrency=4] [runs=3]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { bundleOf, validEntries } from '@extplat/testing';
import { benchStack, metric } from './bench-stack.mjs';
import { putFileRange } from '../apps/cli/dist/publish/part-transfer.js';

const sizeMiB = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 4);
const MIB = 1024 * 1024;
const partSize = 16 * MIB;
const stack = await benchStack({ name: 'upload' });
const { client, bucket, emptyBucket } = stack.services;
const api = await stack.startApi({
  UPLOAD_PART_SIZE_BYTES: String(partSize),
  BUNDLE_MAX_BYTES: String(1024 * MIB),
  UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
  API_METRICS_PORT: '0',
  LOG_LEVEL: 'info',
  ...(process.env.BENCH_UPLOAD_SPOOL_MAX_BYTES
    ? { UPLOAD_SPOOL_MAX_BYTES: process.env.BENCH_UPLOAD_SPOOL_MAX_BYTES }
    : {}),
});
const base = api.url;
const metricsUrl = api.logs.find((entry) => entry.msg === 'metrics served')?.metricsUrl;
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
const token = await stack.client(base).signInAdmin();
const workDir = mkdtempSync(join(tmpdir(), 'extplat-upload-bench-'));

function bundle(version) {
  const bytes = bundleOf([
    ...validEntries({ version }),
    { name: 'ui/payload.bin', data: randomBytes((sizeMiB - 1) * MIB) },
  ]);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const file = join(workDir, `${version}.tar.zst`);
  writeFileSync(file, bytes);
  return { bytes, file, contentHash, signature: stack.sign(contentHash) };
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
const rangeOf = (b, n) => {
  const start = (n - 1) * partSize;
  const end = Math.min(b.bytes.length, n * partSize) - 1;
  return { partNumber: n, start, end, length: end - start + 1 };
};
async function putPart(target, b, n) {
  const answer = await putFileRange(target, b.file, rangeOf(b, n));
  if (answer.status < 200 || answer.status > 299) throw new Error(`part ${n}: ${answer.status} ${answer.body}`);
}

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
      await putPart({ url: part.url, headers: part.headers }, b, n);
    });
  } else {
    await inParallel(numbers, (n) =>
      putPart(
        {
          url: `${base}/api/ext-bundles/upload-proxy?uploadId=${init.uploadId}&partNumber=${n}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        },
        b,
        n,
      ),
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
  const uploaded = performance.now();
  createHash('sha256').update(b.bytes).digest('hex');
  const raw = performance.now() - started;
  // The presigned floor: the API never saw the bytes, so it must read them back once (hashing as they come).
  const readStarted = performance.now();
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of Body) hash.update(chunk);
  hash.digest('hex');
  return { raw, floor: uploaded - started + (performance.now() - readStarted) };
}

const runs = Number(process.argv[4] ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Warm-up: the first requests after the S3 server starts are slow while it creates its pools.
const warmUp = bundle('0.0.1');
await baseline(warmUp);
rmSync(warmUp.file);
await emptyBucket();
const results = [];
let serial = 0;
for (const strategy of ['presigned-multipart', 'proxy']) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const b = bundle(`1.${serial++}.0`);
    samples.push({ ...(await baseline(b)), ...(await viaApi(b, strategy)) });
    rmSync(b.file);
    await emptyBucket();
  }
  results.push({
    strategy,
    raw: median(samples.map((s) => s.raw)),
    floor: median(samples.map((s) => s.floor)),
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
const floor = median(results.map((r) => r.floor / r.raw));
console.log(
  `raw multipart + reading it back with sha256 (the presigned floor): ${floor.toFixed(2)}x the raw multipart + sha256; ` +
    `presigned is ${(results[0].total / results[0].floor).toFixed(2)}x its floor`,
);
const fromSpool = await metric(metricsUrl, 'extplat_api_upload_verifications_total', 'source="spool"');
const fromStore = await metric(metricsUrl, 'extplat_api_upload_verifications_total', 'source="store"');
console.log(`finalize inspected ${fromSpool} uploads from the API's local copy and ${fromStore} from S3`);
await stack.close();
rmSync(workDir, { recursive: true, force: true });
