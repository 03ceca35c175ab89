import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildTestComponent, manifestFor } from '@extplat/testing';
import { publish, signedBundle, type Stack, startStack, tenantUser } from './stack-harness.js';
import { fetchApi } from './openapi-contract.js';

const PROBE_SOURCE = fileURLToPath(new URL('../../runner/test/guests/probe.js', import.meta.url));
const EXTENSION = 'com.example.fair-probe';

/**
 * Fair scheduling end to end: the API's gateway and the Runner as its own process, two workers, one
 * running call per tenant. Tenant A's slow calls wait on an upstream the test holds (a call that blocks in
 * egress holds its worker, as one burning its CPU deadline does); tenant B must still be served, and A's
 * overflow must be refused with 503 RUNNER_BUSY and Retry-After rather than eat its deadline.
 */
describe('gateway → Runner fair scheduling across tenants', () => {
  let stack: Stack;
  const held: ServerResponse[] = [];
  let upstreamHits = 0;
  const upstream = createServer((_req, res) => {
    upstreamHits += 1;
    held.push(res);
  });
  let origin: string;
  let tenantA: { tenantId: string; token: string };
  let tenantB: { tenantId: string; token: string };

  const call = (path: string, token: string) =>
    fetchApi(`${stack.api.base}/api/ext/${EXTENSION}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      // Without fair scheduling these calls would wait behind A's held ones: fail instead of hanging.
      signal: AbortSignal.timeout(30_000),
    });
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${stack.runnerUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  };
  const until = async (condition: () => boolean) => {
    for (let waited = 0; !condition(); waited += 20) {
      if (waited > 30_000) throw new Error('condition not met within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    const component = readFileSync(await buildTestComponent(PROBE_SOURCE));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    stack = await startStack({
      sharedEnv: { EXT_EGRESS_ALLOWLIST: origin },
      apiEnv: { EXT_GATEWAY_TIMEOUT_MS: '60000', EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: '100000' },
      runnerEnv: {
        EXT_EGRESS_ALLOW_PRIVATE: origin,
        EXT_EXECUTION_TIMEOUT_MS: '60000',
        EXT_EGRESS_TIMEOUT_MS: '60000',
        RUNNER_WORKERS: '2',
        RUNNER_TENANT_CONCURRENCY: '1',
        RUNNER_QUEUE_TIMEOUT_MS: '1000',
      },
    });
    const manifest = manifestFor({
      name: EXTENSION,
      displayName: 'Fair probe',
      capabilities: ['cap:http.fetch'],
      egress: [origin],
      ui: { type: 'iframe', entry: 'ui/index.html' },
      api: {
        endpoints: [
          { method: 'GET', path: '/ping', handler: 'ping' },
          { method: 'GET', path: '/fetch', handler: 'fetch' },
        ],
      },
    });
    await publish(
      stack.api,
      signedBundle([
        { name: 'dist', type: 'directory' },
        { name: 'dist/main.wasm', data: component },
        { name: 'manifest.json', data: JSON.stringify(manifest) },
        { name: 'ui', type: 'directory' },
        { name: 'ui/index.html', data: '<!doctype html><title>fair</title>' },
      ]),
    );
    [tenantA, tenantB] = await Promise.all([
      tenantUser(stack.api, 'fair-a', 'tenant-admin'),
      tenantUser(stack.api, 'fair-b', 'tenant-admin'),
    ]);
    for (const tenant of [tenantA, tenantB]) {
      const installed = await stack.api.request('POST', '/api/installs', {
        token: tenant.token,
        json: {
          extensionId: EXTENSION,
          version: '1.0.0',
          grant: { capabilities: ['cap:http.fetch'], egress: [origin] },
          enabled: true,
        },
      });
      expect(installed.status).toBe(201);
      // Warm: the bundle is fetched, verified and compiled before the scenario starts.
      expect((await call('/ping', tenant.token)).status).toBe(200);
    }
  }, 240_000);

  afterAll(async () => {
    for (const res of held.splice(0)) res.end();
    await stack?.close();
    upstream.close();
  });

  it("serves tenant B while A's slow calls hold only A's share, and refuses A's overflow with 503 RUNNER_BUSY", async () => {
    const rejectedBefore = await metric(
      `extplat_runner_queue_rejections_total{tenant="${tenantA.tenantId}",reason="queue-timeout"}`,
    );
    const waitsOfBBefore = await metric(`extplat_runner_queue_wait_seconds_count{tenant="${tenantB.tenantId}"}`);
    const slow = [1, 2, 3].map(() => call(`/fetch?url=${encodeURIComponent(`${origin}/slow`)}`, tenantA.token));
    await until(() => upstreamHits === 1);

    for (let i = 0; i < 5; i++) {
      const response = await call('/ping', tenantB.token);
      expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
    }

    // A's two other calls never got a worker within the 1 s queue budget: 503 with the Runner's code and
    // Retry-After, passed through by the gateway (not a 502, not a 504 after the 60 s deadline).
    const refused = await Promise.all(slow.slice(1));
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { error: { code: string; details: Record<string, unknown> } };
      expect(body.error.code).toBe('RUNNER_BUSY');
      expect(body.error.details).toMatchObject({ reason: 'queue-timeout', retryAfterSeconds: 1 });
    }
    // A held one worker at most: its refused calls never reached the upstream.
    expect(upstreamHits).toBe(1);
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end('done');
    const first = await slow[0]!;
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 200, body: 'done' });

    expect(
      (await metric(`extplat_runner_queue_rejections_total{tenant="${tenantA.tenantId}",reason="queue-timeout"}`)) -
        rejectedBefore,
    ).toBe(2);
    expect(
      (await metric(`extplat_runner_queue_wait_seconds_count{tenant="${tenantB.tenantId}"}`)) - waitsOfBBefore,
    ).toBe(5);
    expect(await metric('extplat_runner_executions_total{outcome="busy"}')).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
