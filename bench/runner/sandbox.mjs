// Latency and throughput of the Runner's sandbox with the probe guest's /ping: a fresh instance per
// request against reusing a warm instance (same instance key), through the build output.
//   npm run build:server && node bench/runner/sandbox.mjs [requests=2000]
// Builds the probe component on first use (~15-20 s, cached), transpiles it into a temporary directory,
// then prints p50/p99 of the round trip (execute() → response) and of its parts, requests per second with
// all requests queued at once, and the fresh/reuse ratios. On demand only, not in CI.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildTestComponent } from '@extplat/testing';
import { Sandbox } from '../../apps/runner/dist/sandbox/index.js';

const requests = Number(process.argv[2] ?? 2000);
const HASH = `sha256:${'b'.repeat(64)}`;
const probe = await buildTestComponent(
  fileURLToPath(new URL('../../apps/runner/test/guests/probe.js', import.meta.url)),
);
const work = await mkdtemp(join(tmpdir(), 'extplat-bench-sandbox-'));
const logger = pino({ level: 'warn' });

const job = () => ({
  contentHash: HASH,
  instanceKey: 'bench',
  request: { method: 'GET', path: '/ping', query: [], headers: [], body: new Uint8Array() },
  context: {
    requestId: 'bench',
    tenantId: 't',
    installId: 'i',
    extensionId: 'com.example.bench',
    version: '1.0.0',
    contentHash: HASH,
    userId: null,
    handler: 'ping',
    params: [],
  },
  configJson: '{}',
  capabilities: new Set(),
  deadlineMs: 30_000,
  host: { secret: async () => undefined, fetch: async () => ({ ok: false, error: { tag: 'failed', val: 'none' } }) },
  onLog: () => {},
});

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};
const summary = (values) => ({ p50: +percentile(values, 0.5).toFixed(3), p99: +percentile(values, 0.99).toFixed(3) });

async function withSandbox(options, run) {
  const sandbox = Sandbox.create({
    memoryMaxMiB: 256,
    transpileDir: join(work, 'transpiled'),
    compiledModulesMax: 4,
    logger,
    ...options,
  });
  try {
    const load = await sandbox.load(HASH, probe);
    return await run(sandbox, load);
  } finally {
    await sandbox.close();
  }
}

async function execute(sandbox) {
  const outcome = await sandbox.execute(job());
  if (outcome.kind !== 'ok') throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
  return outcome.timings;
}

/** Sequential requests on one worker. */
async function latency(maxRequestsPerInstance, count) {
  return withSandbox({ workers: 1, maxRequestsPerInstance }, async (sandbox) => {
    for (let i = 0; i < 100; i++) await execute(sandbox);
    const total = [];
    const instantiate = [];
    const call = [];
    for (let i = 0; i < count; i++) {
      const timings = await execute(sandbox);
      total.push(timings.totalMs);
      instantiate.push(timings.instantiateMs);
      call.push(timings.callMs);
    }
    return { roundTrip: summary(total), instantiate: summary(instantiate), guestCall: summary(call) };
  });
}

/** Requests per second with every request queued at once. */
async function throughput(workers, maxRequestsPerInstance, count) {
  return withSandbox({ workers, maxRequestsPerInstance }, async (sandbox) => {
    await Promise.all(Array.from({ length: workers * 20 }, () => execute(sandbox)));
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, () => execute(sandbox)));
    return Math.round(count / ((performance.now() - started) / 1000));
  });
}

const result = { node: process.version, cpus: availableParallelism(), requests };
const cold = await withSandbox({ workers: 1 }, async (_sandbox, load) => load);
const warmDisk = await withSandbox({ workers: 1 }, async (_sandbox, load) => load);
result.load = {
  transpileMs: Math.round(cold.transpileMs),
  compileMs: Math.round(cold.compileMs),
  cachedTranspileReadMs: Math.round(warmDisk.transpileMs),
  cachedCompileMs: Math.round(warmDisk.compileMs),
};
result.fresh = await latency(1, Math.min(requests, 1000));
result.reuse = await latency(1_000_000, requests);
result.throughputRps = {
  freshWorkers1: await throughput(1, 1, 500),
  freshWorkers2: await throughput(2, 1, 500),
  reuseWorkers1: await throughput(1, 1_000_000, requests * 5),
  reuseWorkers2: await throughput(2, 1_000_000, requests * 5),
};
result.ratios = {
  latencyP50FreshOverReuse: +(result.fresh.roundTrip.p50 / result.reuse.roundTrip.p50).toFixed(1),
  latencyP99FreshOverReuse: +(result.fresh.roundTrip.p99 / result.reuse.roundTrip.p99).toFixed(1),
  throughputReuseOverFresh2Workers: +(result.throughputRps.reuseWorkers2 / result.throughputRps.freshWorkers2).toFixed(
    1,
  ),
};
console.log(JSON.stringify(result, null, 2));
await rm(work, { recursive: true, force: true });
