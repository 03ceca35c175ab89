import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runToExit } from '@extplat/testing';
import pg from 'pg';
import { apiTestEnv, type ApiHarness, makeBundle, startApi, uploadViaProxy } from '../../test/api-harness.js';

const CLI = fileURLToPath(new URL('../../dist/installs/secrets-rotate-cli.js', import.meta.url));

/** `npm run secrets:rotate` as operations.md documents it: new key first, old key after it. */
describe('npm run secrets:rotate (the built CLI, on a real database)', () => {
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  const k2 = `k2:${randomBytes(32).toString('base64')}`;
  let api: ApiHarness;

  async function keyIds(): Promise<string[]> {
    const client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ key_id: string }>('SELECT key_id FROM install_secrets ORDER BY name');
      return rows.map((row) => row.key_id);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    api = await startApi({ storage: 'fs', env: { EXT_SECRETS_KEY: k1 } });
    const bundle = makeBundle({ manifest: { capabilities: ['cap:secrets.get'] } });
    const { uploadId } = await uploadViaProxy(api, bundle);
    const finalized = await api.request('POST', '/api/ext-bundles/finalize', {
      json: { uploadId, signature: bundle.signature },
    });
    expect(finalized.status).toBe(200);
    const tenant = await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug: 'acme', name: 'Acme' } });
    const install = await api.request<{ id: string }>('POST', '/api/installs', {
      json: {
        tenantId: tenant.body.id,
        extensionId: 'com.example.tickets',
        version: '1.0.0',
        grant: { capabilities: ['cap:secrets.get'], egress: [] },
      },
    });
    expect(install.status).toBe(201);
    for (const name of ['alpha', 'beta']) {
      const set = await api.request('PUT', `/api/installs/${install.body.id}/secrets/${name}`, {
        json: { value: `${name}-value` },
      });
      expect(set.status).toBe(204);
    }
  }, 60_000);

  afterAll(() => api?.close());

  it('re-encrypts every secret under the newest key and reports it without values', async () => {
    expect(await keyIds()).toEqual(['k1', 'k1']);
    const env = { ...apiTestEnv(api.database, undefined), EXT_SECRETS_KEY: `${k2},${k1}` };
    const result = await runToExit(CLI, env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ keyId: 'k2', reencrypted: 2, unknownKey: [] });
    expect(result.stdout + result.stderr).not.toContain('alpha-value');
    expect(await keyIds()).toEqual(['k2', 'k2']);
  });

  it('fails, naming the secrets, when a stored key id is no longer configured', async () => {
    const env = { ...apiTestEnv(api.database, undefined), EXT_SECRETS_KEY: `k3:${randomBytes(32).toString('base64')}` };
    const result = await runToExit(CLI, env);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      keyId: 'k3',
      reencrypted: 0,
      unknownKey: [{ keyId: 'k2' }, { keyId: 'k2' }],
    });
  });
});
