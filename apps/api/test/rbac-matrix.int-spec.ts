import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { listRouteDeclarations, type RouteDeclaration } from '../src/access/route-declarations.js';
import { hasPermission, type Principal, type Role } from '../src/access/principal.js';
import { createPreviewApp } from '../src/preview-app.js';
import { type ApiHarness, startApi } from './api-harness.js';

/** Sample values for path parameters: well-formed, so a permitted caller gets past validation. */
const PARAMETERS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  uploadId: '00000000-0000-4000-8000-000000000001',
  installId: '00000000-0000-4000-8000-000000000002',
  name: 'com.example.absent',
  version: '1.0.0',
};

type Caller = 'anonymous' | 'member' | 'tenant-admin' | 'other-tenant-admin' | 'platform-admin' | 'revoked-api-key';

const ROLE_OF: Partial<Record<Caller, Role>> = {
  member: 'member',
  'tenant-admin': 'tenant-admin',
  'other-tenant-admin': 'tenant-admin',
  'platform-admin': 'platform-admin',
};

async function allRoutes(): Promise<RouteDeclaration[]> {
  const app = await createPreviewApp();
  try {
    return listRouteDeclarations(app);
  } finally {
    await app.close();
  }
}

/**
 * Every route of the API, called by every kind of caller: anonymous and revoked keys get 401, roles without
 * the route's permission 403, and everyone else gets past the guard (whatever the route then answers).
 */
describe('RBAC matrix over every API route', () => {
  let api: ApiHarness;
  let routes: RouteDeclaration[];
  const tokens = new Map<Caller, string | null>();

  beforeAll(async () => {
    routes = await allRoutes();
    api = await startApi({ storage: 'fs' });
    const tenant = async (slug: string) =>
      (await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug, name: slug } })).body.id;
    const [acme, globex] = [await tenant('acme'), await tenant('globex')];
    const user = async (role: Role, tenantId: string): Promise<string> => {
      const email = `${role}-${randomBytes(3).toString('hex')}@example.test`;
      const password = 'a long enough password';
      const created = await api.request('POST', '/api/users', { json: { email, password, role, tenantId } });
      expect(created.status).toBe(201);
      return (
        await api.request<{ accessToken: string }>('POST', '/api/auth/login', {
          token: null,
          json: { email, password },
        })
      ).body.accessToken;
    };
    tokens.set('anonymous', null);
    tokens.set('member', await user('member', acme));
    tokens.set('tenant-admin', await user('tenant-admin', acme));
    tokens.set('other-tenant-admin', await user('tenant-admin', globex));
    tokens.set('platform-admin', api.adminToken);
    const key = await api.request<{ id: string; key: string }>('POST', '/api/api-keys', {
      json: { name: 'ci', role: 'tenant-admin', tenantId: acme },
    });
    await api.request('DELETE', `/api/api-keys/${key.body.id}`);
    tokens.set('revoked-api-key', key.body.key);
  }, 60_000);

  afterAll(() => api?.close());

  it('covers every route, each declared', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.filter((route) => route.access === undefined)).toEqual([]);
  });

  it('answers each caller as its role allows', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => PARAMETERS[name] ?? 'x');
      for (const [caller, token] of tokens) {
        const response = await api.request(route.method, path, {
          token,
          json: route.method === 'GET' ? undefined : {},
        });
        const role = ROLE_OF[caller];
        let expected: 'pass' | 401 | 403;
        if (route.access && 'public' in route.access) expected = 'pass';
        else if (!role) expected = 401;
        else if (route.access && 'permission' in route.access) {
          const principal: Principal = { kind: 'user', id: 'x', tenantId: null, role, name: 'x' };
          expected = hasPermission(principal, route.access.permission) ? 'pass' : 403;
        } else expected = 403;
        const ok =
          expected === 'pass'
            ? ![401, 403].includes(response.status) && response.status < 500
            : response.status === expected;
        if (!ok)
          failures.push(`${route.method} ${route.path} as ${caller}: expected ${expected}, got ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("keeps one tenant's admin out of another tenant's API keys", async () => {
    const acmeAdmin = tokens.get('tenant-admin') ?? null;
    const created = await api.request<{ id: string }>('POST', '/api/api-keys', {
      token: acmeAdmin,
      json: { name: 'acme-ci', role: 'member' },
    });
    expect(created.status).toBe(201);
    const revoke = await api.request('DELETE', `/api/api-keys/${created.body.id}`, {
      token: tokens.get('other-tenant-admin') ?? null,
    });
    expect(revoke.status).toBe(404);
    const listed = await api.request<{ items: { id: string }[] }>('GET', '/api/api-keys', {
      token: tokens.get('other-tenant-admin') ?? null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.id);
  });
});
