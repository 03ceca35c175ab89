import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { signRunnerRequest } from '@extplat/server-core';
import { buildTestComponent, manifestFor, type RawEntry, readinessWhen, s3ClientFor, until } from '@extplat/testing';
import { type ApiHarness, startApi } from './api-harness.js';
import {
  configCheck,
  publish,
  SHARED_SECRET,
  signedBundle,
  type Stack,
  startStack,
  tenantUser,
} from './stack-harness.js';
import { fetchApi } from './openapi-contract.js';

const PROBE_SOURCE = fileURLToPath(new URL('../../runner/test/guests/probe.js', import.meta.url));
const EXTENSION = 'com.example.probe';

interface Upstream {
  origin: string;
  server: Server;
  hits: string[];
}

async function upstream(handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<Upstream> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

const PROBE_PATHS = [
  '/ping',
  '/context',
  '/config',
  '/secret',
  '/log',
  '/fetch',
  '/loop',
  '/oom',
  '/throw',
  '/counter',
  '/status',
];

function probeEntries(component: Buffer, version: string, egress: string[], uiText = 'probe'): RawEntry[] {
  const manifest = manifestFor({
    name: EXTENSION,
    version,
    displayName: 'Probe',
    capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'],
    egress,
    ui: { type: 'iframe', entry: 'ui/index.html' },
    api: {
      endpoints: [
        ...PROBE_PATHS.map((path) => ({ method: 'GET', path, handler: path.slice(1) })),
        { method: 'POST', path: '/echo', handler: 'echo' },
        { method: 'GET', path: '/items/:id', handler: 'item' },
      ],
    },
    config: {
      type: 'object',
      properties: { greeting: { type: 'string', default: 'hi' } },
      additionalProperties: false,
    },
  });
  return [
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    {
      name: 'ui/index.html',
      data: `<!doctype html><title>${uiText}</title><script type="module" src="app.js"></script>`,
    },
    { name: 'ui/app.js', data: `document.title = ${JSON.stringify(uiText)};` },
  ];
}

async function metric(stack: Stack, name: string): Promise<number> {
  const text = await (await fetch(`${stack.runnerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** A raw HTTP GET that keeps the path exactly as written (fetch would normalise `..`). */
function rawGet(
  base: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway → Runner on real PostgreSQL and S3, the Runner in its own process', () => {
  let stack: Stack;
  let component: Buffer;
  let trusted: Upstream;
  let internal: Upstream;
  let ungranted: Upstream;
  let contentHash: string;
  let bundleSize: number;
  let installId: string;
  let acme: { tenantId: string; token: string; userId: string };
  let acmeMember: { tenantId: string; token: string; userId: string };
  let globex: { tenantId: string; token: string; userId: string };
  const egress: string[] = [];

  /** What acme's admin grants: every capability, and every requested origin but the ungranted one. */
  const acmeGrant = () => ({
    capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'],
    egress: [trusted.origin, internal.origin, 'http://169.254.169.254'],
  });

  const call = (
    path: string,
    token: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) =>
    fetchApi(`${stack.api.base}/api/ext/${EXTENSION}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      body: init.body,
    });

  beforeAll(async () => {
    component = readFileSync(await buildTestComponent(PROBE_SOURCE));
    trusted = await upstream((path, res) => {
      if (path === '/to-internal') res.writeHead(302, { location: `${internal.origin}/secret` }).end();
      else if (path === '/to-metadata')
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"upstream":"hello"}');
    });
    internal = await upstream((_path, res) => res.writeHead(200).end('internal data'));
    ungranted = await upstream((_path, res) => res.writeHead(200).end('should never be reached'));
    egress.push(trusted.origin, internal.origin, 'http://169.254.169.254', ungranted.origin);
    stack = await startStack({
      sharedEnv: { EXT_EGRESS_ALLOWLIST: egress.join(',') },
      // These tests watch cold starts (fetches, cache misses, a refused bundle): no prewarm on install.
      apiEnv: { EXT_GATEWAY_TIMEOUT_MS: '4000', RUNNER_PREWARM_TIMEOUT_MS: '0' },
      runnerEnv: {
        EXT_EXECUTION_TIMEOUT_MS: '1500',
        EXT_MEMORY_MAX_MIB: '64',
        EXT_EGRESS_ALLOW_PRIVATE: trusted.origin,
      },
    });
    const bundle = signedBundle(probeEntries(component, '1.0.0', egress));
    bundleSize = bundle.bytes.length;
    contentHash = await publish(stack.api, bundle);
    acme = await tenantUser(stack.api, 'acme', 'tenant-admin');
    acmeMember = await tenantUser(stack.api, 'acme', 'member', acme.tenantId);
    globex = await tenantUser(stack.api, 'globex', 'tenant-admin');
    const installed = await stack.api.request<{ id: string }>('POST', '/api/installs', {
      token: acme.token,
      json: {
        extensionId: EXTENSION,
        version: '1.0.0',
        grant: acmeGrant(),
        config: { greeting: 'hello acme' },
        enabled: true,
      },
    });
    expect(installed.status).toBe(201);
    installId = installed.body.id;
    const secret = await stack.api.request('PUT', `/api/installs/${installId}/secrets/api-token`, {
      token: acme.token,
      json: { value: 's3cr3t-value' },
    });
    expect(secret.status).toBe(204);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    for (const server of [trusted, internal, ungranted]) server?.server.close();
  });

  describe('happy path', () => {
    it('fetches and verifies the bundle once, then answers through gateway → Runner', async () => {
      const misses = await metric(stack, 'extplat_runner_cache_misses_total');
      const fetched = await metric(stack, 'extplat_runner_bundle_bytes_fetched_total');
      const [first, second] = await Promise.all([call('/ping', acmeMember.token), call('/ping', acmeMember.token)]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(await first.json()).toEqual({ ok: true });
      expect(first.headers.get('content-type')).toBe('application/json');
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(first.headers.get('content-security-policy')).toContain('sandbox');
      expect(first.headers.get('x-content-type-options')).toBe('nosniff');
      // Two concurrent cold requests both missed the cache, and the bundle was read from S3 once.
      expect((await metric(stack, 'extplat_runner_cache_misses_total')) - misses).toBe(2);
      expect((await metric(stack, 'extplat_runner_bundle_bytes_fetched_total')) - fetched).toBe(bundleSize);
      expect(readdirSync(stack.cacheDir)).toContain(contentHash.slice('sha256:'.length));
    });

    it('gives the handler its context, config and secret, and logs its lines with the request id', async () => {
      // A parameterised endpoint reaches the guest (the probe itself answers 404 for paths it lacks).
      const item = await call('/items/42', acmeMember.token);
      expect([item.status, await item.json()]).toEqual([404, { error: 'no handler for /items/42' }]);
      const response = await call('/context', acmeMember.token, { headers: { 'x-request-id': 'req-context-1' } });
      expect(response.headers.get('x-request-id')).toBe('req-context-1');
      expect(await response.json()).toMatchObject({
        requestId: 'req-context-1',
        tenantId: acme.tenantId,
        installId,
        extensionId: EXTENSION,
        version: '1.0.0',
        contentHash,
        userId: acmeMember.userId,
        handler: 'context',
      });
      expect(await (await call('/config', acmeMember.token)).json()).toEqual({ config: { greeting: 'hello acme' } });
      expect(await (await call('/secret?name=api-token', acmeMember.token)).json()).toEqual({ value: 's3cr3t-value' });
      expect(await (await call('/secret?name=missing', acmeMember.token)).json()).toEqual({ value: null });
      const logged = await call('/log', acmeMember.token, { headers: { 'x-request-id': 'req-log-1' } });
      expect(logged.status).toBe(200);
      const extensionLines = () =>
        stack.runner.logs.filter((line) => line['reqId'] === 'req-log-1' && line['extension']);
      // The Runner writes the guest's lines as they come: wait for each of them, not for a count.
      const expected = ['info message', 'warn message', 'error message'];
      await until(() => expected.every((message) => extensionLines().some((line) => line['msg'] === message)));
      const lines = extensionLines();
      expect(lines.map((line) => line['msg'])).toEqual(expect.arrayContaining(expected));
      expect(lines[0]?.['extension']).toMatchObject({ extensionId: EXTENSION, installId });
    });

    it('refuses a body over EXT_GATEWAY_MAX_BODY_BYTES with 413, before the Runner', async () => {
      const executions = await metric(stack, 'extplat_runner_executions_total');
      const response = await call('/echo', acmeMember.token, {
        method: 'POST',
        body: 'x'.repeat(1024 * 1024 + 1),
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('REQUEST_BODY_TOO_LARGE');
      expect(await metric(stack, 'extplat_runner_executions_total')).toBe(executions);
    });

    it('passes a POST body and forwards no credentials', async () => {
      const response = await call('/echo', acmeMember.token, {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', cookie: 'session=1', 'x-ext-mode': 'fast' },
      });
      const echoed = (await response.json()) as { body: string; headers: [string, string][]; method: string };
      expect(echoed.method).toBe('POST');
      expect(echoed.body).toBe('{"a":1}');
      const names = echoed.headers.map(([name]) => name);
      expect(names).toEqual(expect.arrayContaining(['content-type', 'x-ext-mode']));
      expect(names).not.toContain('authorization');
      expect(names).not.toContain('cookie');
    });

    it('serves the UI by content hash with the exact headers', async () => {
      const response = await fetch(`${stack.runnerPublicBase}/ext-ui/${EXTENSION}/${contentHash}/index.html`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
      expect(response.headers.get('content-security-policy')).toContain('frame-ancestors http://127.0.0.1:4200');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.text()).toContain('<title>probe</title>');
      for (const path of [
        '../manifest.json',
        '%2e%2e/manifest.json',
        '..%2Fmanifest.json',
        '.hidden',
        'sub%5c..%5cx.js',
      ]) {
        const refused = await rawGet(stack.runnerPublicBase, `/ext-ui/${EXTENSION}/${contentHash}/${path}`);
        expect([path, refused.status]).toEqual([path, 404]);
        expect(String(refused.headers['cache-control'])).not.toContain('immutable');
      }
      const unknown = await rawGet(stack.runnerPublicBase, `/ext-ui/${EXTENSION}/sha256:${'0'.repeat(64)}/index.html`);
      expect(unknown.status).toBe(404);
    });
  });

  describe('refusals', () => {
    it('404s an undeclared endpoint', async () => {
      const response = await call('/not-declared', acmeMember.token);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ENDPOINT_NOT_FOUND');
      expect((await call('/ping', acmeMember.token, { method: 'DELETE' })).status).toBe(404);
    });

    it('answers 502 INVALID_EXTENSION_RESPONSE for an interim 1xx status instead of leaving the caller waiting', async () => {
      for (const code of [100, 101, 103]) {
        const response = await call(`/status?code=${code}`, acmeMember.token);
        expect([code, response.status]).toEqual([code, 502]);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_EXTENSION_RESPONSE');
      }
      expect((await call('/status?code=204', acmeMember.token)).status).toBe(204);
    });

    it('refuses what the Runner would refuse with 400/414/431 and a stable code, before calling it', async () => {
      const expectRefused = async (response: Response, status: number, code: string) => {
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect([response.status, body.error.code]).toEqual([status, code]);
        // The caller's words, not the Runner's internal field names.
        expect(body.error.message).not.toMatch(/request\.|claims\./);
      };
      const manyParams = Array.from({ length: 300 }, (_, i) => `p${i}=1`).join('&');
      await expectRefused(await call(`/ping?${manyParams}`, acmeMember.token), 400, 'TOO_MANY_QUERY_PARAMETERS');
      await expectRefused(await call(`/ping?q=${'v'.repeat(9 * 1024)}`, acmeMember.token), 414, 'REQUEST_URI_TOO_LONG');
      await expectRefused(await call(`/items/${'x'.repeat(4097)}`, acmeMember.token), 414, 'REQUEST_URI_TOO_LONG');
      await expectRefused(
        await call('/ping', acmeMember.token, { headers: { 'user-agent': 'u'.repeat(9 * 1024) } }),
        431,
        'REQUEST_HEADERS_TOO_LARGE',
      );
      const extHeaders = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`x-ext-h${i}`, 'v']));
      await expectRefused(
        await call('/ping', acmeMember.token, { headers: extHeaders }),
        431,
        'REQUEST_HEADERS_TOO_LARGE',
      );
      // Exactly at the limits, the call goes through.
      const atLimit = Array.from({ length: 256 }, (_, i) => `p${i}=${i === 0 ? 'v'.repeat(8192) : '1'}`).join('&');
      expect((await call(`/ping?${atLimit}`, acmeMember.token)).status).toBe(200);
      expect((await call('/ping', acmeMember.token, { headers: { 'user-agent': 'u'.repeat(8192) } })).status).toBe(200);
    });

    it("refuses another tenant's install and platform admins without a tenant", async () => {
      const response = await call('/ping', globex.token);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EXTENSION_NOT_INSTALLED');
      const admin = await call('/ping', stack.api.adminToken);
      expect(admin.status).toBe(403);
      expect(((await admin.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect((await fetchApi(`${stack.api.base}/api/ext/${EXTENSION}/ping`)).status).toBe(401);
    });

    it('refuses a disabled install until it is enabled again', async () => {
      const disable = await stack.api.request('PUT', `/api/installs/${installId}/state`, {
        token: acme.token,
        json: { enabled: false },
      });
      expect(disable.status).toBe(200);
      const response = await call('/ping', acmeMember.token);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EXTENSION_DISABLED');
      await stack.api.request('PUT', `/api/installs/${installId}/state`, {
        token: acme.token,
        json: { enabled: true },
      });
      expect((await call('/ping', acmeMember.token)).status).toBe(200);
    });

    it('stops an infinite loop at the deadline and keeps serving', async () => {
      const timeouts = await metric(stack, 'extplat_runner_executions_total{outcome="timeout"}');
      const started = Date.now();
      const response = await call('/loop', acmeMember.token);
      const elapsed = Date.now() - started;
      expect(response.status).toBe(504);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EXTENSION_TIMEOUT');
      // EXTENSION_TIMEOUT is the Runner's deadline (the gateway's own would answer another code); no upper
      // bound on the time, which a loaded machine stretches.
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect((await call('/ping', acmeMember.token)).status).toBe(200);
      expect((await metric(stack, 'extplat_runner_executions_total{outcome="timeout"}')) - timeouts).toBe(1);
    });

    it('turns a memory bomb into an error and stays healthy', async () => {
      const response = await call('/oom', acmeMember.token);
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: { code: string; details: { runnerCode: string } } };
      expect(body.error.code).toBe('EXTENSION_FAILED');
      expect(body.error.details.runnerCode).toBe('EXTENSION_OUT_OF_MEMORY');
      expect((await fetch(`${stack.runnerUrl}/healthz`)).status).toBe(200);
      expect((await call('/ping', acmeMember.token)).status).toBe(200);
    });

    it('discards an instance that threw', async () => {
      await call('/counter', acmeMember.token);
      const thrown = await call('/throw', acmeMember.token);
      expect(thrown.status).toBe(502);
      expect(((await thrown.json()) as { error: { details: { runnerCode: string } } }).error.details.runnerCode).toBe(
        'EXTENSION_FAILED',
      );
    });

    it('lets egress reach only granted, allowlisted, permitted addresses, and counts denials', async () => {
      const fetchVia = async (url: string) =>
        (await (await call(`/fetch?url=${encodeURIComponent(url)}`, acmeMember.token)).json()) as Record<
          string,
          unknown
        >;
      expect(await fetchVia(`${trusted.origin}/data`)).toMatchObject({ status: 200, body: '{"upstream":"hello"}' });
      const before = await metric(stack, 'extplat_runner_egress_denials_total');
      expect(await fetchVia(`${ungranted.origin}/x`)).toMatchObject({ error: { tag: 'denied' } });
      expect(await fetchVia(`${internal.origin}/secret`)).toMatchObject({ error: { tag: 'denied' } });
      expect(await fetchVia('http://169.254.169.254/latest/meta-data/')).toMatchObject({ error: { tag: 'denied' } });
      expect(await fetchVia(`${trusted.origin}/to-internal`)).toMatchObject({ error: { tag: 'denied' } });
      expect(await fetchVia(`${trusted.origin}/to-metadata`)).toMatchObject({ error: { tag: 'denied' } });
      expect(await fetchVia('http://example.invalid/')).toMatchObject({ error: { tag: 'denied' } });
      expect(ungranted.hits).toEqual([]);
      expect(internal.hits).toEqual([]);
      expect(await metric(stack, 'extplat_runner_egress_denials_total')).toBe(before + 6);
    });

    it('fails a host call cleanly when its capability is not granted', async () => {
      const limited = await tenantUser(stack.api, 'initech', 'tenant-admin');
      const installed = await stack.api.request('POST', '/api/installs', {
        token: limited.token,
        json: {
          extensionId: EXTENSION,
          version: '1.0.0',
          grant: { capabilities: ['cap:log.emit'], egress: [] },
          enabled: true,
        },
      });
      expect(installed.status).toBe(201);
      expect((await call('/ping', limited.token)).status).toBe(200);
      for (const [path, capability] of [
        ['/context', 'cap:context.read'],
        ['/secret?name=api-token', 'cap:secrets.get'],
        [`/fetch?url=${encodeURIComponent(trusted.origin)}`, 'cap:http.fetch'],
      ] as const) {
        const response = await call(path, limited.token);
        expect(response.status).toBe(502);
        const body = (await response.json()) as { error: { details: { runnerCode: string; capability: string } } };
        expect(body.error.details).toMatchObject({ runnerCode: 'CAPABILITY_NOT_GRANTED', capability });
      }
      expect((await call('/ping', limited.token)).status).toBe(200);
    });
  });

  describe('audit', () => {
    it('records every call past the install lookup with its outcome and duration', async () => {
      await call('/ping', acmeMember.token, { headers: { 'x-request-id': 'audited-ping' } });
      await call('/not-declared', acmeMember.token);
      await call('/ping', globex.token);
      // Extension-call events are written in batches shortly after the response: poll until both are in.
      type Page = {
        items: { type: string; outcome: string; tenantId: string; subject: string; data: Record<string, unknown> }[];
      };
      const audited = () => stack.api.request<Page>('GET', '/api/audit?type=extension.call&limit=200');
      await until(async () => {
        const paths = (await audited()).body.items.map((event) => event.data['path']);
        return paths.includes('/ping') && paths.includes('/not-declared');
      });
      const page = await audited();
      expect(page.status).toBe(200);
      const events = page.body.items;
      expect(events.find((event) => event.data['path'] === '/ping' && event.outcome === 'success')).toMatchObject({
        tenantId: acme.tenantId,
        subject: `extension:${EXTENSION}`,
        data: { method: 'GET', status: 200, durationMs: expect.any(Number) },
      });
      expect(events.find((event) => event.data['path'] === '/not-declared')).toMatchObject({
        outcome: 'failure',
        data: { status: 404, code: 'ENDPOINT_NOT_FOUND' },
      });
      // globex has no install: nothing is recorded for it.
      expect(events.filter((event) => event.tenantId === globex.tenantId)).toEqual([]);
    });
  });

  describe('config parity', () => {
    it('reports the API and the Runner in agreement, in readiness and in npm run config:check', async () => {
      const ready = await readinessWhen<{ checks: Record<string, unknown> }>(
        `${stack.api.base}/readyz`,
        (answer) => answer.status === 200,
      );
      expect(ready.status).toBe(200);
      expect(ready.body.checks['runnerConfig']).toEqual({
        ok: true,
        latencyMs: expect.any(Number),
      });
      const check = await configCheck(stack.api.base, stack.runnerUrl);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('the API and the Runner agree');
    });
  });

  describe('the Runner refuses calls the gateway did not sign', () => {
    const body = Buffer.from(JSON.stringify({ claims: {}, request: {} }));
    const post = (headers: Record<string, string>, payload: Buffer = body) =>
      fetch(`${stack.runnerUrl}/v1/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });

    it('401s unsigned, tampered, wrongly keyed, stale and replayed requests', async () => {
      expect((await post({})).status).toBe(401);
      const signed = signRunnerRequest(SHARED_SECRET, body);
      expect((await post(signed, Buffer.from(JSON.stringify({ claims: { tenantId: 'x' }, request: {} })))).status).toBe(
        401,
      );
      expect((await post(signRunnerRequest('x'.repeat(32), body))).status).toBe(401);
      expect((await post(signRunnerRequest(SHARED_SECRET, body, Date.now() - 120_000))).status).toBe(401);
      const once = signRunnerRequest(SHARED_SECRET, body);
      expect((await post(once)).status).toBe(400);
      const replayed = await post(once);
      expect(replayed.status).toBe(401);
      expect(((await replayed.json()) as { error: { code: string } }).error.code).toBe('EXECUTE_REPLAYED');
    });
  });

  describe('the bundle cache', () => {
    it('detects a corrupted cache file and fetches the bundle again', async () => {
      const file = join(stack.cacheDir, contentHash.slice('sha256:'.length), 'files', 'ui', 'app.js');
      writeFileSync(file, 'corrupted!');
      const misses = await metric(stack, 'extplat_runner_cache_misses_total');
      const response = await fetch(`${stack.runnerPublicBase}/ext-ui/${EXTENSION}/${contentHash}/app.js`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('document.title = "probe";');
      expect(await metric(stack, 'extplat_runner_cache_misses_total')).toBe(misses + 1);
    });

    it('refuses a bundle object whose bytes do not match its hash key, and never runs it', async () => {
      const integrityRejections = await metric(
        stack,
        'extplat_runner_bundle_rejections_total{code="BUNDLE_INTEGRITY"}',
      );
      const v2 = signedBundle(probeEntries(component, '2.0.0', egress, 'v2'));
      const v2Hash = await publish(stack.api, v2);
      // Replace the stored bytes behind the platform's back (the bucket is write-once only by policy).
      const other = signedBundle(probeEntries(component, '2.0.0', egress, 'tampered'));
      const bucket = stack.api.bucket!;
      await s3ClientFor(bucket.s3).send(
        new PutObjectCommand({
          Bucket: bucket.name,
          Key: `sha256/${v2Hash.slice('sha256:'.length)}/bundle.tar.zst`,
          Body: other.bytes,
        }),
      );
      const upgraded = await stack.api.request('PUT', `/api/installs/${installId}/version`, {
        token: acme.token,
        json: { version: '2.0.0', grant: acmeGrant() },
      });
      expect(upgraded.status).toBe(200);
      const response = await call('/ping', acmeMember.token);
      expect(response.status).toBe(502);
      const error = (await response.json()) as { error: { details: { runnerCode: string } } };
      expect(error.error.details.runnerCode).toBe('BUNDLE_INTEGRITY');
      expect(readdirSync(stack.cacheDir)).not.toContain(v2Hash.slice('sha256:'.length));
      expect(await metric(stack, 'extplat_runner_bundle_rejections_total{code="BUNDLE_INTEGRITY"}')).toBe(
        integrityRejections + 1,
      );
      const back = await stack.api.request('PUT', `/api/installs/${installId}/version`, {
        token: acme.token,
        json: { version: '1.0.0', grant: acmeGrant() },
      });
      expect(back.status).toBe(200);
      expect((await call('/ping', acmeMember.token)).status).toBe(200);
    });
  });

  describe('install resolution cache', () => {
    it('forgets an uninstalled extension at once, although its resolution was cached a moment ago', async () => {
      const installed = await stack.api.request<{ id: string }>('POST', '/api/installs', {
        token: globex.token,
        json: { extensionId: EXTENSION, version: '1.0.0', grant: acmeGrant(), enabled: true },
      });
      expect(installed.status).toBe(201);
      // Resolved and cached for the resolution TTL (2 s); the uninstall must not wait for it to expire.
      expect((await call('/ping', globex.token)).status).toBe(200);
      const removed = await stack.api.request('DELETE', `/api/installs/${installed.body.id}`, { token: globex.token });
      expect(removed.status).toBe(204);
      const response = await call('/ping', globex.token);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('EXTENSION_NOT_INSTALLED');
    });
  });
});

describe('gateway rate limit', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    // No Runner: the limit applies before the gateway calls it.
    api = await startApi({ env: { EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: '2', RUNNER_BASE_URL: 'http://127.0.0.1:9' } });
  });

  afterAll(() => api?.close());

  it('answers 429 with Retry-After per tenant and extension', async () => {
    await publish(api, signedBundle([...probeEntries(Buffer.from('\0asm\x0d\0\x01\0'), '1.0.0', [])]));
    const tenant = await tenantUser(api, 'acme', 'tenant-admin');
    const installed = await api.request('POST', '/api/installs', {
      token: tenant.token,
      json: { extensionId: EXTENSION, version: '1.0.0', grant: { capabilities: [], egress: [] }, enabled: true },
    });
    expect(installed.status).toBe(201);
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let index = 0; index < 3; index++) {
      const response = await fetchApi(`${api.base}/api/ext/${EXTENSION}/ping`, {
        headers: { authorization: `Bearer ${tenant.token}` },
      });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([503, 503, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });
});
