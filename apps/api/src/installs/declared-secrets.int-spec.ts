import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postgresOptions } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { type ApiHarness, makeBundle, startApi, type TestBundle, uploadViaProxy } from '../../test/api-harness.js';
import { apiSchema } from '../schema.js';

interface DeclaredSecret {
  name: string;
  title?: string;
  description?: string;
  required: boolean;
  set: boolean;
}
interface InstallView {
  id: string;
  version: string;
  secrets: { name: string; updatedAt: string }[];
  declaredSecrets: DeclaredSecret[] | null;
  missingSecrets: string[];
  configVersion: number;
}
interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const VAULT = 'com.example.vault';
const SECRETS_CAPABILITIES = ['cap:log.emit', 'cap:secrets.get'];
const API_TOKEN = {
  name: 'api-token',
  title: 'API token',
  description: 'From the vendor console.',
  required: true,
};
const WEBHOOK_KEY = { name: 'WEBHOOK_KEY' };
/**
 * Property names whose author order differs from jsonb's (shorter keys first, then bytewise): jsonb would
 * return b, zone, apiBaseUrl, and inside b: first, second.
 */
const ORDERED_SCHEMA = {
  type: 'object',
  properties: {
    zone: { type: 'string', title: 'Zone' },
    apiBaseUrl: { type: 'string', title: 'API base URL' },
    b: { type: 'object', properties: { second: { type: 'string' }, first: { type: 'string' } } },
  },
};

/**
 * Declared secrets (ARCHITECTURE §7) and the config schema's property order, on each storage driver: the
 * version rows come from finalize, which reads the bundle from the store.
 */
describe.each(['fs', 's3'] as const)('declared secrets and config order (%s)', (storage) => {
  let api: ApiHarness;
  let db: DataSource;
  let tenantId: string;
  let install: InstallView;

  async function publish(bundle: TestBundle): Promise<{ status: number; body: ErrorBody }> {
    const { uploadId } = await uploadViaProxy(api, bundle);
    return api.request<ErrorBody>('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
  }

  async function view(): Promise<InstallView> {
    const response = await api.request<InstallView>('GET', `/api/installs/${install.id}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  const setSecret = (name: string) =>
    api.request<ErrorBody>('PUT', `/api/installs/${install.id}/secrets/${name}`, { json: { value: 'sealed' } });

  async function switchTo(version: string): Promise<void> {
    const grant = { capabilities: SECRETS_CAPABILITIES, egress: [] };
    const switched = await api.request('PUT', `/api/installs/${install.id}/version`, { json: { version, grant } });
    expect(switched.status).toBe(200);
  }

  // Packed and signed before the API starts: the API runs in this process, and a long synchronous pack
  // between two requests outlasts Node's 5 s keep-alive, so the next request would race the socket's close.
  const common = { name: VAULT, capabilities: SECRETS_CAPABILITIES, config: ORDERED_SCHEMA };
  const bundles = {
    undeclared: makeBundle({ manifest: { ...common, version: '0.9.0' } }),
    declared: makeBundle({ manifest: { ...common, version: '1.0.0', secrets: [API_TOKEN, WEBHOOK_KEY] } }),
    more: makeBundle({
      manifest: { ...common, version: '1.1.0', secrets: [API_TOKEN, { name: 'region-key', required: true }] },
    }),
    bad: makeBundle({
      manifest: {
        ...common,
        version: '2.0.0',
        secrets: [{ name: 'api-token' }, { name: 'api-token' }, { name: 'bad name' }],
      },
    }),
  };

  beforeAll(async () => {
    api = await startApi({ storage });
    db = await new DataSource(
      postgresOptions({ url: api.database.url, poolMax: 2, migrationsRun: false }, apiSchema),
    ).initialize();
    const tenant = await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug: 'acme', name: 'Acme' } });
    tenantId = tenant.body.id;
    for (const bundle of [bundles.undeclared, bundles.declared, bundles.more]) {
      expect((await publish(bundle)).status).toBe(200);
    }
    const created = await api.request<InstallView>('POST', '/api/installs', {
      json: {
        extensionId: VAULT,
        version: '1.0.0',
        tenantId,
        grant: { capabilities: SECRETS_CAPABILITIES, egress: [] },
      },
    });
    expect(created.status).toBe(201);
    install = created.body;
  }, 180_000);

  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  it('lists the declared secrets in the manifest order and the required ones that are missing', () => {
    expect(install.declaredSecrets).toEqual([
      { ...API_TOKEN, set: false },
      { name: 'WEBHOOK_KEY', required: false, set: false },
    ]);
    expect(install.missingSecrets).toEqual(['api-token']);
  });

  it('refuses a name the version does not declare (SECRET_NOT_DECLARED), storing and recording nothing', async () => {
    const refused = await setSecret('API_TOKEN');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'SECRET_NOT_DECLARED',
      details: { name: 'API_TOKEN', declared: ['api-token', 'WEBHOOK_KEY'] },
    });
    const rows = await db.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM install_secrets WHERE install_id = $1',
      [install.id],
    );
    expect(rows[0]?.count).toBe(0);
    const audit = await api.request<{ items: { type: string }[] }>(
      'GET',
      `/api/audit?subject=${encodeURIComponent(`install:${install.id}`)}&limit=200`,
    );
    expect(audit.body.items.map((event) => event.type)).not.toContain('install.secret-set');
    expect((await view()).configVersion).toBe(install.configVersion);
  });

  it('sets a declared secret: it shows as set (never its value) and is no longer missing', async () => {
    expect((await setSecret('api-token')).status).toBe(204);
    const after = await view();
    expect(after.declaredSecrets?.map(({ name, set }) => [name, set])).toEqual([
      ['api-token', true],
      ['WEBHOOK_KEY', false],
    ]);
    expect(after.missingSecrets).toEqual([]);
    expect(JSON.stringify(after)).not.toContain('sealed');
  });

  it("shows in a version diff the target's required secrets that are not set", async () => {
    const diff = (version: string) =>
      api.request<{ missingSecrets: string[] }>('GET', `/api/installs/${install.id}/version-diff?version=${version}`);
    expect((await diff('1.1.0')).body.missingSecrets).toEqual(['region-key']);
    expect((await diff('0.9.0')).body.missingSecrets).toEqual([]);
  });

  it('takes any name on a version that declares none; back on a declaring version, the leftover can be deleted', async () => {
    await switchTo('0.9.0');
    const onOld = await view();
    expect([onOld.declaredSecrets, onOld.missingSecrets]).toEqual([null, []]);
    expect((await setSecret('LEGACY_KEY')).status).toBe(204);
    await switchTo('1.1.0');
    const onNew = await view();
    expect(onNew.missingSecrets).toEqual(['region-key']);
    expect(onNew.secrets.map((secret) => secret.name)).toEqual(['LEGACY_KEY', 'api-token']);
    expect((await setSecret('LEGACY_KEY')).body.error.code).toBe('SECRET_NOT_DECLARED');
    expect((await api.request('DELETE', `/api/installs/${install.id}/secrets/LEGACY_KEY`)).status).toBe(204);
  });

  it("returns the config schema in the author's property order; rows from before fall back to jsonb's", async () => {
    const keys = async (): Promise<[string[], string[]]> => {
      const detail = await api.request<{ manifest: { config: typeof ORDERED_SCHEMA } }>(
        'GET',
        `/api/extensions/${VAULT}/versions/1.0.0`,
      );
      expect(detail.status).toBe(200);
      const { properties } = detail.body.manifest.config;
      return [Object.keys(properties), Object.keys(properties.b.properties)];
    };
    expect(await keys()).toEqual([
      ['zone', 'apiBaseUrl', 'b'],
      ['second', 'first'],
    ]);
    await db.query(`UPDATE extension_versions SET config_schema = NULL WHERE version = '1.0.0'`);
    expect(await keys()).toEqual([
      ['b', 'zone', 'apiBaseUrl'],
      ['first', 'second'],
    ]);
  });

  it('refuses a manifest with bad secret entries at finalize, each issue with its code', async () => {
    const result = await publish(bundles.bad);
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe('INVALID_MANIFEST');
    expect(result.body.error.details?.['issues']).toEqual([
      expect.objectContaining({ path: 'secrets[1].name', code: 'SECRET_DUPLICATE' }),
      expect.objectContaining({ path: 'secrets[2].name', code: 'SECRET_NAME_INVALID' }),
    ]);
    expect((await api.request('GET', `/api/extensions/${VAULT}/versions/2.0.0`)).status).toBe(404);
  });
});
