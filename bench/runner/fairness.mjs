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
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createDevCa, issuePublisherCertificate, signBundle } from '@extplat/signing';
import { buildTestComponent, bundleOf, manifestFor, startService } from '@extplat/testing';
import { templateManifest } from '../../apps/cli/dist/commands/init.js';
import { benchServices } from '../bench-env.mjs';

const requests = Number(process.argv[2] ?? 200);
const slowCalls = Number(process.argv[3] ?? 8);
const upstreamDelayMs = Number(process.argv[4] ?? 3000);
const root = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const services = await benchServices();
const { run } = services;

// The slow upstream of the egress phase.
const upstream = createServer((_req, res) => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('slow'), upstreamDelayMs);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamOrigin = `http://127.0.0.1:${upstream.address().port}`;

const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
const publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
const shared = {
  ...services.env,
  SIGNING_TRUST_BUNDLE: ca.certificatePem,
  RUNNER_SHARED_SECRET: 'r'.repeat(32),
  EXT_EGRESS_ALLOWLIST: upstreamOrigin,
  LOG_LEVEL: 'warn',
};
const runnerSettings = Object.fromEntries(
  ['RUNNER_WORKERS', 'RUNNER_TENANT_CONCURRENCY', 'RUNNER_TENANT_QUEUE_MAX', 'RUNNER_QUEUE_TIMEOUT_MS']
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]]),
);
const runnerPort = 20000 + Math.floor(Math.random() * 20000);
const apiService = await startService(root('apps/api/dist/main.js'), {
  ...shared,
  API_PORT: '0',
  RUNNER_BASE_URL: `http://127.0.0.1:${runnerPort}`,
  EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
  AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
  BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
  BOOTSTRAP_ADMIN_PASSWORD: 'bench-password-123',
  EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
  LOG_LEVEL: 'info',
});
const runnerService = await startService(root('apps/runner/dist/main.js'), {
  ...shared,
  ...runnerSettings,
  RUNNER_PORT: String(runnerPort),
  RUNNER_CACHE_DIR: `/tmp/extplat-bench-cache-${run}`,
  EXT_EGRESS_ALLOW_PRIVATE: upstreamOrigin,
  LOG_LEVEL: 'info',
});
const base = apiService.url;

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
async function api(method, path, token, json) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const login = async (email, password) => (await api('POST', '/api/auth/login', null, { email, password })).accessToken;
const adminToken = await login('bench@example.test', 'bench-password-123');

function bundle(entries) {
  const bytes = bundleOf(entries);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const envelope = signBundle({
    contentHash,
    privateKeyPem: publisher.keyPem,
    certificatesPem: publisher.certificatePem,
  });
  return { bytes, signature: JSON.stringify(envelope) };
}
async function publish(b) {
  const initiated = await api('POST', '/api/ext-bundles/initiate-upload', adminToken, {
    filename: 'bundle.tar.zst',
    size: b.bytes.length,
    preferredStrategy: 'proxy',
  });
  for (let part = 1; part <= initiated.partCount; part++) {
    const slice = b.bytes.subarray((part - 1) * initiated.partSize, part * initiated.partSize);
    await fetch(`${base}/api/ext-bundles/upload-proxy?uploadId=${initiated.uploadId}&partNumber=${part}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
      body: slice,
    });
  }
  await api('POST', '/api/ext-bundles/finalize', adminToken, { uploadId: initiated.uploadId, signature: b.signature });
}

// Tenant B's extension: the template (GET /greeting). Tenant A's: the probe guest (/loop, /fetch).
const [templateWasm, probeWasm] = await Promise.all([
  buildTestComponent(root('apps/cli/template/src/handler.js')),
  buildTestComponent(root('apps/runner/test/guests/probe.js')),
]);
const ui = (name) => readFileSync(root(`apps/cli/template/ui/${name}`));
await publish(
  bundle([
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: readFileSync(templateWasm) },
    {
      name: 'manifest.json',
      data: JSON.stringify({ ...templateManifest('com.example.greeter', 'example', 'Greeter'), version: '1.0.0' }),
    },
    { name: 'ui', type: 'directory' },
    ...['app.js', 'index.html', 'style.css'].map((name) => ({ name: `ui/${name}`, data: ui(name) })),
  ]),
);
await publish(
  bundle([
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
  ]),
);

async function tenantWith(slug, install) {
  const tenant = await api('POST', '/api/tenants', adminToken, { slug, name: slug });
  const email = `admin@${slug}.test`;
  await api('POST', '/api/users', adminToken, {
    email,
    password: 'a long enough password',
    role: 'tenant-admin',
    tenantId: tenant.id,
  });
  const token = await login(email, 'a long enough password');
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
await runnerService.stop();
await apiService.stop();
await services.close();
