import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildTestComponent, manifestFor, type RawEntry } from '@extplat/testing';
import { InstallPrewarmer } from '../src/installs/install-prewarm.js';
import { MetricsServer } from '../src/metrics/metrics-server.js';
import { publish, signedBundle, type Stack, startStack, tenantUser } from './stack-harness.js';

const PROBE_SOURCE = fileURLToPath(new URL('../../runner/test/guests/probe.js', import.meta.url));
const EXTENSION = 'com.example.warm';

function entries(component: Buffer, version: string): RawEntry[] {
  const manifest = manifestFor({
    name: EXTENSION,
    version,
    capabilities: ['cap:log.emit'],
    api: { endpoints: [{ method: 'GET', path: '/ping', handler: 'ping' }] },
  });
  return [
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    { name: 'ui/index.html', data: '<!doctype html><title>Warm</title>' },
  ];
}

async function metric(stack: Stack, name: string, labels = ''): Promise<number> {
  return sumOf(await (await fetch(`${stack.runnerUrl}/metrics`)).text(), name, labels);
}

function sumOf(text: string, name: string, labels: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The API in this process and a real Runner process: install changes warm the bundle on the Runner. */
describe('prewarm on install, enable and version switch', () => {
  let stack: Stack;
  let prewarmer: InstallPrewarmer;
  let apiMetricsUrl: string;
  let admin: { tenantId: string; token: string };
  let member: { token: string };
  let installId: string;
  const hashes: string[] = [];

  beforeAll(async () => {
    const component = readFileSync(await buildTestComponent(PROBE_SOURCE));
    stack = await startStack({
      runnerEnv: { RUNNER_ARTIFACT_KEY: 'k'.repeat(40) },
      apiEnv: { API_METRICS_PORT: '0' },
    });
    const app = stack.api.app;
    if (!app) throw new Error('the stack API runs in this process');
    prewarmer = app.get(InstallPrewarmer);
    apiMetricsUrl = app.get(MetricsServer).url ?? '';
    for (const version of ['1.0.0', '2.0.0']) {
      hashes.push(await publish(stack.api, signedBundle(entries(component, version))));
    }
    admin = await tenantUser(stack.api, 'warm', 'tenant-admin');
    member = await tenantUser(stack.api, 'warm', 'member', admin.tenantId);
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** The API's own count of the prewarms it asked for, by outcome, from its metrics endpoint. */
  const apiPrewarms = async () => {
    const response = await fetch(apiMetricsUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    const count = (outcome: string) => sumOf(text, 'extplat_api_prewarms_total', `outcome="${outcome}"`);
    return {
      warmed: count('warmed'),
      error: count('error'),
      timeout: count('timeout'),
      unavailable: count('unavailable'),
    };
  };
  const none = { warmed: 0, error: 0, timeout: 0, unavailable: 0 };

  it('warms the bundle of a new enabled install, so its first call finds it compiled', async () => {
    const created = await stack.api.request<{ id: string }>('POST', '/api/installs', {
      token: admin.token,
      json: {
        extensionId: EXTENSION,
        version: '1.0.0',
        grant: { capabilities: ['cap:log.emit'], egress: [] },
        enabled: true,
      },
    });
    expect(created.status).toBe(201);
    installId = created.body.id;
    await prewarmer.settled();
    expect(await apiPrewarms()).toEqual({ ...none, warmed: 1 });
    expect(await metric(stack, 'extplat_runner_prewarms_total', 'outcome="ok",source="transpiled"')).toBe(1);
    const lookups = async () =>
      (await metric(stack, 'extplat_runner_cache_hits_total')) +
      (await metric(stack, 'extplat_runner_cache_misses_total'));
    const before = await lookups();
    const call = await fetch(`${stack.api.base}/api/ext/${EXTENSION}/ping`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(call.status).toBe(200);
    expect(await call.json()).toEqual({ ok: true });
    // The call ran on the component the prewarm compiled: no bundle lookup, no load.
    expect(await lookups()).toBe(before);
  }, 120_000);

  it('warms on enable and on a version switch of an enabled install, not while disabled', async () => {
    const disabled = await stack.api.request('PUT', `/api/installs/${installId}/state`, {
      token: admin.token,
      json: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    const switched = await stack.api.request('PUT', `/api/installs/${installId}/version`, {
      token: admin.token,
      json: { version: '2.0.0' },
    });
    expect(switched.status).toBe(200);
    await prewarmer.settled();
    expect(await apiPrewarms()).toEqual({ ...none, warmed: 1 });

    const enabled = await stack.api.request('PUT', `/api/installs/${installId}/state`, {
      token: admin.token,
      json: { enabled: true },
    });
    expect(enabled.status).toBe(200);
    await prewarmer.settled();
    expect(await apiPrewarms()).toEqual({ ...none, warmed: 2 });
    expect(await metric(stack, 'extplat_runner_prewarms_total', 'outcome="ok"')).toBe(2);

    const back = await stack.api.request('PUT', `/api/installs/${installId}/version`, {
      token: admin.token,
      json: { version: '1.0.0' },
    });
    expect(back.status).toBe(200);
    await prewarmer.settled();
    expect(await apiPrewarms()).toEqual({ ...none, warmed: 3 });
    // 1.0.0 was still compiled in the Runner's memory.
    expect(await metric(stack, 'extplat_runner_prewarms_total', 'source="memory"')).toBe(1);
  }, 120_000);

  it('never fails an install change because the Runner is down; the failure is counted in the API metrics', async () => {
    await stack.runner.stop();
    try {
      const disabled = await stack.api.request('PUT', `/api/installs/${installId}/state`, {
        token: admin.token,
        json: { enabled: false },
      });
      expect(disabled.status).toBe(200);
      const enabled = await stack.api.request<{ enabled: boolean }>('PUT', `/api/installs/${installId}/state`, {
        token: admin.token,
        json: { enabled: true },
      });
      expect(enabled.status).toBe(200);
      expect(enabled.body.enabled).toBe(true);
      await prewarmer.settled();
      // The Runner refused the connection: counted as unavailable, next to the three that warmed.
      expect(await apiPrewarms()).toEqual({ ...none, warmed: 3, unavailable: 1 });
    } finally {
      await stack.restartRunner();
    }
  }, 120_000);
});
