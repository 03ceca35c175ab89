import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError, postgresOptions } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { type ApiHarness, makeBundle, startApi, uploadViaProxy } from '../../test/api-harness.js';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../access/principal.js';
import type { SecretsKey } from '../config/api-config.js';
import { apiSchema } from '../schema.js';
import { RegistryRepository } from '../registry/registry.repository.js';
import { RegistryService } from '../registry/registry.service.js';
import { InstallSecretsService } from './install-secrets.service.js';
import { InstallsRepository } from './installs.repository.js';
import { InstallsService } from './installs.service.js';

const VAULT = 'com.example.vault';
const PLAIN = 'com.example.plain';
const ORIGIN = 'https://vault.example.com';

function key(id: string): SecretsKey {
  return { id, key: randomBytes(32) };
}

/**
 * The installs module as the gateway and the rotation CLI use it: services built over the API's database
 * with chosen EXT_SECRETS_KEY lists, next to the API that set the secrets (configured with k1 only).
 */
describe('installs for the gateway, and secrets key rotation', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  const platformAdmin: Principal = {
    kind: 'user',
    id: randomUUID(),
    tenantId: null,
    role: 'platform-admin',
    name: 'ops@example.test',
  };
  let api: ApiHarness;
  let db: DataSource;
  let tenantId: string;
  let vaultInstall: string;

  function services(keys: SecretsKey[]): { installs: InstallsService; secrets: InstallSecretsService } {
    const repository = new InstallsRepository(db);
    const audit = new AuditService(new AuditRepository(db));
    const secrets = new InstallSecretsService(repository, { secretsKeys: keys }, audit);
    return {
      installs: new InstallsService(repository, new RegistryService(new RegistryRepository(db), audit), secrets, audit),
      secrets,
    };
  }

  async function publish(manifest: Record<string, unknown>): Promise<void> {
    const bundle = makeBundle({ manifest });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const result = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
    expect(result.status).toBe(200);
  }

  async function install(extensionId: string, capabilities: string[], egress: string[] = []): Promise<string> {
    const created = await api.request<{ id: string }>('POST', '/api/installs', {
      json: { extensionId, version: '1.0.0', tenantId, grant: { capabilities, egress }, enabled: true },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function setSecret(installId: string, name: string, value: string): Promise<void> {
    const set = await api.request('PUT', `/api/installs/${installId}/secrets/${name}`, { json: { value } });
    expect(set.status).toBe(204);
  }

  async function keyIds(): Promise<string[]> {
    const rows = await db.query<{ key_id: string }[]>('SELECT key_id FROM install_secrets ORDER BY install_id, name');
    return rows.map((row) => row.key_id);
  }

  beforeAll(async () => {
    api = await startApi({ env: { EXT_SECRETS_KEY: `k1:${k1.key.toString('base64')}` } });
    db = await new DataSource(
      postgresOptions({ url: api.database.url, poolMax: 4, migrationsRun: false }, apiSchema),
    ).initialize();
    tenantId = (await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug: 'acme', name: 'Acme' } }))
      .body.id;
    await publish({
      name: VAULT,
      version: '1.0.0',
      capabilities: ['cap:log.emit', 'cap:secrets.get', 'cap:http.fetch'],
      egress: [ORIGIN],
      api: { endpoints: [{ method: 'POST', path: '/unlock/:id', handler: 'unlock' }] },
      config: { type: 'object', properties: { region: { type: 'string', default: 'eu' } } },
    });
    await publish({ name: PLAIN, version: '1.0.0', capabilities: ['cap:log.emit', 'cap:secrets.get'] });
    vaultInstall = await install(VAULT, ['cap:log.emit', 'cap:secrets.get', 'cap:http.fetch'], [ORIGIN]);
    await setSecret(vaultInstall, 'API_TOKEN', 'vault-token-1');
    await setSecret(vaultInstall, 'db.password', 'hunter2-ü');
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  it('resolves an install for the gateway, secrets decrypted when cap:secrets.get is granted', async () => {
    const resolved = await services([k1]).installs.resolveForGateway(tenantId, VAULT);
    expect(resolved).toEqual({
      installId: vaultInstall,
      tenantId,
      extensionId: expect.any(String),
      extensionName: VAULT,
      version: '1.0.0',
      contentHash: expect.stringMatching(/^sha256:/),
      enabled: true,
      endpoints: [{ method: 'POST', path: '/unlock/:id', handler: 'unlock' }],
      capabilities: ['cap:log.emit', 'cap:secrets.get', 'cap:http.fetch'],
      egress: [ORIGIN],
      config: { region: 'eu' },
      configVersion: 3,
      secrets: { API_TOKEN: 'vault-token-1', 'db.password': 'hunter2-ü' },
    });
  });

  it('opens no secret for an install without cap:secrets.get, and resolves nothing not installed', async () => {
    const plain = await install(PLAIN, ['cap:log.emit']);
    await setSecret(plain, 'UNUSED', 'never-handed-out');
    const { installs } = services([k1]);
    const resolved = await installs.resolveForGateway(tenantId, PLAIN);
    expect(resolved).toMatchObject({ installId: plain, capabilities: ['cap:log.emit'], secrets: {} });
    expect(await installs.resolveForGateway(tenantId, 'com.example.absent')).toBeNull();
    expect(await installs.resolveForGateway(randomUUID(), VAULT)).toBeNull();
  });

  it('tells listeners about committed changes only, until they unsubscribe', async () => {
    const { installs } = services([k1]);
    const heard: string[] = [];
    const unsubscribe = installs.onChange((tenant, extension) => heard.push(`${tenant}/${extension}`));
    installs.onChange(() => {
      throw new Error('a broken listener must not break the change');
    });
    await installs.setEnabled(platformAdmin, vaultInstall, false);
    await installs.setEnabled(platformAdmin, vaultInstall, false);
    await expect(installs.updateConfig(platformAdmin, vaultInstall, { region: 7 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await installs.updateConfig(platformAdmin, vaultInstall, { region: 'us' });
    await installs.setSecret(platformAdmin, vaultInstall, 'EXTRA', 'x');
    await installs.deleteSecret(platformAdmin, vaultInstall, 'EXTRA');
    expect(heard).toEqual([
      `${tenantId}/${VAULT}`,
      `${tenantId}/${VAULT}`,
      `${tenantId}/${VAULT}`,
      `${tenantId}/${VAULT}`,
    ]);
    unsubscribe();
    await installs.setEnabled(platformAdmin, vaultInstall, true);
    expect(heard).toHaveLength(4);
    expect((await installs.resolveForGateway(tenantId, VAULT))?.configVersion).toBe(8);
  });

  it('decrypts after rotation (keys [k2, k1]), seals new values under k2, and re-encrypts everything', async () => {
    const rotated = services([k2, k1]);
    expect((await rotated.installs.resolveForGateway(tenantId, VAULT))?.secrets).toEqual({
      API_TOKEN: 'vault-token-1',
      'db.password': 'hunter2-ü',
    });
    await rotated.installs.setSecret(platformAdmin, vaultInstall, 'API_TOKEN', 'vault-token-2');
    expect(await keyIds()).toEqual(expect.arrayContaining(['k1', 'k2']));

    const report = await rotated.secrets.reencryptAll();
    expect(report).toEqual({ keyId: 'k2', reencrypted: 2, unknownKey: [] });
    expect(await keyIds()).toEqual(['k2', 'k2', 'k2']);
    expect(await rotated.secrets.reencryptAll()).toEqual({ keyId: 'k2', reencrypted: 0, unknownKey: [] });

    // k1 can now be retired: k2 alone opens everything, and k1 alone no longer can.
    expect((await services([k2]).installs.resolveForGateway(tenantId, VAULT))?.secrets).toEqual({
      API_TOKEN: 'vault-token-2',
      'db.password': 'hunter2-ü',
    });
    const stale = services([k1]).installs.resolveForGateway(tenantId, VAULT);
    await expect(stale).rejects.toBeInstanceOf(DomainError);
    await expect(stale).rejects.toMatchObject({ code: 'SECRETS_KEY_UNKNOWN', details: { keyId: 'k2' } });
  });

  it('reports secrets under a key no longer configured instead of failing the whole rotation', async () => {
    const report = await services([key('k3')]).secrets.reencryptAll();
    expect(report.keyId).toBe('k3');
    expect(report.reencrypted).toBe(0);
    expect(report.unknownKey).toHaveLength(3);
    expect(report.unknownKey.every((secret) => secret.keyId === 'k2')).toBe(true);
    expect(JSON.stringify(report)).not.toContain('vault-token');
    expect(await keyIds()).toEqual(['k2', 'k2', 'k2']);
  });
});
