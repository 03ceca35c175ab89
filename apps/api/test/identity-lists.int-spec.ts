import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { type ApiHarness, type ApiResponse, newPrincipal, startApi } from './api-harness.js';

interface Tenant {
  id: string;
  slug: string;
  name: string;
}

interface User {
  id: string;
  email: string;
}

interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

const PASSWORD = 'a sufficiently long pass';

function code(reply: ApiResponse): unknown {
  return (reply.body as { error?: { code?: unknown } } | null)?.error?.code;
}

/**
 * The console's tenant and user lists on a real PostgreSQL: renaming a tenant, and the server-side prefix
 * search (`q`) over tenant slugs and names and user emails, paged and scoped like the plain lists.
 */
describe('tenant rename and identity search', () => {
  let api: ApiHarness;
  let client: pg.Client;
  const tenants = new Map<string, Tenant>();
  const tenant = (slug: string): Tenant => {
    const found = tenants.get(slug);
    if (!found) throw new Error(`no tenant ${slug} was created`);
    return found;
  };

  const get = <T>(path: string, token?: string) => api.request<T>('GET', path, token ? { token } : {});

  async function createTenant(slug: string, name: string): Promise<Tenant> {
    const reply = await api.request<Tenant>('POST', '/api/tenants', { json: { slug, name } });
    expect(reply.status).toBe(201);
    return reply.body;
  }

  async function createUser(email: string, tenantId: string): Promise<User> {
    const reply = await api.request<User>('POST', '/api/users', {
      json: { email, password: PASSWORD, role: 'member', tenantId },
    });
    expect(reply.status).toBe(201);
    return reply.body;
  }

  async function allPages<T>(path: string, limit: number, token?: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const url = `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply: ApiResponse<PageOf<T>> = await get<PageOf<T>>(url, token);
      expect(reply.status).toBe(200);
      items.push(...reply.body.items);
      cursor = reply.body.nextCursor;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
    client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    for (const [slug, name] of <[string, string][]>[
      ['acme', 'Acme Corp'],
      ['acme-labs', 'Labs of Acme'],
      ['globex', 'Globex'],
      ['initech', 'ACME Holdings'],
      ['umbrella', '100%_Umbrella'],
    ]) {
      tenants.set(slug, await createTenant(slug, name));
    }
    for (const email of ['ann@acme.test', 'Anna.B@acme.test', 'bob@acme.test', 'a_c@acme.test', 'abc@acme.test']) {
      await createUser(email, tenant('acme').id);
    }
    await createUser('ann@globex.test', tenant('globex').id);
  });

  afterAll(async () => {
    await client?.end();
    await api?.close();
  });

  describe('PATCH /api/tenants/:id', () => {
    it('renames the tenant, keeps its slug and records who did it', async () => {
      const reply = await api.request<Tenant>('PATCH', `/api/tenants/${tenant('globex').id}`, {
        json: { name: 'Globex Corporation' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: tenant('globex').id, slug: 'globex', name: 'Globex Corporation' });

      const listed = await get<PageOf<Tenant>>('/api/tenants?q=globex');
      expect(listed.body.items.map((tenant) => tenant.name)).toEqual(['Globex Corporation']);
      const events = await client.query<{ data: unknown; actor_id: string | null }>(
        `SELECT data, actor_id FROM audit_events WHERE type = 'tenant.rename' AND subject = $1`,
        [`tenant:${tenant('globex').id}`],
      );
      expect(events.rows).toEqual([
        { data: { slug: 'globex', from: 'Globex', to: 'Globex Corporation' }, actor_id: expect.any(String) },
      ]);
    });

    it('records nothing when the name does not change', async () => {
      const reply = await api.request<Tenant>('PATCH', `/api/tenants/${tenant('acme').id}`, {
        json: { name: 'Acme Corp' },
      });
      expect(reply.status).toBe(200);
      const events = await client.query(`SELECT 1 FROM audit_events WHERE type = 'tenant.rename' AND subject = $1`, [
        `tenant:${tenant('acme').id}`,
      ]);
      expect(events.rowCount).toBe(0);
    });

    it('answers 404 for an unknown tenant and 400 for a bad name or id', async () => {
      const unknown = await api.request('PATCH', '/api/tenants/00000000-0000-4000-8000-000000000000', {
        json: { name: 'Nobody' },
      });
      expect({ status: unknown.status, code: code(unknown) }).toEqual({ status: 404, code: 'TENANT_NOT_FOUND' });
      for (const json of [{ name: '' }, { name: 'x'.repeat(201) }, {}, { name: 'Ok', slug: 'moved' }]) {
        const bad = await api.request('PATCH', `/api/tenants/${tenant('acme').id}`, { json });
        expect({ json, status: bad.status, code: code(bad) }).toEqual({ json, status: 400, code: 'VALIDATION_FAILED' });
      }
      const badId = await api.request('PATCH', '/api/tenants/not-a-uuid', { json: { name: 'Ok' } });
      expect(badId.status).toBe(400);
    });

    it('is for platform admins only', async () => {
      const tenantAdmin = await newPrincipal(api, { role: 'tenant-admin', tenantId: tenant('acme').id });
      const reply = await api.request('PATCH', `/api/tenants/${tenant('acme').id}`, {
        token: tenantAdmin,
        json: { name: 'Mine now' },
      });
      expect({ status: reply.status, code: code(reply) }).toEqual({ status: 403, code: 'FORBIDDEN' });
    });
  });

  describe('GET /api/tenants?q=', () => {
    const slugsFor = async (q: string, limit = 2) =>
      (await allPages<Tenant>(`/api/tenants?q=${encodeURIComponent(q)}`, limit)).map((tenant) => tenant.slug);

    it('matches a prefix of the slug or of the name, ignoring case, across pages', async () => {
      expect(await slugsFor('acme')).toEqual(['acme', 'acme-labs', 'initech']);
      expect(await slugsFor('AcMe ', 1)).toEqual(['acme', 'acme-labs', 'initech']);
      expect(await slugsFor('labs')).toEqual(['acme-labs']);
      expect(await slugsFor('corp')).toEqual([]);
    });

    it('treats LIKE wildcards as plain text, and a blank q as no filter', async () => {
      expect(await slugsFor('100%_')).toEqual(['umbrella']);
      expect(await slugsFor('%')).toEqual([]);
      expect(await slugsFor('_')).toEqual([]);
      expect((await slugsFor(' ', 100)).length).toBeGreaterThanOrEqual(5);
    });

    it("counts each tenant's users, disabled ones included", async () => {
      const disabled = await createUser('gone@globex.test', tenant('globex').id);
      expect((await api.request('POST', `/api/users/${disabled.id}/disable`)).status).toBe(200);
      const listed = await get<PageOf<Tenant & { userCount: number }>>('/api/tenants?limit=100');
      const counts = Object.fromEntries(listed.body.items.map((item) => [item.slug, item.userCount]));
      const expected: Record<string, number> = {};
      for (const slug of tenants.keys()) {
        expected[slug] = (await allPages<User>(`/api/users?tenantId=${tenant(slug).id}`, 100)).length;
      }
      expect(counts).toEqual(expected);
      expect(expected.globex).toBeGreaterThanOrEqual(2);
      expect(expected['acme-labs']).toBe(0);
      await api.request('DELETE', `/api/users/${disabled.id}`);
    });

    it('refuses a q longer than 200 characters', async () => {
      const reply = await get(`/api/tenants?q=${'a'.repeat(201)}`);
      expect({ status: reply.status, code: code(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('GET /api/tenants/:id', () => {
    it('answers one tenant, 404 for an unknown id and 400 for a bad one', async () => {
      const one = await get<Tenant>(`/api/tenants/${tenant('globex').id}`);
      expect(one.status).toBe(200);
      expect({ slug: one.body.slug, id: one.body.id }).toEqual({ slug: 'globex', id: tenant('globex').id });
      const unknown = await get('/api/tenants/00000000-0000-4000-8000-000000000000');
      expect({ status: unknown.status, code: code(unknown) }).toEqual({ status: 404, code: 'TENANT_NOT_FOUND' });
      const bad = await get('/api/tenants/not-a-uuid');
      expect({ status: bad.status, code: code(bad) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it('is for platform admins only', async () => {
      const tenantAdmin = await newPrincipal(api, { role: 'tenant-admin', tenantId: tenant('acme').id });
      const reply = await get(`/api/tenants/${tenant('acme').id}`, tenantAdmin);
      expect({ status: reply.status, code: code(reply) }).toEqual({ status: 403, code: 'FORBIDDEN' });
    });
  });

  describe('GET /api/api-keys?q=', () => {
    const namesFor = async (query: string, token?: string) =>
      (await allPages<{ name: string }>(`/api/api-keys?${query}`, 2, token)).map((key) => key.name).sort();

    beforeAll(async () => {
      for (const [name, slug] of <[string, string][]>[
        ['Deploy-acme', 'acme'],
        ['deploy-globex', 'globex'],
        ['deployer_2', 'acme'],
        ['ci', 'acme'],
        ['DEPLOY-nightly', 'acme'],
      ]) {
        const reply = await api.request('POST', '/api/api-keys', {
          json: { name, role: 'member', tenantId: tenant(slug).id },
        });
        expect(reply.status).toBe(201);
      }
    });

    it('matches a prefix of the name, ignoring case, across pages', async () => {
      expect(await namesFor('q=deploy')).toEqual(['DEPLOY-nightly', 'Deploy-acme', 'deploy-globex', 'deployer_2']);
      expect(await namesFor(`q=DEPLOY-&tenantId=${tenant('acme').id}`)).toEqual(['DEPLOY-nightly', 'Deploy-acme']);
      expect(await namesFor('q=acme')).toEqual([]);
    });

    it('treats LIKE wildcards as plain text, and a blank q as no filter', async () => {
      expect(await namesFor('q=deployer_')).toEqual(['deployer_2']);
      expect(await namesFor('q=deploy_')).toEqual([]);
      expect(await namesFor('q=%25')).toEqual([]);
      expect((await namesFor('q=%20')).length).toBeGreaterThanOrEqual(5);
    });

    it("searches only within a tenant admin's tenant, and refuses a q longer than 100 characters", async () => {
      const tenantAdmin = await newPrincipal(api, { role: 'tenant-admin', tenantId: tenant('globex').id });
      expect(await namesFor('q=deploy', tenantAdmin)).toEqual(['deploy-globex']);
      const reply = await get(`/api/api-keys?q=${'a'.repeat(101)}`);
      expect({ status: reply.status, code: code(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('GET /api/users?q=', () => {
    const emailsFor = async (query: string, token?: string) =>
      (await allPages<User>(`/api/users?${query}`, 2, token)).map((user) => user.email).sort();

    it('matches a prefix of the email, ignoring case, across pages', async () => {
      expect(await emailsFor('q=ANN')).toEqual(['ann@acme.test', 'ann@globex.test', 'anna.b@acme.test']);
      expect(await emailsFor(`q=ann&tenantId=${tenant('acme').id}`)).toEqual(['ann@acme.test', 'anna.b@acme.test']);
      expect(await emailsFor('q=acme')).toEqual([]);
    });

    it('treats LIKE wildcards as plain text', async () => {
      expect(await emailsFor('q=a_')).toEqual(['a_c@acme.test']);
      expect(await emailsFor('q=%25')).toEqual([]);
    });

    it('searches only within the tenant of a tenant admin', async () => {
      const tenantAdmin = await newPrincipal(api, { role: 'tenant-admin', tenantId: tenant('globex').id });
      expect(await emailsFor('q=ann', tenantAdmin)).toEqual(['ann@globex.test']);
    });
  });

  it('serves the prefix searches from indexes', async () => {
    // The tables are tiny, so the planner would scan them anyway: forbid that to see which indexes match.
    await client.query('SET enable_seqscan = off');
    const plan = async (sql: string, values: unknown[]) =>
      (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows
        .map((row) => row['QUERY PLAN'])
        .join('\n');
    expect(await plan(`SELECT * FROM users u WHERE u.email LIKE $1 ESCAPE '\\'`, ['ann%'])).toContain(
      'users_email_prefix_idx',
    );
    const tenantPlan = await plan(
      `SELECT * FROM tenants t WHERE (t.slug LIKE $1 ESCAPE '\\' OR lower(t.name) LIKE $1 ESCAPE '\\')`,
      ['acme%'],
    );
    expect(tenantPlan).toContain('tenants_slug_prefix_idx');
    expect(tenantPlan).toContain('tenants_name_prefix_idx');
    expect(await plan(`SELECT * FROM api_keys k WHERE lower(k.name) LIKE $1 ESCAPE '\\'`, ['deploy%'])).toContain(
      'api_keys_name_prefix_idx',
    );
  });
});
