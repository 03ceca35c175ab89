// Extension calls through gateway -> Runner, next to a plain API route, in one script:
//   warm:  GET /api/ext/{id}/greeting (the template's handler) vs GET /api/auth/me (an authenticated API
//          route answering a small JSON document) with the same client, token and concurrency
//   cold:  the first call of a newly published version, split into the phases the Runner logs
// The API and the Runner run as their own processes (apps/*/dist/main.js), as in production, on the local
// PostgreSQL and S3 (scripts/s3-rgw.sh start) after a build (npm run build:server).
//   node bench/runner/gateway.mjs [requests=3000] [concurrency=8] [coldVersions=3]
import { Agent, request } from 'node:http';
import { benchStack, freePort, templateEntries } from '../bench-stack.mjs';

const requests = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 8);
const coldVersions = Number(process.argv[4] ?? 3);
const stack = await benchStack({ name: 'gateway' });
const runnerPort = await freePort();
// Prewarm off: the cold phase measures a first call that loads the bundle itself (first-call.mjs compares).
const apiService = await stack.startApi({
  RUNNER_BASE_URL: `http://127.0.0.1:${runnerPort}`,
  RUNNER_PREWARM_TIMEOUT_MS: '0',
});
const runnerService = await stack.startRunner('main', { RUNNER_PORT: String(runnerPort) });
const base = apiService.url;
const { api, publish: publishEntries, signInAdmin, user } = stack.client(base);

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
const adminToken = await signInAdmin();
const { tenantId, token: tenantAdmin } = await user(adminToken, 'bench', 'tenant-admin');
const { token: member } = await user(adminToken, 'bench', 'member', tenantId);
const publish = async (version) => publishEntries(adminToken, await templateEntries('com.example.bench', version));

const grant = { capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'], egress: [] };
const { bytes: bundleBytes } = await publish('1.0.0');
const install = await api('POST', '/api/installs', tenantAdmin, {
  extensionId: 'com.example.bench',
  version: '1.0.0',
  grant,
  config: { greeting: 'Hi' },
  enabled: true,
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function measure(path) {
  const latencies = [];
  for (let i = 0; i < requests; i++) {
    const { status, ms } = await get(path, member);
    if (status !== 200) throw new Error(`${path} answered ${status}`);
    latencies.push(ms);
  }
  latencies.sort((a, b) => a - b);
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
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: requests / ((performance.now() - started) / 1000),
  };
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
const row = (name, r) =>
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   ${r.rps.toFixed(0).padStart(6)} req/s`,
  );
row('GET /api/auth/me (plain API route)', baseline);
row('GET /api/ext/.../greeting', gateway);
row('GET /api/auth/me (again)', baseline2);
const mid = { p50: (baseline.p50 + baseline2.p50) / 2, rps: (baseline.rps + baseline2.rps) / 2 };
console.log(
  `gateway -> Runner vs plain route: p50 ${(gateway.p50 / mid.p50).toFixed(2)}x latency, ${(gateway.rps / mid.rps).toFixed(2)}x throughput`,
);

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
  `\ncold start of a newly published version (${(bundleBytes / 1024 / 1024).toFixed(1)} MiB bundle), from the Runner's log:`,
);
for (const c of colds) {
  console.log(
    `${c.version}: end to end ${c.endToEndMs.toFixed(0)} ms; Runner ${c.totalMs} ms = fetch ${c.fetchMs} + verify ${c.verifyMs} + unpack ${c.unpackMs} ` +
      `+ transpile ${c.transpileMs} + compile ${c.compileMs} + instantiate ${c.instantiateMs} + call ${c.callMs} ms`,
  );
}

agent.destroy();
await stack.close();
