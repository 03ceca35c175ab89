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
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { benchStack, freePort, templateEntries } from '../bench-stack.mjs';

const requests = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 8);
const coldVersions = Number(process.argv[4] ?? 3);
const stack = await benchStack({
  name: 'gateway',
  sharedEnv: {
    ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
  },
});
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

/**
 * CPU milliseconds so far by kind of thread: the event loop (`MainThread`), worker_threads (`WorkerThread`:
 * the Runner's sandbox and transpile workers), V8's helpers (`V8Worker`: garbage collection, compilation)
 * and the rest (libuv's pool, ...). Threads that ended before are not counted, so take it over a phase.
 */
function cpuByThread(pid) {
  const byKind = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = ['MainThread', 'WorkerThread', 'V8Worker'].includes(name) ? name : 'other';
      byKind[kind] = (byKind[kind] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    }
  } catch {
    // A thread that ended between listing and reading, or not Linux: the figure is then partial.
  }
  return byKind;
}
const threadsNow = () => servers.map((service) => cpuByThread(service.child.pid));

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
  const threadsBefore = threadsNow();
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
  const threads = threadsNow().map((after, index) =>
    Object.fromEntries(
      Object.entries(after).map(([kind, ms]) => [kind, (ms - (threadsBefore[index][kind] ?? 0)) / requests]),
    ),
  );
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    rps,
    cpu,
    threads,
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
const byThread = (threads) =>
  Object.entries(threads)
    .filter(([, ms]) => ms >= 0.005)
    .map(([kind, ms]) => `${kind} ${ms.toFixed(2)}`)
    .join(', ');
console.log(
  `gateway call CPU per request by thread (ms): API ${byThread(gateway.threads[0])}; Runner ${byThread(gateway.threads[1])}`,
);
console.log(`plain route CPU per request by thread (ms): API ${byThread(baseline2.threads[0])}`);
if (gateway.cpu[0] !== undefined && baseline.cpu[0] !== undefined && baseline2.cpu[0] !== undefined) {
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
