import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { type ApiHarness, makeBundle, startApi, uploadViaProxy } from '../../test/api-harness.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const NAME = 'com.example.tickets';
/** Exponential for a backtracking engine: 31 "a"s and a "!" kept V8's RegExp busy for more than 30 s. */
const CATASTROPHIC = '^((a+)+|Hello)$';

describe('install config patterns from a published schema', () => {
  let api: ApiHarness;
  let installId: string;
  let tenantAdmin: string;

  beforeAll(async () => {
    api = await startApi();
    const bundle = makeBundle({
      manifest: {
        version: '1.0.0',
        config: { type: 'object', properties: { greeting: { type: 'string', pattern: CATASTROPHIC } } },
      },
    });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const finalized = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
    expect(finalized.status).toBe(200);
    const tenant = await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug: 'acme', name: 'Acme' } });
    const email = `admin-${randomBytes(3).toString('hex')}@example.test`;
    const password = 'a long enough password';
    const created = await api.request('POST', '/api/users', {
      json: { email, password, role: 'tenant-admin', tenantId: tenant.body.id },
    });
    expect(created.status).toBe(201);
    const login = await api.request<{ accessToken: string }>('POST', '/api/auth/login', {
      token: null,
      json: { email, password },
    });
    tenantAdmin = login.body.accessToken;
    const install = await api.request<{ id: string }>('POST', '/api/installs', {
      token: tenantAdmin,
      json: {
        extensionId: NAME,
        version: '1.0.0',
        grant: { capabilities: [], egress: [] },
        config: { greeting: 'Hello' },
      },
    });
    expect(install.status).toBe(201);
    installId = install.body.id;
  }, 120_000);

  afterAll(() => api?.close());

  it("checks a tenant admin's config against a catastrophic pattern in linear time, and correctly", async () => {
    const started = performance.now();
    const refused = await api.request<ErrorBody>('PUT', `/api/installs/${installId}/config`, {
      token: tenantAdmin,
      json: { config: { greeting: `${'a'.repeat(31)}!` } },
    });
    const elapsed = performance.now() - started;
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_CONFIG');
    expect(refused.body.error.details?.['issues']).toEqual([
      { path: 'greeting', message: `must match pattern "${CATASTROPHIC}"` },
    ]);
    // Generous for a loaded machine: a backtracking engine needs more than 30 s here.
    expect(elapsed).toBeLessThan(5000);

    const accepted = await api.request<{ config: Record<string, unknown> }>(
      'PUT',
      `/api/installs/${installId}/config`,
      {
        token: tenantAdmin,
        json: { config: { greeting: 'a'.repeat(31) } },
      },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.config).toEqual({ greeting: 'a'.repeat(31) });
  }, 120_000);
});
