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
import { randomBytes } from 'node:crypto';
import { benchStack, executeTemplate, freePort, metric, percentile, templateEntries, until } from '../bench-stack.mjs';

const versions = Number(process.argv[2] ?? 5);
const ARTIFACT_KEY = randomBytes(48).toString('base64');
const stack = await benchStack({ name: 'first-call' });
// The API migrates the database: it starts first, told where the main Runner will listen.
const mainPort = await freePort();
const apiService = await stack.startApi({ RUNNER_BASE_URL: `http://127.0.0.1:${mainPort}` });
const main = await stack.startRunner('main', { RUNNER_PORT: String(mainPort), RUNNER_ARTIFACT_KEY: ARTIFACT_KEY });
const { api, publish: publishEntries, signInAdmin, user } = stack.client(apiService.url);
const admin = await signInAdmin();
const member = await user(admin, 'bench', 'member');
const tenant = { id: member.tenantId };

const EXTENSION = 'com.example.first';
const publish = async (version) => publishEntries(admin, await templateEntries(EXTENSION, version, 'First call'));
const firstCall = (runner, contentHash) =>
  executeTemplate(runner, { tenantId: tenant.id, extensionId: EXTENSION, contentHash });
const prewarmsDone = (runner) => metric(`${runner.url}/metrics`, 'extplat_runner_prewarms_total');

const grant = { capabilities: ['cap:log.emit', 'cap:context.read'], egress: [] };
const first = await publish('1.0.0');
const install = await api('POST', '/api/installs', admin, {
  tenantId: tenant.id,
  extensionId: EXTENSION,
  version: '1.0.0',
  grant,
  config: { greeting: 'Hi' },
  enabled: true,
});
await until(async () => (await prewarmsDone(main)) >= 1);
// JIT and connections warm on both paths before anything is measured.
for (let i = 0; i < 20; i++) await firstCall(main, first.contentHash);

const rows = { cold: [], prewarmed: [], gatewayAfterPrewarm: [], prewarmWaitMs: [], newShared: [], newTranspile: [] };
const fresh = await stack.startRunner('with-artifact', { RUNNER_ARTIFACT_KEY: ARTIFACT_KEY });
const plain = await stack.startRunner('without-artifact');
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
  const answer = await fetch(`${apiService.url}/api/ext/${EXTENSION}/greeting`, {
    headers: { authorization: `Bearer ${member.token}` },
  });
  await answer.arrayBuffer();
  rows.gatewayAfterPrewarm.push(performance.now() - begun);
}

const p50 = (values) => percentile(values, 50);
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

await stack.close();
