import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { postgresOptions } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { type ApiHarness, makeBundle, startApi, uploadViaProxy } from '../../test/api-harness.js';
import type { Role } from '../access/principal.js';
import { apiSchema } from '../schema.js';

interface InstallPage {
  items: InstallView[];
  nextCursor: string | null;
}

interface InstallView {
  id: string;
  tenantId: string;
  extension: { id: string; name: string; displayName: string | null };
  version: string;
  contentHash: string;
  enabled: boolean;
  capabilities: { requested: string[]; granted: string[] };
  egress: { requested: string[]; granted: string[] };
  config: Record<string, unknown>;
  configVersion: number;
  secrets: { name: string; updatedAt: string }[];
  ui: { type: string; entry: string } | null;
}
type Created = InstallView & {
  grantReport: {
    notGranted: { capabilities: string[]; egress: string[] };
    notRequested: { capabilities: string[]; egress: string[] };
  };
};
interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface AuditItem {
  type: string;
  subject: string;
  tenantId: string | null;
  data: Record<string, unknown>;
}

const TICKETS = 'com.example.tickets';
const NOTES = 'com.example.notes';
const API_ORIGIN = 'https://api.tickets.example.com';
const TICKETS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl'],
  properties: {
    baseUrl: { type: 'string', minLength: 1 },
    retries: { type: 'integer', minimum: 0, maximum: 5, default: 3 },
  },
};
/** 0.9.0 predates `retries`: a config holding it does not fit. */
const OLD_TICKETS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl'],
  properties: { baseUrl: { type: 'string' } },
};

describe('installs', () => {
  let api: ApiHarness;
  let db: DataSource;
  let acme: string;
  let globex: string;
  const tokens: Record<'acmeAdmin' | 'acmeMember' | 'globexAdmin', string> = {
    acmeAdmin: '',
    acmeMember: '',
    globexAdmin: '',
  };

  async function publish(manifest: Record<string, unknown>): Promise<void> {
    const bundle = makeBundle({ manifest });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const result = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
    expect(result.status).toBe(200);
  }

  async function tenant(slug: string): Promise<string> {
    const created = await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug, name: slug } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function user(role: Role, tenantId: string): Promise<string> {
    const email = `${role}-${randomBytes(3).toString('hex')}@example.test`;
    const password = 'a long enough password';
    expect((await api.request('POST', '/api/users', { json: { email, password, role, tenantId } })).status).toBe(201);
    const login = await api.request<{ accessToken: string }>('POST', '/api/auth/login', {
      token: null,
      json: { email, password },
    });
    return login.body.accessToken;
  }

  async function auditOf(installId: string): Promise<AuditItem[]> {
    const page = await api.request<{ items: AuditItem[] }>(
      'GET',
      `/api/audit?subject=${encodeURIComponent(`install:${installId}`)}&limit=200`,
    );
    expect(page.status).toBe(200);
    return page.body.items.reverse();
  }

  async function view(installId: string, token?: string): Promise<InstallView> {
    const response = await api.request<InstallView>('GET', `/api/installs/${installId}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    api = await startApi();
    db = await new DataSource(
      postgresOptions({ url: api.database.url, poolMax: 2, migrationsRun: false }, apiSchema),
    ).initialize();
    acme = await tenant('acme');
    globex = await tenant('globex');
    tokens.acmeAdmin = await user('tenant-admin', acme);
    tokens.acmeMember = await user('member', acme);
    tokens.globexAdmin = await user('tenant-admin', globex);
    await publish({ name: TICKETS, version: '0.9.0', capabilities: ['cap:log.emit'], config: OLD_TICKETS_SCHEMA });
    await publish({
      name: TICKETS,
      version: '1.0.0',
      capabilities: ['cap:log.emit', 'cap:context.read'],
      config: TICKETS_SCHEMA,
    });
    await publish({
      name: TICKETS,
      version: '1.1.0',
      capabilities: ['cap:log.emit', 'cap:context.read', 'cap:http.fetch', 'cap:secrets.get'],
      egress: [API_ORIGIN],
      config: TICKETS_SCHEMA,
    });
    await publish({ name: TICKETS, version: '1.2.0', config: TICKETS_SCHEMA });
    expect((await api.request('POST', `/api/extensions/${TICKETS}/versions/1.2.0/yank`, { json: {} })).status).toBe(
      200,
    );
    await publish({ name: NOTES, version: '1.0.0', capabilities: ['cap:log.emit'] });
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  describe('an install by a platform admin', () => {
    let install: Created;

    beforeAll(async () => {
      const created = await api.request<Created>('POST', '/api/installs', {
        json: {
          extensionId: TICKETS,
          version: '1.0.0',
          tenantId: acme,
          grant: { capabilities: ['cap:log.emit', 'cap:storage.kv'], egress: ['https://elsewhere.example.com'] },
          config: { baseUrl: 'https://tickets.acme.test' },
        },
      });
      expect(created.status).toBe(201);
      install = created.body;
    });

    it('grants the request ∩ the grant and reports what fell out on both sides', () => {
      expect(install).toMatchObject({
        tenantId: acme,
        extension: { name: TICKETS, displayName: 'Ticket helper' },
        version: '1.0.0',
        enabled: false,
        capabilities: { requested: ['cap:log.emit', 'cap:context.read'], granted: ['cap:log.emit'] },
        egress: { requested: [], granted: [] },
        configVersion: 1,
        secrets: [],
        ui: { type: 'iframe', entry: 'ui/index.html' },
        grantReport: {
          notGranted: { capabilities: ['cap:context.read'], egress: [] },
          notRequested: { capabilities: ['cap:storage.kv'], egress: ['https://elsewhere.example.com'] },
        },
      });
      expect(install.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('applies the schema defaults to the config', () => {
      expect(install.config).toEqual({ baseUrl: 'https://tickets.acme.test', retries: 3 });
    });

    it('records install.create in the audit log, with the tenant of the install', async () => {
      const events = await auditOf(install.id);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'install.create',
          tenantId: acme,
          data: expect.objectContaining({ extension: TICKETS, version: '1.0.0', enabled: false }),
        }),
      ]);
    });

    it('refuses a second install of the same extension in the tenant', async () => {
      const again = await api.request<ErrorBody>('POST', '/api/installs', {
        json: { extensionId: TICKETS, version: '1.1.0', tenantId: acme, grant: { capabilities: [], egress: [] } },
      });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ALREADY_INSTALLED');
    });

    it('sets the state explicitly: idempotent, config_version and audit only on a change', async () => {
      const put = (enabled: boolean) =>
        api.request<InstallView>('PUT', `/api/installs/${install.id}/state`, { json: { enabled } });
      const enabled = await put(true);
      expect(enabled.status).toBe(200);
      expect(enabled.body).toMatchObject({ enabled: true, configVersion: 2 });
      expect((await put(true)).body).toMatchObject({ enabled: true, configVersion: 2 });
      expect((await put(false)).body).toMatchObject({ enabled: false, configVersion: 3 });
      expect((await put(false)).body).toMatchObject({ enabled: false, configVersion: 3 });
      expect((await put(true)).body).toMatchObject({ enabled: true, configVersion: 4 });
      const types = (await auditOf(install.id)).map((event) => event.type);
      expect(types).toEqual(['install.create', 'install.enable', 'install.disable', 'install.enable']);
      const notABoolean = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/state`, { json: {} });
      expect(notABoolean.status).toBe(400);
    });

    it('validates config updates against the schema, reporting each issue by path', async () => {
      const bad = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/config`, {
        json: { config: { retries: 9, extra: true } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_CONFIG');
      const issues = bad.body.error.details?.['issues'] as { path: string; message: string }[];
      expect(issues.map((issue) => issue.path).sort()).toEqual(['baseUrl', 'extra', 'retries']);
      const before = await view(install.id);

      const good = await api.request<InstallView>('PUT', `/api/installs/${install.id}/config`, {
        json: { config: { baseUrl: 'https://tickets-2.acme.test' } },
      });
      expect(good.status).toBe(200);
      expect(good.body.config).toEqual({ baseUrl: 'https://tickets-2.acme.test', retries: 3 });
      expect(good.body.configVersion).toBe(before.configVersion + 1);
      const same = await api.request<InstallView>('PUT', `/api/installs/${install.id}/config`, {
        json: { config: { baseUrl: 'https://tickets-2.acme.test', retries: 3 } },
      });
      expect(same.body.configVersion).toBe(before.configVersion + 1);
      const events = (await auditOf(install.id)).filter((event) => event.type === 'install.config-update');
      expect(events).toHaveLength(1);
      expect(events[0]?.data).toEqual({ extension: TICKETS, changedKeys: ['baseUrl'] });
    });

    it('diffs versions against the current grant', async () => {
      const diff = await api.request('GET', `/api/installs/${install.id}/version-diff?version=1.1.0`);
      expect(diff.status).toBe(200);
      expect(diff.body).toEqual({
        from: '1.0.0',
        to: '1.1.0',
        direction: 'upgrade',
        capabilities: { added: ['cap:context.read', 'cap:http.fetch', 'cap:secrets.get'], removed: [] },
        egress: { added: [API_ORIGIN], removed: [] },
        requiresApproval: true,
      });
      const back = await api.request('GET', `/api/installs/${install.id}/version-diff?version=0.9.0`);
      expect(back.body).toMatchObject({ direction: 'rollback', requiresApproval: false });
      expect((await api.request('GET', `/api/installs/${install.id}/version-diff?version=7.0.0`)).status).toBe(404);
    });

    it('refuses an upgrade that widens the grant without approval, changing nothing', async () => {
      const before = await view(install.id);
      const refused = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/version`, {
        json: { version: '1.1.0' },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('APPROVAL_REQUIRED');
      expect(refused.body.error.details).toMatchObject({
        from: '1.0.0',
        to: '1.1.0',
        capabilities: { added: ['cap:context.read', 'cap:http.fetch', 'cap:secrets.get'] },
        egress: { added: [API_ORIGIN] },
        requiresApproval: true,
      });
      expect(await view(install.id)).toEqual(before);
      expect((await auditOf(install.id)).map((event) => event.type)).not.toContain('install.version-change');
    });

    it('upgrades with a grant approving the additions', async () => {
      const before = await view(install.id);
      const switched = await api.request<{ install: InstallView; diff: { direction: string } }>(
        'PUT',
        `/api/installs/${install.id}/version`,
        {
          json: {
            version: '1.1.0',
            grant: { capabilities: ['cap:log.emit', 'cap:http.fetch', 'cap:secrets.get'], egress: [API_ORIGIN] },
          },
        },
      );
      expect(switched.status).toBe(200);
      expect(switched.body.diff.direction).toBe('upgrade');
      expect(switched.body.install).toMatchObject({
        version: '1.1.0',
        capabilities: { granted: ['cap:log.emit', 'cap:http.fetch', 'cap:secrets.get'] },
        egress: { granted: [API_ORIGIN] },
        config: before.config,
        configVersion: before.configVersion + 1,
      });
      const event = (await auditOf(install.id)).find((item) => item.type === 'install.version-change');
      expect(event?.data).toMatchObject({
        from: '1.0.0',
        to: '1.1.0',
        direction: 'upgrade',
        diff: { capabilities: { added: ['cap:context.read', 'cap:http.fetch', 'cap:secrets.get'], removed: [] } },
      });
    });

    it('refuses to move onto a yanked or unknown version', async () => {
      const yanked = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/version`, {
        json: { version: '1.2.0', grant: { capabilities: [], egress: [] } },
      });
      expect(yanked.status).toBe(409);
      expect(yanked.body.error.code).toBe('VERSION_YANKED');
      const unknown = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/version`, {
        json: { version: '3.0.0' },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('VERSION_NOT_FOUND');
    });

    it("rolls back, narrowing the grant, once the config fits the target's schema", async () => {
      const misfit = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/version`, {
        json: { version: '0.9.0' },
      });
      expect(misfit.status).toBe(400);
      expect(misfit.body.error).toMatchObject({
        code: 'INVALID_CONFIG',
        details: { issues: [{ path: 'retries', message: 'is not a known setting' }] },
      });
      expect((await view(install.id)).version).toBe('1.1.0');

      const before = await view(install.id);
      const rolledBack = await api.request<{ install: InstallView; diff: Record<string, unknown> }>(
        'PUT',
        `/api/installs/${install.id}/version`,
        { json: { version: '0.9.0', config: { baseUrl: 'https://old.acme.test' } } },
      );
      expect(rolledBack.status).toBe(200);
      expect(rolledBack.body.diff).toEqual({
        from: '1.1.0',
        to: '0.9.0',
        direction: 'rollback',
        capabilities: { added: [], removed: ['cap:http.fetch', 'cap:secrets.get'] },
        egress: { added: [], removed: [API_ORIGIN] },
        requiresApproval: false,
      });
      expect(rolledBack.body.install).toMatchObject({
        version: '0.9.0',
        capabilities: { requested: ['cap:log.emit'], granted: ['cap:log.emit'] },
        egress: { granted: [] },
        config: { baseUrl: 'https://old.acme.test' },
        configVersion: before.configVersion + 1,
      });
    });
  });

  describe('tenancy and roles', () => {
    let notes: InstallView;

    beforeAll(async () => {
      const created = await api.request<Created>('POST', '/api/installs', {
        token: tokens.acmeAdmin,
        json: { extensionId: NOTES, version: '1.0.0', grant: { capabilities: ['cap:log.emit'], egress: [] } },
      });
      expect(created.status).toBe(201);
      notes = created.body;
    });

    it("puts a tenant admin's install in its own tenant", () => {
      expect(notes).toMatchObject({ tenantId: acme, config: {}, capabilities: { granted: ['cap:log.emit'] } });
    });

    it('refuses a tenant admin installing into another tenant', async () => {
      const other = await api.request<ErrorBody>('POST', '/api/installs', {
        token: tokens.globexAdmin,
        json: { extensionId: NOTES, version: '1.0.0', tenantId: acme, grant: { capabilities: [], egress: [] } },
      });
      expect(other.status).toBe(403);
      expect(other.body.error.code).toBe('FORBIDDEN');
    });

    it('lets members read their tenant’s installs but not install or change them', async () => {
      const listed = await api.request<InstallPage>('GET', '/api/installs', { token: tokens.acmeMember });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((item) => item.extension.name).sort()).toEqual([NOTES, TICKETS]);
      expect((await view(notes.id, tokens.acmeMember)).extension.name).toBe(NOTES);
      const install = await api.request<ErrorBody>('POST', '/api/installs', {
        token: tokens.acmeMember,
        json: { extensionId: NOTES, version: '1.0.0', grant: { capabilities: [], egress: [] } },
      });
      expect(install.status).toBe(403);
      const enable = await api.request('PUT', `/api/installs/${notes.id}/state`, {
        token: tokens.acmeMember,
        json: { enabled: true },
      });
      expect(enable.status).toBe(403);
    });

    it("keeps another tenant's admin away from the tenant's installs", async () => {
      const listed = await api.request<InstallPage>('GET', '/api/installs', { token: tokens.globexAdmin });
      expect(listed.body).toEqual({ items: [], nextCursor: null });
      const peek = await api.request<ErrorBody>('GET', `/api/installs/${notes.id}`, { token: tokens.globexAdmin });
      expect(peek.status).toBe(404);
      expect(peek.body.error.code).toBe('INSTALL_NOT_FOUND');
      for (const [method, path, json] of [
        ['PUT', `/api/installs/${notes.id}/state`, { enabled: true }],
        ['PUT', `/api/installs/${notes.id}/config`, { config: {} }],
        ['PUT', `/api/installs/${notes.id}/secrets/TOKEN`, { value: 'x' }],
        ['DELETE', `/api/installs/${notes.id}`, undefined],
      ] as const) {
        expect((await api.request(method, path, { token: tokens.globexAdmin, json })).status).toBe(404);
      }
      const filter = await api.request('GET', `/api/installs?tenantId=${acme}`, { token: tokens.globexAdmin });
      expect(filter.status).toBe(403);
      expect((await view(notes.id)).enabled).toBe(false);
    });

    it("lets platform admins list every tenant's installs or one tenant's", async () => {
      const all = await api.request<InstallPage>('GET', '/api/installs');
      expect(all.body.items.map((item) => item.tenantId)).toEqual([acme, acme]);
      const globexOnly = await api.request<InstallPage>('GET', `/api/installs?tenantId=${globex}`);
      expect(globexOnly.body).toEqual({ items: [], nextCursor: null });
      const noTenant = await api.request<ErrorBody>('POST', '/api/installs', {
        json: { extensionId: NOTES, version: '1.0.0', grant: { capabilities: [], egress: [] } },
      });
      expect(noTenant.status).toBe(400);
      const ghost = await api.request<ErrorBody>('POST', '/api/installs', {
        json: {
          extensionId: NOTES,
          version: '1.0.0',
          tenantId: '00000000-0000-4000-8000-000000000000',
          grant: { capabilities: [], egress: [] },
        },
      });
      expect(ghost.status).toBe(404);
      expect(ghost.body.error.code).toBe('TENANT_NOT_FOUND');
    });
  });

  describe('refused installs', () => {
    const attempt = (body: Record<string, unknown>) =>
      api.request<ErrorBody>('POST', '/api/installs', {
        json: { tenantId: globex, grant: { capabilities: [], egress: [] }, ...body },
      });

    it('refuses yanked and unknown versions and extensions', async () => {
      const yanked = await attempt({ extensionId: TICKETS, version: '1.2.0' });
      expect([yanked.status, yanked.body.error.code]).toEqual([409, 'VERSION_YANKED']);
      const unknown = await attempt({ extensionId: TICKETS, version: '9.9.9' });
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'VERSION_NOT_FOUND']);
      const noExtension = await attempt({ extensionId: 'com.example.absent', version: '1.0.0' });
      expect([noExtension.status, noExtension.body.error.code]).toEqual([404, 'EXTENSION_NOT_FOUND']);
    });

    it('refuses grants of unknown capabilities or non-origin egress', async () => {
      const invalid = await attempt({
        extensionId: TICKETS,
        version: '1.1.0',
        config: { baseUrl: 'x' },
        grant: { capabilities: ['cap:everything'], egress: ['https://api.tickets.example.com/v1'] },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('INVALID_GRANT');
      expect((invalid.body.error.details?.['issues'] as { path: string }[]).map((issue) => issue.path)).toEqual([
        'grant.capabilities[0]',
        'grant.egress[0]',
      ]);
    });

    it('refuses configs that do not fit, and any config for a version without a schema', async () => {
      const missing = await attempt({ extensionId: TICKETS, version: '1.1.0', config: { retries: 'many' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('INVALID_CONFIG');
      expect((missing.body.error.details?.['issues'] as { path: string }[]).map((issue) => issue.path).sort()).toEqual([
        'baseUrl',
        'retries',
      ]);
      const schemaless = await attempt({ extensionId: NOTES, version: '1.0.0', config: { anything: 1 } });
      expect(schemaless.status).toBe(400);
      expect(schemaless.body.error.code).toBe('INVALID_CONFIG');
      expect((await api.request<InstallPage>('GET', `/api/installs?tenantId=${globex}`)).body.items).toEqual([]);
    });
  });

  describe('secrets', () => {
    const VALUE = `s3cr3t-${randomBytes(12).toString('hex')}`;
    let install: InstallView;

    beforeAll(async () => {
      const created = await api.request<Created>('POST', '/api/installs', {
        json: {
          extensionId: TICKETS,
          version: '1.1.0',
          tenantId: globex,
          grant: { capabilities: ['cap:secrets.get', 'cap:http.fetch'], egress: [API_ORIGIN] },
          config: { baseUrl: 'https://tickets.globex.test' },
        },
      });
      expect(created.status).toBe(201);
      install = created.body;
    });

    it('sets a secret (204), bumps config_version and lists its name only', async () => {
      const set = await api.request('PUT', `/api/installs/${install.id}/secrets/API_TOKEN`, {
        json: { value: VALUE },
      });
      expect(set.status).toBe(204);
      const after = await view(install.id);
      expect(after.configVersion).toBe(install.configVersion + 1);
      expect(after.secrets).toEqual([{ name: 'API_TOKEN', updatedAt: expect.any(String) }]);
      const replaced = await api.request('PUT', `/api/installs/${install.id}/secrets/API_TOKEN`, {
        json: { value: `${VALUE}-2` },
      });
      expect(replaced.status).toBe(204);
      expect((await view(install.id)).configVersion).toBe(install.configVersion + 2);
    });

    it('never returns the value: not in views, lists, diffs or audit events', async () => {
      const everything = JSON.stringify([
        await api.request('GET', `/api/installs/${install.id}`),
        await api.request('GET', '/api/installs'),
        await api.request('GET', `/api/installs?tenantId=${globex}`),
        await api.request('GET', `/api/installs/${install.id}`, { token: tokens.globexAdmin }),
        await api.request('GET', `/api/installs/${install.id}/version-diff?version=1.0.0`),
        await api.request('GET', '/api/audit?limit=200'),
      ]);
      expect(everything).toContain('API_TOKEN');
      expect(everything).not.toContain(VALUE);
      const events = (await auditOf(install.id)).filter((event) => event.type === 'install.secret-set');
      expect(events).toHaveLength(2);
      expect(events[0]?.data).toEqual({ extension: TICKETS, name: 'API_TOKEN' });
    });

    it('stores it sealed: the row holds neither the value nor its bytes', async () => {
      const rows = await db.query<{ ciphertext: Buffer; iv: Buffer; tag: Buffer; key_id: string; row: string }[]>(
        `SELECT ciphertext, iv, tag, key_id, row_to_json(s)::text AS row FROM install_secrets s WHERE install_id = $1`,
        [install.id],
      );
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row?.key_id).toBe('k1');
      expect(row?.iv).toHaveLength(12);
      expect(row?.tag).toHaveLength(16);
      expect(row?.row).not.toContain(VALUE);
      expect(row?.ciphertext.includes(Buffer.from(VALUE))).toBe(false);
      expect(row?.row).not.toContain(Buffer.from(VALUE).toString('hex'));
    });

    it('refuses bad names and oversized values', async () => {
      const badName = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/secrets/bad%20name`, {
        json: { value: 'x' },
      });
      expect([badName.status, badName.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
      const tooLong = await api.request<ErrorBody>('PUT', `/api/installs/${install.id}/secrets/BIG`, {
        json: { value: 'é'.repeat(4097) },
      });
      expect([tooLong.status, tooLong.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
      const justFits = await api.request('PUT', `/api/installs/${install.id}/secrets/BIG`, {
        json: { value: 'é'.repeat(4096) },
      });
      expect(justFits.status).toBe(204);
    });

    it('deletes a secret (204), then answers 404 SECRET_NOT_FOUND', async () => {
      const before = await view(install.id);
      expect((await api.request('DELETE', `/api/installs/${install.id}/secrets/BIG`)).status).toBe(204);
      const after = await view(install.id);
      expect(after.secrets.map((secret) => secret.name)).toEqual(['API_TOKEN']);
      expect(after.configVersion).toBe(before.configVersion + 1);
      const again = await api.request<ErrorBody>('DELETE', `/api/installs/${install.id}/secrets/BIG`);
      expect([again.status, again.body.error.code]).toEqual([404, 'SECRET_NOT_FOUND']);
      const events = (await auditOf(install.id)).filter((event) => event.type === 'install.secret-delete');
      expect(events.map((event) => event.data)).toEqual([{ extension: TICKETS, name: 'BIG' }]);
    });

    it('uninstalls (204): the install and its secrets are gone, and the audit log says so', async () => {
      expect((await api.request('DELETE', `/api/installs/${install.id}`)).status).toBe(204);
      expect((await api.request('GET', `/api/installs/${install.id}`)).status).toBe(404);
      const left = await db.query<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM install_secrets WHERE install_id = $1',
        [install.id],
      );
      expect(left[0]?.count).toBe(0);
      expect((await auditOf(install.id)).at(-1)).toMatchObject({
        type: 'install.uninstall',
        tenantId: globex,
        data: { extension: TICKETS, version: '1.1.0' },
      });
      expect((await api.request('DELETE', `/api/installs/${install.id}`)).status).toBe(404);
    });
  });
});
