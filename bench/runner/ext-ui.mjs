// Static throughput of the Runner's ext-ui route next to express.static serving the same files, in one
// process, with one HTTP client (keep-alive, fixed concurrency), alternating rounds; prints the ratio.
// Needs the local PostgreSQL (the published-version check is real) and a build of the server
// (npm run build:server); the bundle store is the fs driver, since only the first request reaches it.
//   node bench/runner/ext-ui.mjs [seconds per round=4] [concurrency=16] [rounds=3]
//   LOG_LEVEL=info node bench/runner/ext-ui.mjs ...   (request logging written to stdout, like production)
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pg from 'pg';
import { createRootLogger, listen } from '@extplat/server-core';
import { createBundleStore, KeyPolicy } from '@extplat/storage';
import { bundleOf, manifestFor, validEntries } from '@extplat/testing';
import { migrateDatabase } from '../../apps/api/dist/database/migrate.js';
import { createRunnerApp } from '../../apps/runner/dist/app.js';
import { loadRunnerConfig } from '../../apps/runner/dist/config/runner-config.js';

const seconds = Number(process.argv[2] ?? 4);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const run = Date.now().toString(36);
const database = `extplat_bench_${run}`;
const scratch = mkdtempSync(join(tmpdir(), 'extplat-bench-ext-ui-'));

// A typical small UI: page, module script, stylesheet, image.
const uiFiles = {
  'ui/index.html': '<!doctype html><title>Bench</title><script type="module" src="app.js"></script>'.padEnd(1200, ' '),
  'ui/app.js': `export const data = ${JSON.stringify(randomBytes(6 * 1024).toString('base64'))};`,
  'ui/style.css': 'body { margin: 0 }\n'.repeat(200),
  'ui/logo.png': randomBytes(24 * 1024),
};
const bytes = bundleOf([
  ...validEntries({ name: 'com.example.bench' }).filter((entry) => entry.name !== 'ui/index.html'),
  ...Object.entries(uiFiles).map(([name, data]) => ({ name, data })),
]);
const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const storeRoot = join(scratch, 'store');
const cacheDir = join(scratch, 'cache');
await createBundleStore({ driver: 'fs', fs: { root: storeRoot } }).put(
  new KeyPolicy().canonical(contentHash, 'bundle.tar.zst'),
  bytes,
);

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/${database}`;
await migrateDatabase(databaseUrl.toString());
const db = new pg.Client({ connectionString: databaseUrl.toString() });
await db.connect();
const manifest = manifestFor({ name: 'com.example.bench' });
const { rows } = await db.query(`INSERT INTO extensions (name, publisher) VALUES ($1, 'example') RETURNING id`, [
  manifest.name,
]);
await db.query(
  `INSERT INTO extension_versions (extension_id, version, content_hash, size, unpacked_size, runtime, entry, ui,
     api_endpoints, capabilities, egress, manifest, publisher, signature_status, signature, published_by)
   VALUES ($1, '1.0.0', $2, $3, 0, 'wasm-component@1', 'dist/main.wasm', $4, '[]', '[]', '[]', $5, 'example',
     'not-checked', '{}', 'bench')`,
  [rows[0].id, contentHash, bytes.length, JSON.stringify(manifest.ui), JSON.stringify(manifest)],
);
await db.end();

const config = loadRunnerConfig({
  DATABASE_URL: databaseUrl.toString(),
  STORAGE_DRIVER: 'fs',
  STORAGE_FS_ROOT: storeRoot,
  SIGNING_POLICY: 'off',
  RUNNER_SHARED_SECRET: 'b'.repeat(32),
  RUNNER_PORT: '0',
  RUNNER_CACHE_DIR: cacheDir,
});
const app = await createRunnerApp(
  config,
  createRootLogger({ level: process.env.LOG_LEVEL ?? 'warn', service: 'runner' }),
);
const runnerBase = new URL(await listen(app, config.http));

// The baseline serves the very files the Runner unpacked into its cache.
const uiDir = join(cacheDir, contentHash.slice('sha256:'.length), 'files', 'ui');
const baseline = express();
baseline.disable('x-powered-by');
baseline.use('/static', express.static(uiDir));
const baselineServer = baseline.listen(0, '127.0.0.1');
await new Promise((resolve) => baselineServer.once('listening', resolve));
const baselineBase = new URL(`http://127.0.0.1:${baselineServer.address().port}`);

const names = Object.keys(uiFiles).map((name) => name.slice('ui/'.length));
const targets = {
  'ext-ui': { url: runnerBase, paths: names.map((name) => `/ext-ui/com.example.bench/${contentHash}/${name}`) },
  'express.static': { url: baselineBase, paths: names.map((name) => `/static/${name}`) },
};

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
function get(url, path) {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, path, agent }, (response) => {
      let length = 0;
      response.on('data', (chunk) => (length += chunk.length));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(length) : reject(new Error(`${path}: ${response.statusCode}`)),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function measure(target) {
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  let received = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < deadline; i++) {
        received += await get(target.url, target.paths[i % target.paths.length]);
        requests += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { rps: requests / elapsed, mibps: received / elapsed / 1024 / 1024 };
}

// Warm-up: the Runner fetches and unpacks the bundle on its first request; both servers JIT.
for (const target of Object.values(targets)) {
  for (const path of target.paths) await get(target.url, path);
}
const results = { 'ext-ui': [], 'express.static': [] };
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so neither always gets the warmer machine.
  const order = round % 2 === 0 ? ['ext-ui', 'express.static'] : ['express.static', 'ext-ui'];
  for (const name of order) results[name].push(await measure(targets[name]));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `${names.length} files (${Object.values(uiFiles)
    .map((data) => data.length)
    .join(', ')} bytes), ${concurrency} concurrent keep-alive requests, ${rounds} rounds of ${seconds} s, ` +
    `log level ${process.env.LOG_LEVEL ?? 'warn'}`,
);
for (const [name, samples] of Object.entries(results)) {
  console.log(
    `${name.padEnd(15)} ${samples.map((s) => s.rps.toFixed(0).padStart(6)).join(' ')} req/s   median ${median(
      samples.map((s) => s.rps),
    ).toFixed(0)} req/s`,
  );
}
// Other load on the machine moves both numbers: the ratio of each round's pair is the steadier figure.
const ratios = results['ext-ui'].map((sample, i) => sample.rps / results['express.static'][i].rps);
console.log(`ratio per round ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
console.log(`ratio ext-ui / express.static = ${median(ratios).toFixed(2)} (median of rounds; target >= 0.80)`);

agent.destroy();
await app.close();
await new Promise((resolve) => baselineServer.close(resolve));
await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
await admin.end();
rmSync(scratch, { recursive: true, force: true });
