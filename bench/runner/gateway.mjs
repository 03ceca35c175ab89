// Extension calls through gateway -> Runner, next to a plain API route, in one script:
//   warm:  GET /api/ext/{id}/greeting (the template's handler) vs GET /api/auth/me (an authenticated API
//          route answering a small JSON document) with the same client, token and concurrency
//   cold:  the first call of a newly published version, split into the phases the Runner logs
// The API and the Runner run as their own processes (apps/*/dist/main.js), as in production, on the local
// PostgreSQL and S3 (scripts/s3-rgw.sh start) after a build (npm run build:server).
// Besides wall-clock figures it reports the CPU time each server process spent per request (user + system,
// worker threads included, from /proc): on a machine shared with other work that figure moves much less
// than latency and throughput do.
//   node bench/runner/gateway.mjs [requests=3000] [concurrency=8] [coldVersions=3]
// BENCH_REDIS_URL=redis://127.0.0.1:6379 puts the limits and the replay cache in Redis, as with several
// replicas; BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles both servers.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createDevCa, issuePublisherCertificate, signBundle } from '@extplat/signing';
import { buildTestComponent, bundleOf, startService } from '@extplat/testing';
import { templateManifest } from '../../apps/cli/dist/commands/init.js';
import { benchServices } from '../bench-env.mjs';

const requests = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 8);
const coldVersions = Number(process.argv[4] ?? 3);
const root = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const services = await benchServices();
const { run } = services;

const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
const publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
const shared = {
  ...services.env,
  SIGNING_TRUST_BUNDLE: ca.certificatePem,
  RUNNER_SHARED_SECRET: 'r'.repeat(32),
  LOG_LEVEL: 'warn',
  // e.g. BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile both servers
  ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
};
const cacheDir = `/tmp/extplat-bench-cache-${run}`;
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
  RUNNER_PORT: String(runnerPort),
  RUNNER_CACHE_DIR: cacheDir,
  LOG_LEVEL: 'info',
});
const base = apiService.url;

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
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
    body:
      json === undefined
        ? undefined
        : typeof json === 'string' || json instanceof Uint8Array
          ? json
          : JSON.stringify(json),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const login = async (email, password) => (await api('POST', '/api/auth/login', null, { email, password })).accessToken;
const adminToken = await login('bench@example.test', 'bench-password-123');
const tenant = await api('POST', '/api/tenants', adminToken, { slug: 'bench', name: 'Bench' });
for (const [email, role] of [
  ['tenant-admin@bench.test', 'tenant-admin'],
  ['member@bench.test', 'member'],
]) {
  await api('POST', '/api/users', adminToken, { email, password: 'a long enough password', role, tenantId: tenant.id });
}
const tenantAdmin = await login('tenant-admin@bench.test', 'a long enough password');
const member = await login('member@bench.test', 'a long enough password');

// The template extension, built once (cached by buildTestComponent).
const component = readFileSync(await buildTestComponent(root('apps/cli/template/src/handler.js')));
const ui = (name) => readFileSync(root(`apps/cli/template/ui/${name}`));
function bundle(version) {
  const manifest = { ...templateManifest('com.example.bench', 'example', 'Bench'), version };
  const bytes = bundleOf([
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    ...['app.js', 'index.html', 'style.css'].map((name) => ({ name: `ui/${name}`, data: ui(name) })),
  ]);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const envelope = signBundle({
    contentHash,
    privateKeyPem: publisher.keyPem,
    certificatesPem: publisher.certificatePem,
  });
  return { bytes, contentHash, signature: JSON.stringify(envelope) };
}
async function publish(version) {
  const b = bundle(version);
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
  return b;
}

const grant = { capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'], egress: [] };
await publish('1.0.0');
const install = await api('POST', '/api/installs', tenantAdmin, {
  extensionId: 'com.example.bench',
  version: '1.0.0',
  grant,
  config: { greeting: 'Hi' },
  enabled: true,
});

/** CPU milliseconds (user + system, all threads) the process has used so far; undefined off Linux. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
const servers = [apiService, runnerService];
const cpuNow = () => servers.map((service) => cpuMs(service.child.pid));

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function measure(path) {
  const latencies = [];
  for (let i = 0; i < requests; i++) {
    const { status, ms } = await get(path, member);
    if (status !== 200) throw new Error(`${path} answered ${status}`);
    latencies.push(ms);
  }
  latencies.sort((a, b) => a - b);
  const cpuBefore = cpuNow();
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < requests) {
        done++;
        await get(path, member);
      }
    }),
  );
  const rps = requests / ((performance.now() - started) / 1000);
  const cpu = cpuNow().map((after, index) =>
    after === undefined || cpuBefore[index] === undefined ? undefined : (after - cpuBefore[index]) / requests,
  );
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), rps, cpu };
}

// Warm both paths (JIT, connection pools, the warm instance) before measuring.
for (let i = 0; i < 300; i++) {
  await get('/api/ext/com.example.bench/greeting', member);
  await get('/api/auth/me', member);
}
const baseline = await measure('/api/auth/me');
const gateway = await measure('/api/ext/com.example.bench/greeting');
const baseline2 = await measure('/api/auth/me');

console.log(`warm, ${requests} sequential requests for latency, then ${requests} at concurrency ${concurrency}`);
const ms = (value) => (value === undefined ? '   n/a' : value.toFixed(2).padStart(6));
const row = (name, r) =>
  console.log(
    `${name.padEnd(34)} p50 ${ms(r.p50)} ms   p95 ${ms(r.p95)} ms   p99 ${ms(r.p99)} ms   ${r.rps.toFixed(0).padStart(6)} req/s` +
      `   CPU per request: API ${ms(r.cpu[0])} ms, Runner ${ms(r.cpu[1])} ms`,
  );
row('GET /api/auth/me (plain API route)', baseline);
row('GET /api/ext/.../greeting', gateway);
row('GET /api/auth/me (again)', baseline2);
const mid = { p50: (baseline.p50 + baseline2.p50) / 2, rps: (baseline.rps + baseline2.rps) / 2 };
console.log(
  `gateway -> Runner vs plain route: p50 ${(gateway.p50 / mid.p50).toFixed(2)}x latency, ${(gateway.rps / mid.rps).toFixed(2)}x throughput`,
);
if (gateway.cpu[0] !== undefined && baseline.cpu[0] !== undefined) {
  const apiCpu = (baseline.cpu[0] + baseline2.cpu[0]) / 2;
  console.log(
    `CPU per request, gateway call vs plain route: API ${(gateway.cpu[0] / apiCpu).toFixed(2)}x, API + Runner ${((gateway.cpu[0] + gateway.cpu[1]) / apiCpu).toFixed(2)}x`,
  );
}

// Cold starts: every new version is fetched, verified, unpacked, transpiled, compiled and instantiated.
const colds = [];
for (let i = 0; i < coldVersions; i++) {
  const version = `1.${i + 1}.0`;
  const published = await publish(version);
  await api('PUT', `/api/installs/${install.id}/version`, tenantAdmin, { version, grant });
  await new Promise((resolve) => setTimeout(resolve, 2100)); // the gateway's resolution cache (2 s)
  const { status, ms } = await get('/api/ext/com.example.bench/greeting', member);
  if (status !== 200) throw new Error(`cold call answered ${status}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const line = runnerService.logs.find(
    (entry) => entry.msg === 'cold start' && entry.contentHash === published.contentHash,
  );
  colds.push({ version, endToEndMs: ms, ...line });
}
console.log(
  `\ncold start of a newly published version (${(bundle('9.9.9').bytes.length / 1024 / 1024).toFixed(1)} MiB bundle), from the Runner's log:`,
);
for (const c of colds) {
  console.log(
    `${c.version}: end to end ${c.endToEndMs.toFixed(0)} ms; Runner ${c.totalMs} ms = fetch ${c.fetchMs} + verify ${c.verifyMs} + unpack ${c.unpackMs} ` +
      `+ transpile ${c.transpileMs} + compile ${c.compileMs} + instantiate ${c.instantiateMs} + call ${c.callMs} ms`,
  );
}

agent.destroy();
await runnerService.stop();
rmSync(cacheDir, { recursive: true, force: true });
await apiService.stop();
await services.close();
