import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@extplat/testing';
import { publish, type Stack, startStack, templateBundle, tenantUser } from './stack-harness.js';
import { fetchApi } from './openapi-contract.js';

/**
 * The extension `extctl init` creates, built and packed by extctl itself, published, installed and called
 * for real: its three endpoints answer through gateway → Runner, read the install's config and secret, log,
 * and call an allowlisted local server through the egress choke point.
 */
describe('the template extension through gateway → Runner', () => {
  const work = mkdtempSync(join(tmpdir(), 'extplat-template-e2e-'));
  const project = join(work, 'status-board');
  let upstream: Server;
  let upstreamOrigin: string;
  let stack: Stack;
  let member: { tenantId: string; token: string; userId: string };
  const extensionId = 'com.example.status-board';

  const call = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetchApi(`${stack.api.base}/api/ext/${extensionId}${path}`, {
      headers: { authorization: `Bearer ${member.token}`, ...headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    upstream = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamOrigin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    // The developer lists the origin the extension calls; the tenant admin grants it at install.
    await templateBundle(work, 'status-board', (project) => {
      const manifestPath = join(project, 'manifest.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { egress: string[] };
      manifest.egress = [upstreamOrigin];
      writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    });

    stack = await startStack({
      sharedEnv: { EXT_EGRESS_ALLOWLIST: upstreamOrigin },
      runnerEnv: { EXT_EGRESS_ALLOW_PRIVATE: upstreamOrigin },
    });
    const bytes = readFileSync(join(project, 'bundle.tar.zst'));
    const signature = readFileSync(join(project, 'bundle.tar.zst.sig'), 'utf8');
    const contentHash = (JSON.parse(signature) as { digest: string }).digest;
    await publish(stack.api, { bytes, contentHash, signature });

    const admin = await tenantUser(stack.api, 'acme', 'tenant-admin');
    member = await tenantUser(stack.api, 'acme', 'member', admin.tenantId);
    const installed = await stack.api.request<{ id: string }>('POST', '/api/installs', {
      token: admin.token,
      json: {
        extensionId,
        version: '0.1.0',
        grant: {
          capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'],
          egress: [upstreamOrigin],
        },
        config: { greeting: 'Howdy', upstreamUrl: `${upstreamOrigin}/status` },
        enabled: true,
      },
    });
    expect(installed.status).toBe(201);
    const secret = await stack.api.request('PUT', `/api/installs/${installed.body.id}/secrets/api-token`, {
      token: admin.token,
      json: { value: 'token-value' },
    });
    expect(secret.status).toBe(204);
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
    upstream?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers GET /greeting from the install config, for the calling user, and logs it', async () => {
    const greeting = await call('/greeting', { 'x-request-id': 'template-greeting' });
    expect(greeting).toEqual({
      status: 200,
      body: { message: 'Howdy from Status Board', tenantId: member.tenantId, userId: member.userId, version: '0.1.0' },
    });
    const logged = () =>
      stack.runner.logs.find((entry) => entry['reqId'] === 'template-greeting' && entry['extension']);
    await until(() => logged() !== undefined);
    const line = logged();
    expect(line?.['msg']).toBe(`greeting tenant ${member.tenantId}`);
  });

  it('reports the secret as configured without revealing it', async () => {
    const status = await call('/secret-status');
    expect(status).toEqual({ status: 200, body: { apiTokenConfigured: true } });
    expect(JSON.stringify(status.body)).not.toContain('token-value');
  });

  it('calls the allowlisted local server through the egress choke point', async () => {
    expect(await call('/upstream')).toEqual({ status: 200, body: { upstreamStatus: 200, body: '{"ok":true}' } });
  });
});
