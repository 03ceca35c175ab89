import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, type ApiHarness, makeBundle, startApi, uploadViaProxy } from './api-harness.js';
import { tenantUser } from './stack-harness.js';

const EXTENSION = 'com.example.text';
const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

type ErrorBody = { error: { code: string; details?: Record<string, unknown> } };

/**
 * Finding: NUL bytes and lone surrogates in JSON strings and path parameters reached PostgreSQL and
 * answered 500; a deeply nested body answered 500. The edge now refuses them before any route.
 */
describe('bad text at the edge, on real PostgreSQL', () => {
  let api: ApiHarness;
  let admin: { tenantId: string; token: string };
  let installId: string;

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
    const bundle = makeBundle({
      manifest: {
        name: EXTENSION,
        config: { type: 'object', properties: { greeting: { type: 'string' } }, additionalProperties: true },
      },
    });
    const { uploadId } = await uploadViaProxy(api, bundle);
    expect(
      (await api.request('POST', '/api/ext-bundles/finalize', { json: { uploadId, signature: bundle.signature } }))
        .status,
    ).toBe(200);
    admin = await tenantUser(api, 'textco', 'tenant-admin');
    const installed = await api.request<{ id: string }>('POST', '/api/installs', {
      token: admin.token,
      json: { extensionId: EXTENSION, version: '1.0.0', grant: { capabilities: [], egress: [] }, enabled: true },
    });
    expect(installed.status).toBe(201);
    installId = installed.body.id;
  }, 120_000);

  afterAll(() => api?.close());

  const expectCode = (result: { status: number; body: unknown }, status: number, code: string) =>
    expect([result.status, (result.body as ErrorBody).error?.code]).toEqual([status, code]);

  it.each([
    ['a NUL', NUL],
    ['a lone surrogate', LONE],
  ])('answers 400 INVALID_TEXT for %s in every kind of JSON string', async (_name, bad) => {
    const requests: [string, string, unknown, string | null][] = [
      ['POST', '/api/auth/login', { email: `x${bad}@example.test`, password: ADMIN_PASSWORD }, null],
      ['POST', '/api/tenants', { slug: 'bad-text', name: bad }, api.adminToken],
      ['POST', '/api/api-keys', { name: bad, role: 'member' }, admin.token],
      ['POST', `/api/extensions/${EXTENSION}/versions/1.0.0/yank`, { reason: bad }, api.adminToken],
      ['POST', '/api/ext-bundles/initiate-upload', { filename: `${bad}.tar.zst`, size: 1000 }, api.adminToken],
      ['PUT', `/api/installs/${installId}/config`, { config: { greeting: bad } }, admin.token],
      ['PUT', `/api/installs/${installId}/config`, { config: { nested: [{ [`k${bad}`]: 1 }] } }, admin.token],
    ];
    for (const [method, path, json, token] of requests) {
      const result = await api.request<ErrorBody>(method, path, { json, token });
      expect([method, path, result.status, result.body.error?.code]).toEqual([method, path, 400, 'INVALID_TEXT']);
    }
    // Nothing was written: the version is still published and the config untouched.
    const version = await api.request<{ status: string }>('GET', `/api/extensions/${EXTENSION}/versions/1.0.0`);
    expect(version.body.status).toBe('published');
    const install = await api.request<{ config: Record<string, unknown> }>('GET', `/api/installs/${installId}`, {
      token: admin.token,
    });
    expect(install.body.config).toEqual({});
  });

  it('answers 400 JSON_TOO_DEEP for a 5,000-deep body', async () => {
    const deep = `{"config":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const result = await api.request<ErrorBody>('PUT', `/api/installs/${installId}/config`, {
      token: admin.token,
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    expectCode(result, 400, 'JSON_TOO_DEEP');
  });

  it('answers 404 for a NUL in a path parameter (no extension can have that id), 400 in the query', async () => {
    expectCode(await api.request('GET', '/api/extensions/a%00b'), 404, 'NOT_FOUND');
    expectCode(await api.request('GET', '/api/ext/a%00b/x', { token: admin.token }), 404, 'NOT_FOUND');
    expectCode(await api.request('GET', `/api/installs/${installId}%00`, { token: admin.token }), 404, 'NOT_FOUND');
    expectCode(await api.request('GET', '/api/extensions?q=a%00b'), 400, 'INVALID_TEXT');
  });

  it('still accepts text with characters outside the BMP', async () => {
    const result = await api.request<{ config: Record<string, unknown> }>('PUT', `/api/installs/${installId}/config`, {
      token: admin.token,
      json: { config: { greeting: 'héllo 😀 世界' } },
    });
    expect(result.status).toBe(200);
    expect(result.body.config).toEqual({ greeting: 'héllo 😀 世界' });
  });
});
