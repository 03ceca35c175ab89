// The first call of a newly installed version, with and without prewarm, and a NEW Runner's first call
// with and without a shared precompiled artifact, in one script with its baselines:
//   A. install -> first call. Baseline: a new version is published and called at once (the Runner fetches,
//      verifies, unpacks, transpiles, compiles). Prewarm: the install is switched to the new version through
//      the API, which asks the Runner to prewarm it; once the Runner reports it warm, the first call.
//   B. a new Runner's first call of a bundle another Runner already transpiled: one Runner with
//      RUNNER_ARTIFACT_KEY (loads the shared artifact) against one without (transpiles).
// Every first call is a signed POST /v1/execute straight to a Runner, timed by this script, so both sides
// of each ratio pay the same transport; one gateway call after a prewarm is shown too. The API and the
// Runners run as their own processes (apps/*/dist/main.js) on the local PostgreSQL and S3
// (scripts/s3-rgw.sh start), after npm run build:server.
//   node bench/runner/first-call.mjs [versions=5]
// Target (issue 14): first call after install p50 < 300 ms, against ~1.2 s without prewarm.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signRunnerRequest } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, signBundle } from '@extplat/signing';
import { buildTestComponent, bundleOf, startService } from '@extplat/testing';
import { templateManifest } from '../../apps/cli/dist/commands/init.js';
import { benchServices } from '../bench-env.mjs';

const versions = Number(process.argv[2] ?? 5);
const root = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const services = await benchServices();
const { run } = services;
const SHARED_SECRET = 'r'.repeat(32);
const ARTIFACT_KEY = randomBytes(48).toString('base64');

const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
const publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
const shared = {
  ...services.env,
  SIGNING_TRUST_BUNDLE: ca.certificatePem,
  RUNNER_SHARED_SECRET: SHARED_SECRET,
  // startService waits for the info-level "listening" line.
  LOG_LEVEL: 'info',
};
// Generous: on a machine shared with other work a boot can take far longer than usual.
const BOOT_TIMEOUT_MS = 180_000;
const started = [];
const cacheDirs = [];
const cacheDir = (name) => {
  const dir = `/tmp/extplat-bench-first-call-${run}-${name}`;
  cacheDirs.push(dir);
  return dir;
};
async function runner(name, env = {}) {
  const service = await startService(
    root('apps/runner/dist/main.js'),
    {
      ...shared,
      RUNNER_PORT: '0',
      RUNNER_CACHE_DIR: cacheDir(name),
      ...env,
    },
    BOOT_TIMEOUT_MS,
  );
  started.push(service);
  return service;
}
// The API migrates the database: it starts first, told where the main Runner will listen.
const mainPort = 20000 + Math.floor(Math.random() * 20000);
const apiService = await startService(
  root('apps/api/dist/main.js'),
  {
    ...shared,
    API_PORT: '0',
    RUNNER_BASE_URL: `http://127.0.0.1:${mainPort}`,
    EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
    BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
    BOOTSTRAP_ADMIN_PASSWORD: 'bench-password-123',
    DATABASE_MIGRATIONS_RUN: 'true',
  },
  BOOT_TIMEOUT_MS,
);
started.push(apiService);
const main = await runner('main', { RUNNER_PORT: String(mainPort), RUNNER_ARTIFACT_KEY: ARTIFACT_KEY });
const base = apiService.url;

async function api(method, path, token, json) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const login = async (email, password) => (await api('POST', '/api/auth/login', null, { email, password })).accessToken;
const admin = await login('bench@example.test', 'bench-password-123');
const tenant = await api('POST', '/api/tenants', admin, { slug: 'bench', name: 'Bench' });
await api('POST', '/api/users', admin, {
  email: 'member@bench.test',
  password: 'a long enough password',
  role: 'member',
  tenantId: tenant.id,
});
const member = await login('member@bench.test', 'a long enough password');

const component = readFileSync(await buildTestComponent(root('apps/cli/template/src/handler.js')));
const ui = (name) => readFileSync(root(`apps/cli/template/ui/${name}`));
async function publish(version) {
  const manifest = { ...templateManifest('com.example.first', 'example', 'First call'), version };
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
  const initiated = await api('POST', '/api/ext-bundles/initiate-upload', admin, {
    filename: 'bundle.tar.zst',
    size: bytes.length,
    preferredStrategy: 'proxy',
  });
  for (let part = 1; part <= initiated.partCount; part++) {
    const slice = bytes.subarray((part - 1) * initiated.partSize, part * initiated.partSize);
    const answer = await fetch(
      `${base}/api/ext-bundles/upload-proxy?uploadId=${initiated.uploadId}&partNumber=${part}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
        body: slice,
      },
    );
    if (!answer.ok) throw new Error(`upload part ${part}: ${answer.status}`);
  }
  await api('POST', '/api/ext-bundles/finalize', admin, {
    uploadId: initiated.uploadId,
    signature: JSON.stringify(envelope),
  });
  return { contentHash, bytes: bytes.length };
}

async function signed(service, path, payload) {
  const body = Buffer.from(JSON.stringify(payload));
  const begun = performance.now();
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { ...signRunnerRequest(SHARED_SECRET, body), 'content-type': 'application/json' },
    body,
  });
  const answer = await response.json();
  const ms = performance.now() - begun;
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return { ms, answer };
}
/** The template's GET /greeting as the gateway would send it, first call timed. */
const firstCall = (service, contentHash) =>
  signed(service, '/v1/execute', {
    claims: {
      requestId: randomBytes(8).toString('hex'),
      tenantId: tenant.id,
      installId: 'bench',
      extensionId: 'com.example.first',
      version: 'bench',
      contentHash,
      userId: null,
      handler: 'greeting',
      params: [],
      capabilities: ['cap:log.emit', 'cap:context.read'],
      egress: [],
      config: { greeting: 'Hi' },
      configVersion: 1,
      sealedSecrets: null,
      deadlineMs: 60_000,
    },
    request: { method: 'GET', path: '/greeting', query: [], headers: [], bodyB64: '' },
  }).then(({ ms }) => ms);

async function prewarmsDone(service) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('extplat_runner_prewarms_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
async function until(check, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const grant = { capabilities: ['cap:log.emit', 'cap:context.read'], egress: [] };
const first = await publish('1.0.0');
const install = await api('POST', '/api/installs', admin, {
  tenantId: tenant.id,
  extensionId: 'com.example.first',
  version: '1.0.0',
  grant,
  config: { greeting: 'Hi' },
  enabled: true,
});
await until(async () => (await prewarmsDone(main)) >= 1);
// JIT and connections warm on both paths before anything is measured.
for (let i = 0; i < 20; i++) await firstCall(main, first.contentHash);

const rows = { cold: [], prewarmed: [], gatewayAfterPrewarm: [], prewarmWaitMs: [], newShared: [], newTranspile: [] };
const fresh = await runner('with-artifact', { RUNNER_ARTIFACT_KEY: ARTIFACT_KEY });
const plain = await runner('without-artifact');
for (let i = 0; i < versions; i++) {
  // A, baseline: published, never warmed, called.
  const cold = await publish(`2.${i}.0`);
  rows.cold.push(await firstCall(main, cold.contentHash));
  // A, prewarm: the install moves to the version; the API asks the Runner to warm it.
  const warm = await publish(`3.${i}.0`);
  const before = await prewarmsDone(main);
  const switched = performance.now();
  await api('PUT', `/api/installs/${install.id}/version`, admin, { version: `3.${i}.0`, grant });
  await until(async () => (await prewarmsDone(main)) > before);
  rows.prewarmWaitMs.push(performance.now() - switched);
  rows.prewarmed.push(await firstCall(main, warm.contentHash));
  // B: the main Runner shared this version's artifact while prewarming; two new Runners call it first.
  rows.newShared.push(await firstCall(fresh, warm.contentHash));
  rows.newTranspile.push(await firstCall(plain, warm.contentHash));
}
// One gateway call after a prewarm (the resolution cache holds the old version for up to 2 s).
await new Promise((resolve) => setTimeout(resolve, 2100));
{
  const begun = performance.now();
  const answer = await fetch(`${base}/api/ext/com.example.first/greeting`, {
    headers: { authorization: `Bearer ${member}` },
  });
  await answer.arrayBuffer();
  rows.gatewayAfterPrewarm.push(performance.now() - begun);
}

const p50 = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
const show = (label, values) =>
  console.log(
    `${label.padEnd(58)} p50 ${p50(values).toFixed(0).padStart(6)} ms   [${values.map((v) => v.toFixed(0)).join(', ')}]`,
  );
console.log(`first calls of ${versions} new versions (${(first.bytes / 1024 / 1024).toFixed(1)} MiB bundle each)`);
show('A  baseline: first call, no prewarm', rows.cold);
show('A  first call after install + prewarm', rows.prewarmed);
show('   (install answered -> Runner reports it warm)', rows.prewarmWaitMs);
show('   (a gateway call after a prewarm, end to end)', rows.gatewayAfterPrewarm);
show('B  new Runner, no artifact key: transpiles (baseline)', rows.newTranspile);
show('B  new Runner, shared precompiled artifact', rows.newShared);
console.log(
  `A: prewarmed / cold = ${(p50(rows.prewarmed) / p50(rows.cold)).toFixed(3)}x (target: p50 < 300 ms; ${p50(rows.prewarmed) < 300 ? 'met' : 'NOT met'})`,
);
console.log(`B: shared artifact / transpile = ${(p50(rows.newShared) / p50(rows.newTranspile)).toFixed(3)}x`);

for (const service of started.reverse()) await service.stop();
await services.close();
for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
