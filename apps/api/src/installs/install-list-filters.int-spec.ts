import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { type ApiHarness, startApi } from '../../test/api-harness.js';

interface Listed {
  extension: { name: string };
  enabled: boolean;
  ui: { type: string; entry: string } | null;
}

const TICKETS = 'com.example.tickets';
const NOTES = 'com.example.notes';
const HEADLESS = 'com.example.headless';

/**
 * The filters of GET /api/installs the console lists with, on a real PostgreSQL: `only=apps` for the apps
 * menu and `extensions=` for the installs of the rows a page shows.
 */
describe('install list filters', () => {
  let api: ApiHarness;
  let tenantId: string;

  const listed = async (query: string): Promise<[string, boolean, boolean][]> => {
    const page = await api.request<{ items: Listed[] }>('GET', `/api/installs?tenantId=${tenantId}${query}`);
    expect(page.status).toBe(200);
    return page.body.items.map((item) => [item.extension.name, item.enabled, item.ui !== null]);
  };

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
    const created = await api.request<{ id: string }>('POST', '/api/tenants', {
      json: { slug: 'initech', name: 'Initech' },
    });
    tenantId = created.body.id;
    // Straight into the tables (columns as the migrations define them): what is listed is the point here,
    // and the publish and install paths have suites of their own.
    const client = new pg.Client({ connectionString: api.database.url });
    await client.connect();
    try {
      for (const [name, enabled, ui] of <[string, boolean, unknown][]>[
        [TICKETS, true, { type: 'iframe', entry: 'ui/index.html' }],
        [NOTES, false, { type: 'iframe', entry: 'ui/index.html' }],
        [HEADLESS, true, null],
      ]) {
        await client.query(
          `WITH e AS (INSERT INTO extensions (name, publisher) VALUES ($1, 'example') RETURNING id),
                v AS (INSERT INTO extension_versions (extension_id, version, content_hash, size, unpacked_size, runtime,
                                                      entry, api_endpoints, capabilities, egress, manifest, publisher,
                                                      signature_status, signature, published_by, ui)
                      SELECT e.id, '1.0.0', 'sha256:' || encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 1,
                             'wasm-component@1', 'dist/main.wasm', '[]', '[]', '[]', '{}', 'example', 'unsigned', '{}',
                             'seed', $3::jsonb
                        FROM e RETURNING id, extension_id)
           INSERT INTO installs (tenant_id, extension_id, version_id, enabled, installed_by)
           SELECT $4::uuid, v.extension_id, v.id, $2, 'seed' FROM v`,
          [name, enabled, ui === null ? null : JSON.stringify(ui), tenantId],
        );
      }
    } finally {
      await client.end();
    }
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  it('lists every install by extension name without a filter', async () => {
    expect(await listed('')).toEqual([
      [HEADLESS, true, false],
      [NOTES, false, true],
      [TICKETS, true, true],
    ]);
  });

  it('keeps the enabled installs with a UI for only=apps', async () => {
    expect(await listed('&only=apps')).toEqual([[TICKETS, true, true]]);
  });

  it('keeps the installs of the named extensions for extensions=, unknown names matching nothing', async () => {
    expect(await listed(`&extensions=${TICKETS},${HEADLESS},com.example.absent`)).toEqual([
      [HEADLESS, true, false],
      [TICKETS, true, true],
    ]);
    expect(await listed(`&extensions=${NOTES}&only=apps`)).toEqual([]);
  });

  it('refuses another only, an empty or malformed name, and more than 100 names', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => `com.example.e${i}`).join(',');
    for (const query of [
      'only=everything',
      'extensions=',
      'extensions=a,,b',
      'extensions=Com.Example',
      `extensions=${tooMany}`,
    ]) {
      const reply = await api.request<{ error: { code: string } }>('GET', `/api/installs?${query}`);
      expect({ query, status: reply.status, code: reply.body.error.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });
});
