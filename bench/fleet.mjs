// A fleet on one machine: 2 API replicas and 3 Runners on one PostgreSQL, one bucket and one Redis, the APIs
// routing each content hash to one Runner (RUNNER_URLS, rendezvous hashing), 20 extensions, 8 clients.
//   1. first call after install, through the gateway: installed through API B (prewarm off: the baseline)
//      against installed through API A (prewarm on), timed once API A counts the prewarm as warmed
//   2. load: 8 concurrent clients call the 20 extensions through both APIs; per Runner: the extensions it
//      owns, S3 bytes it fetched, cache hits and misses, calls served, memory and cache size
//   3. locality baseline: every Runner is then sent every extension once (what a balancer that ignores the
//      content hash ends up doing); S3 bytes fetched against the routed fleet's
//   4. a new Runner's first call of a bundle the fleet already transpiled: with the shared precompiled
//      artifact (RUNNER_ARTIFACT_KEY) against without (it transpiles)
// On 2 cores the fleet shares the CPU the servers would each have on their own: this shows routing and
// locality (each bundle fetched and transpiled once), not a speed-up from adding Runners. The processes run
// as production runs them (apps/*/dist/main.js) on the local PostgreSQL, S3 (scripts/s3-rgw.sh start) and
// Redis, after npm run build:server.
//   node bench/fleet.mjs [calls=2000] [clients=8] [extensions=20]
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { rendezvousOrder } from '../apps/api/dist/runners/rendezvous.js';
import { benchStack, executeTemplate, freePort, metric, percentile, templateEntries, until } from './bench-stack.mjs';

const calls = Number(process.argv[2] ?? 2000);
const clients = Number(process.argv[3] ?? 8);
const extensionCount = Number(process.argv[4] ?? 20);
const RUNNERS = 3;
const ARTIFACT_KEY = randomBytes(48).toString('base64');
const MIB = 1024 * 1024;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const loadAtStart = load();

const stack = await benchStack({
  name: 'fleet',
  sharedEnv: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `bench:fleet:${randomUUID()}:` },
});
// The APIs are told the Runners' addresses; the first API migrates the database, so it starts first.
const ports = await Promise.all(Array.from({ length: RUNNERS }, () => freePort()));
const runnerUrls = ports.map((port) => `http://127.0.0.1:${port}`);
const apiEnv = { RUNNER_URLS: runnerUrls.join(','), RUNNER_HEALTH_INTERVAL_MS: '1000', API_METRICS_PORT: '0' };
const apiA = await stack.startApi(apiEnv);
const apiB = await stack.startApi({ ...apiEnv, RUNNER_PREWARM_TIMEOUT_MS: '0' });
const runners = await Promise.all(
  ports.map((port, i) => stack.startRunner(`r${i}`, { RUNNER_PORT: String(port), RUNNER_ARTIFACT_KEY: ARTIFACT_KEY })),
);
const metricsUrlOf = (api) => api.logs.find((entry) => entry.msg === 'metrics served')?.metricsUrl;
// The APIs probed the Runners before they were up: a probe interval later they are healthy again.
await new Promise((resolve) => setTimeout(resolve, 2500));

const a = stack.client(apiA.url);
const b = stack.client(apiB.url);
const adminToken = await a.signInAdmin();
const tenantAdmin = await a.user(adminToken, 'fleet', 'tenant-admin');
const member = await a.user(adminToken, 'fleet', 'member', tenantAdmin.tenantId);

const extensions = [];
for (let i = 0; i < extensionCount; i++) {
  const id = `com.example.fleet${String(i).padStart(2, '0')}`;
  extensions.push({ id, ...(await a.publish(adminToken, await templateEntries(id, '1.0.0', `Fleet ${i}`))) });
}
const totalBundleBytes = extensions.reduce((sum, extension) => sum + extension.bytes, 0);

const agent = new Agent({ keepAlive: true, maxSockets: clients });
function call(api, extensionId) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      `${api.url}/api/ext/${extensionId}/greeting`,
      { agent, headers: { authorization: `Bearer ${member.token}` } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const ms = performance.now() - started;
          if (res.statusCode === 200) return resolve({ status: '200', ms });
          // A refusal is told by its code (RUNNER_BUSY, RUNNER_UNAVAILABLE, ...).
          let code = 'no error code';
          try {
            code = JSON.parse(Buffer.concat(chunks).toString('utf8')).error?.code ?? code;
          } catch {
            // not JSON: the status says it all
          }
          resolve({ status: `${res.statusCode} ${code}`, ms });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const install = (client, extensionId) =>
  client.api('POST', '/api/installs', tenantAdmin.token, {
    extensionId,
    version: '1.0.0',
    grant: { capabilities: ['cap:log.emit', 'cap:context.read'], egress: [] },
    config: { greeting: 'Hi' },
    enabled: true,
  });
async function firstCall(api, extensionId) {
  const answer = await call(api, extensionId);
  if (answer.status !== '200') throw new Error(`first call of ${extensionId} answered ${answer.status}`);
  return answer.ms;
}

// 1. First call after install: half the extensions without prewarm, half with.
const half = Math.floor(extensionCount / 2);
const coldFirst = [];
for (const extension of extensions.slice(0, half)) {
  await install(b, extension.id);
  coldFirst.push(await firstCall(apiB, extension.id));
}
const warmFirst = [];
const prewarmWait = [];
const warmed = () => metric(metricsUrlOf(apiA), 'extplat_api_prewarms_total', 'outcome="warmed"');
for (const extension of extensions.slice(half)) {
  const before = await warmed();
  const begun = performance.now();
  await install(a, extension.id);
  await until(async () => (await warmed()) > before);
  prewarmWait.push(performance.now() - begun);
  warmFirst.push(await firstCall(apiA, extension.id));
}
const prewarmsAsked = await metric(metricsUrlOf(apiA), 'extplat_api_prewarms_total');

// 2. Load: `clients` callers, each call to a random extension through API A or B in turn.
const latencies = [];
const statuses = new Map();
let next = 0;
const loadBegun = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < calls) {
      const i = next++;
      const extension = extensions[Math.floor(Math.random() * extensions.length)];
      const { status, ms } = await call(i % 2 ? apiA : apiB, extension.id);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      latencies.push(ms);
    }
  }),
);
const loadSeconds = (performance.now() - loadBegun) / 1000;

function directorySize(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}
async function runnerState(runner) {
  const url = `${runner.url}/metrics`;
  return {
    fetched: await metric(url, 'extplat_runner_bundle_bytes_fetched_total'),
    hits: await metric(url, 'extplat_runner_cache_hits_total'),
    misses: await metric(url, 'extplat_runner_cache_misses_total'),
    served: await metric(url, 'extplat_runner_executions_total', 'outcome="ok"'),
    rss: await metric(url, 'extplat_runner_process_resident_memory_bytes'),
    cacheBytes: directorySize(runner.cacheDir),
  };
}
const states = await Promise.all(runners.map(runnerState));
const owned = runnerUrls.map(
  (url) => extensions.filter((extension) => rendezvousOrder(extension.contentHash, runnerUrls)[0] === url).length,
);
const routedFetched = states.reduce((sum, state) => sum + state.fetched, 0);
const apiRss = await Promise.all(
  [apiA, apiB].map((api) => metric(metricsUrlOf(api), 'extplat_api_process_resident_memory_bytes')),
);

// 3. Locality baseline: every Runner sent every extension (what ignoring the content hash leads to).
for (const runner of runners) {
  for (const extension of extensions) {
    await executeTemplate(runner, {
      tenantId: tenantAdmin.tenantId,
      extensionId: extension.id,
      contentHash: extension.contentHash,
    });
  }
}
const everywhereFetched = (
  await Promise.all(
    runners.map((runner) => metric(`${runner.url}/metrics`, 'extplat_runner_bundle_bytes_fetched_total')),
  )
).reduce((sum, bytes) => sum + bytes, 0);

// 4. A new Runner's first call, with and without the fleet's shared precompiled artifacts.
const withArtifacts = await stack.startRunner('new-shared', { RUNNER_ARTIFACT_KEY: ARTIFACT_KEY });
const withoutArtifacts = await stack.startRunner('new-plain');
const idleRunnerRss = await metric(`${withoutArtifacts.url}/metrics`, 'extplat_runner_process_resident_memory_bytes');
const newShared = [];
const newTranspile = [];
for (const extension of extensions.slice(0, Math.min(5, extensions.length))) {
  const target = { tenantId: tenantAdmin.tenantId, extensionId: extension.id, contentHash: extension.contentHash };
  newShared.push(await executeTemplate(withArtifacts, target));
  newTranspile.push(await executeTemplate(withoutArtifacts, target));
}

const ms = (value) => `${value.toFixed(0).padStart(6)} ms`;
const spread = (label, values) =>
  console.log(
    `${label.padEnd(56)} p50 ${ms(percentile(values, 50))}  p95 ${ms(percentile(values, 95))}  (n=${values.length})`,
  );
const mib = (bytes) => `${(bytes / MIB).toFixed(1)} MiB`;
console.log(
  `${availableParallelism()} cores, load ${loadAtStart} at start; 2 APIs, ${RUNNERS} Runners, ${extensionCount} extensions ` +
    `(${mib(totalBundleBytes / extensionCount)} bundle each), ${clients} clients. On this machine the fleet shares ` +
    'the same cores: the figures show routing and locality, not a speed-up from more Runners.',
);
console.log('\n1. first call after install, through the gateway');
spread('   no prewarm (installed through API B)', coldFirst);
spread('   prewarm (installed through API A, called once warm)', warmFirst);
spread('   (install answered -> API A counts it warmed)', prewarmWait);
console.log(
  `   prewarm / no prewarm p50 = ${(percentile(warmFirst, 50) / percentile(coldFirst, 50)).toFixed(3)}x; ` +
    `API A asked ${prewarmsAsked} prewarms, warmed ${await warmed()}`,
);
console.log(`\n2. load: ${calls} calls, ${clients} clients, both APIs in turn`);
console.log(
  `   ${(calls / loadSeconds).toFixed(0)} calls/s; p50 ${ms(percentile(latencies, 50))}  p95 ${ms(percentile(latencies, 95))}  ` +
    `p99 ${ms(percentile(latencies, 99))}; statuses ${[...statuses].map(([status, count]) => `${count}x ${status}`).join(', ')}`,
);
console.log(
  '   Runner  owns  calls served  S3 fetched   cache hits/misses  local hit rate  cache on disk  per bundle  RSS',
);
states.forEach((state, i) => {
  const local = state.served > 0 ? 1 - state.misses / state.served : 0;
  console.log(
    `   r${i}      ${String(owned[i]).padStart(4)}  ${String(state.served).padStart(12)}  ${mib(state.fetched).padStart(10)}  ` +
      `${`${state.hits}/${state.misses}`.padStart(17)}  ${`${(local * 100).toFixed(1)}%`.padStart(14)}  ` +
      `${mib(state.cacheBytes).padStart(13)}  ${mib(state.misses ? state.cacheBytes / state.misses : 0).padStart(10)}  ${mib(state.rss)}`,
  );
});
console.log(
  '   (hits/misses count bundle lookups; a call on a component compiled in memory makes none. Local hit rate: ' +
    '1 - misses / calls served; a prewarm is a miss too.)',
);
console.log(`   API RSS: ${apiRss.map(mib).join(', ')}; a new Runner's RSS before any call: ${mib(idleRunnerRss)}`);
console.log('\n3. S3 bytes fetched against the bundles published');
console.log(
  `   routed by content hash: ${mib(routedFetched)} of ${mib(totalBundleBytes)} = ${(routedFetched / totalBundleBytes).toFixed(2)}x`,
);
console.log(
  `   baseline, every Runner sent every extension: ${mib(everywhereFetched)} = ${(everywhereFetched / totalBundleBytes).toFixed(2)}x ` +
    `(routed / baseline = ${(routedFetched / everywhereFetched).toFixed(3)}x)`,
);
console.log("\n4. a new Runner's first call of a bundle the fleet already transpiled (signed execute, straight to it)");
spread('   without the artifact key: transpiles (baseline)', newTranspile);
spread('   with the shared precompiled artifact', newShared);
console.log(`   shared / transpile p50 = ${(percentile(newShared, 50) / percentile(newTranspile, 50)).toFixed(3)}x`);
console.log(`\nload ${load()} at the end`);

agent.destroy();
await stack.close();
