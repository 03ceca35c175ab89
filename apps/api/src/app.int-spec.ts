import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { readinessWhen } from '@extplat/testing';
import { type ApiHarness, startApi } from '../test/api-harness.js';
import { migrationNames } from './database/migrations.js';
import { fetchApi } from '../test/openapi-contract.js';

describe('API on a real PostgreSQL and a real S3 bucket', () => {
  let api: ApiHarness;
  let base: string;
  let database: { url: string };

  beforeAll(async () => {
    api = await startApi();
    ({ base, database } = api);
  });

  afterAll(() => api?.close());

  it('answers liveness without consulting dependencies', async () => {
    const response = await fetchApi(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL and the bucket answer, with a result per check', async () => {
    // Each check has 3 s; a loaded machine may miss that once, so poll for readiness before the exact body.
    const response = await readinessWhen(`${base}/readyz`, (answer) => answer.status === 200);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({
      status: 'ready',
      checks: {
        database: { ok: true, latencyMs: expect.any(Number) },
        storage: { ok: true, latencyMs: expect.any(Number) },
        // No Runner in this test: reported, not failed.
        runnerConfig: {
          ok: true,
          latencyMs: expect.any(Number),
          detail: expect.stringContaining('parity not checked'),
        },
        // No REDIS_URL: limits stay in the process, and the probe says so.
        redis: { ok: true, latencyMs: expect.any(Number), detail: expect.stringMatching(/^not configured/) },
      },
    });
  });

  it('applied the migrations at startup', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(migrationNames);
      await client.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme')`);
      await expect(client.query(`INSERT INTO tenants (slug, name) VALUES ('Bad Slug', 'x')`)).rejects.toThrow(
        /tenants_slug_format/,
      );
    } finally {
      await client.end();
    }
  });

  it('echoes an acceptable request id and generates one otherwise', async () => {
    const kept = await fetchApi(`${base}/healthz`, { headers: { 'x-request-id': 'ci-run-42.step-1' } });
    expect(kept.headers.get('x-request-id')).toBe('ci-run-42.step-1');
    const replaced = await fetchApi(`${base}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves interactive API docs and the OpenAPI document', async () => {
    const page = await fetchApi(`${base}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const document = (await (await fetchApi(`${base}/api/docs-json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/ext-bundles/finalize', '/api/extensions', '/api/audit']),
    );
  });

  it('answers unknown routes with the standard error body carrying the request id', async () => {
    const response = await fetchApi(`${base}/api/nothing-here`, { headers: { 'x-request-id': 'req-404' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('/api/nothing-here') },
      requestId: 'req-404',
    });
  });
});

describe('API readiness when a dependency is missing', () => {
  it('answers 503 and names the failing check', async () => {
    const api = await startApi({ env: { STORAGE_S3_BUCKET: 'extplat-absent-bucket' } });
    try {
      type Body = { status: string; checks: Record<string, { ok: boolean; error?: string }> };
      // Until the database check has had its answer (a slow one reports a timeout instead).
      const response = await readinessWhen<Body>(
        `${api.base}/readyz`,
        (answer) => answer.body.checks['database']?.ok === true,
      );
      expect(response.status).toBe(503);
      const body = response.body;
      expect(body.status).toBe('not-ready');
      expect(body.checks['database']?.ok).toBe(true);
      expect(body.checks['storage']).toMatchObject({ ok: false, error: expect.any(String) });
    } finally {
      await api.close();
    }
  });
});
