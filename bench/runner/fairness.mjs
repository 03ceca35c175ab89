// One tenant's slow calls against another tenant's quick ones, through gateway -> Runner:
//   alone:  tenant B calls GET /api/ext/{template}/greeting one after the other
//   cpu:    the same while tenant A keeps `slowCalls` calls of the probe's /loop in flight (each burns the
//           whole execution deadline, then answers 504)
//   egress: the same while tenant A keeps `slowCalls` calls of the probe's /fetch in flight, each waiting
//           on an upstream that answers after `upstreamDelayMs`
// It prints B's p50 / p99 / max and its statuses in each phase, B's p99 next to B alone, and what A got.
// The API and the Runner run as their own processes (apps/*/dist/main.js) on the local PostgreSQL and S3
// (scripts/s3-rgw.sh start), after a build (npm run build:server). RUNNER_WORKERS,
// RUNNER_TENANT_CONCURRENCY, RUNNER_TENANT_QUEUE_MAX and RUNNER_QUEUE_TIMEOUT_MS from the environment go
// to the Runner, to compare settings (e.g. RUNNER_WORKERS=1).
//   node bench/runner/fairness.mjs [requests=200] [slowCalls=8] [upstreamDelayMs=3000]
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { buildTestComponent, manifestFor } from '@extplat/testing';
import { benchStack, freePort, root, templateEntries } from '../bench-stack.mjs';

const requests = Number(process.argv[2] ?? 200);
const slowCalls = Number(process.argv[3] ?? 8);
const upstreamDelayMs = Number(process.argv[4] ?? 3000);

// The slow upstream of the egress phase.
const upstream = createServer((_req, res) => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('slow'), upstreamDelayMs);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamOrigin = `http://127.0.0.1:${upstream.address().port}`;

const stack = await benchStack({ name: 'fairness', sharedEnv: { EXT_EGRESS_ALLOWLIST: upstreamOrigin } });
const runnerSettings = Object.fromEntries(
  ['RUNNER_WORKERS', 'RUNNER_TENANT_CONCURRENCY', 'RUNNER_TENANT_QUEUE_MAX', 'RUNNER_QUEUE_TIMEOUT_MS']
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]]),
);
const runnerPort = await freePort();
const apiService = await stack.startApi({ RUNNER_BASE_URL: `http://127.0.0.1:${runnerPort}` });
await stack.startRunner('main', {
  ...runnerSettings,
  RUNNER_PORT: String(runnerPort),
  EXT_EGRESS_ALLOW_PRIVATE: upstreamOrigin,
});
const base = apiService.url;
const { api, publish: publishEntries, signInAdmin, user } = stack.client(base);

const agent = new Agent({ keepAlive: true, maxSockets: slowCalls + 4 });
function get(path, token) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${base}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}
const adminToken = await signInAdmin();

// Tenant B's extension: the template (GET /greeting). Tenant A's: the probe guest (/loop, /fetch).
await publishEntries(adminToken, await templateEntries('com.example.greeter', '1.0.0', 'Greeter'));
const probeWasm = await buildTestComponent(root('apps/runner/test/guests/probe.js'));
await publishEntries(adminToken, [
  { name: 'dist', type: 'directory' },
  { name: 'dist/main.wasm', data: readFileSync(probeWasm) },
  {
    name: 'manifest.json',
    data: JSON.stringify(
      manifestFor({
        name: 'com.example.slow',
        displayName: 'Slow',
        capabilities: ['cap:http.fetch'],
        egress: [upstreamOrigin],
        api: {
          endpoints: [
            { method: 'GET', path: '/loop', handler: 'loop' },
            { method: 'GET', path: '/fetch', handler: 'fetch' },
          ],
        },
      }),
    ),
  },
  { name: 'ui', type: 'directory' },
  { name: 'ui/index.html', data: '<!doctype html><title>slow</title>' },
]);

async function tenantWith(slug, install) {
  const { token } = await user(adminToken, slug, 'tenant-admin');
  await api('POST', '/api/installs', token, { ...install, enabled: true });
  return token;
}
const tenantB = await tenantWith('tenant-b', {
  extensionId: 'com.example.greeter',
  version: '1.0.0',
  grant: { capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'], egress: [] },
  config: { greeting: 'Hi' },
});
const tenantA = await tenantWith('tenant-a', {
  extensionId: 'com.example.slow',
  version: '1.0.0',
  grant: { capabilities: ['cap:http.fetch'], egress: [upstreamOrigin] },
});

const greeting = '/api/ext/com.example.greeter/greeting';
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const tally = (statuses) =>
  Object.entries(statuses.reduce((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {}))
    .map(([status, count]) => `${count}x${status}`)
    .join(' ');

/** B's sequential calls, while `load` (if any) keeps tenant A's slow calls in flight. */
async function phase(slowPath) {
  let stop = false;
  const aStatuses = [];
  const load = slowPath
    ? Array.from({ length: slowCalls }, async () => {
        while (!stop) aStatuses.push((await get(slowPath, tenantA)).status);
      })
    : [];
  // Let A fill the workers and the queue before B starts.
  if (slowPath) await new Promise((resolve) => setTimeout(resolve, 500));
  const latencies = [];
  const statuses = [];
  for (let i = 0; i < requests; i++) {
    const { status, ms } = await get(greeting, tenantB);
    latencies.push(ms);
    statuses.push(status);
  }
  stop = true;
  await Promise.all(load);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    statuses: tally(statuses),
    aStatuses: tally(aStatuses),
  };
}

// Warm B's path (JIT, connections, the warm instance) and load A's component before measuring.
for (let i = 0; i < 100; i++) await get(greeting, tenantB);
await get(`/api/ext/com.example.slow/fetch?url=${encodeURIComponent(upstreamOrigin)}`, tenantA);

const alone = await phase(null);
const cpu = await phase('/api/ext/com.example.slow/loop');
const egress = await phase(`/api/ext/com.example.slow/fetch?url=${encodeURIComponent(upstreamOrigin)}`);

const settings = Object.entries(runnerSettings).map(([name, value]) => `${name}=${value}`);
console.log(
  `${availableParallelism()} cores; Runner ${settings.length ? settings.join(' ') : 'defaults'}; B: ${requests} sequential ` +
    `GET .../greeting per phase; A: ${slowCalls} slow calls in flight (deadline EXT_EXECUTION_TIMEOUT_MS = 5000 ms, upstream ${upstreamDelayMs} ms)`,
);
const row = (name, r) =>
  console.log(
    `${name.padEnd(28)} B p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  max ${r.max
      .toFixed(1)
      .padStart(
        7,
      )} ms  p99/alone ${(r.p99 / alone.p99).toFixed(2).padStart(5)}x  B: ${r.statuses}${r.aStatuses ? `  A: ${r.aStatuses}` : ''}`,
  );
row('B alone', alone);
row('A burning CPU (/loop)', cpu);
row('A waiting on egress (/fetch)', egress);

agent.destroy();
upstream.close();
await stack.close();
