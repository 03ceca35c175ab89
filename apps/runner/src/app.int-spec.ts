import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { RUNNER_EXECUTE_PATH } from '@extplat/contracts';
import { createRootLogger, listen, signRunnerRequest } from '@extplat/server-core';
import { createTestDatabase, readinessWhen, runToExit, type TestDatabase } from '@extplat/testing';
import { createRunnerApp } from './app.js';
import { loadRunnerConfig } from './config/runner-config.js';

describe('Runner on a real PostgreSQL with the fs bundle store', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let base: string;
  let storeRoot: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    storeRoot = mkdtempSync(join(tmpdir(), 'extplat-runner-store-'));
    const config = loadRunnerConfig({
      DATABASE_URL: database.url,
      STORAGE_DRIVER: 'fs',
      STORAGE_FS_ROOT: storeRoot,
      SIGNING_POLICY: 'off',
      RUNNER_SHARED_SECRET: 's'.repeat(32),
      RUNNER_PORT: '0',
    });
    app = await createRunnerApp(config, createRootLogger({ level: 'silent', service: 'runner' }));
    base = await listen(app, config.http);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(storeRoot, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Each check may take seconds on a loaded machine (and then report its timeout): poll for readiness.
    const ready = await readinessWhen(`${base}/readyz`, (answer) => answer.status === 200);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, storage: { ok: true } },
    });
  });

  // POST /v1/execute is served ahead of Nest's router (ExecuteEndpoint): the edges must stay those of a route.
  it('answers execute calls with the request id, the standard error body and codes, and 404s other methods', async () => {
    const unsigned = await fetch(`${base}${RUNNER_EXECUTE_PATH}?any=query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'execute-edge-1' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('x-request-id')).toBe('execute-edge-1');
    expect(unsigned.headers.get('cache-control')).toBe('no-store');
    expect(await unsigned.json()).toEqual({
      error: {
        code: 'EXECUTE_UNAUTHORIZED',
        message: 'The request is not signed by the API gateway',
        details: { reason: 'missing' },
      },
      requestId: 'execute-edge-1',
    });

    const body = Buffer.from(JSON.stringify({ claims: {} }));
    const signed = await fetch(`${base}${RUNNER_EXECUTE_PATH}`, {
      method: 'POST',
      headers: { ...signRunnerRequest('s'.repeat(32), body), 'content-type': 'application/json' },
      body,
    });
    expect(signed.status).toBe(400);
    expect(((await signed.json()) as { error: { code: string } }).error.code).toBe('INVALID_EXECUTE_REQUEST');

    const get = await fetch(`${base}${RUNNER_EXECUTE_PATH}`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('turns not-ready when the store becomes unusable', async () => {
    rmSync(storeRoot, { recursive: true, force: true });
    // A file where the store's root should be: the fs driver cannot use it.
    writeFileSync(storeRoot, 'not a directory');
    type Body = { checks: Record<string, { ok: boolean }> };
    const ready = await readinessWhen<Body>(`${base}/readyz`, ({ body }) => body.checks['database']?.ok === true);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status: 'not-ready',
      checks: { database: { ok: true }, storage: { ok: false } },
    });
  });
});

describe('the Runner process', () => {
  it('stops at boot with exit status 78 when its configuration is invalid', async () => {
    const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const result = await runToExit(entry, { STORAGE_DRIVER: 'ftp' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('extplat-runner: Invalid configuration:');
    expect(result.stderr).toContain('- STORAGE_DRIVER: must be one of s3, fs (got "ftp")');
    expect(result.stderr).toContain('- DATABASE_URL: is required');
  });
});
