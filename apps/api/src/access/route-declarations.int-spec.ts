import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { createHttpApp, createRootLogger, listen } from '@extplat/server-core';
import { createTestDatabase, type TestDatabase } from '@extplat/testing';
import { ApiModule } from '../app.module.js';
import { createApiApp } from '../app.js';
import { type ApiConfig, loadApiConfig } from '../config/api-config.js';
import { API_DOCS_PATH } from '../openapi.js';
import { listRouteDeclarations, undeclaredRoutes } from './route-declarations.js';
import { fetchApi } from '../../test/openapi-contract.js';

const ADMIN_EMAIL = 'root@routes.test';
const ADMIN_PASSWORD = 'bootstrap password 2';

/** A route somebody forgot to declare. */
@Controller('api/forgotten')
class ForgottenController {
  @Get()
  secrets(): { leaked: true } {
    return { leaked: true };
  }
}

@Module({ controllers: [ForgottenController] })
class ForgottenModule {}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** What Express actually routes: every Nest handler is one layer with a path and its method. */
function expressRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route?.path ?? ''}`)
      : [],
  );
}

describe('every route of the API declares its access', () => {
  let database: TestDatabase;
  let storeRoot: string;
  let config: ApiConfig;
  let app: INestApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    storeRoot = mkdtempSync(join(tmpdir(), 'extplat-routes-'));
    config = loadApiConfig({
      DATABASE_URL: database.url,
      STORAGE_DRIVER: 'fs',
      STORAGE_FS_ROOT: storeRoot,
      SIGNING_POLICY: 'off',
      RUNNER_SHARED_SECRET: 'r'.repeat(32),
      EXT_SECRETS_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      AUTH_JWT_SECRET: 'j'.repeat(32),
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    app = await createApiApp(config, createRootLogger({ level: 'silent', service: 'api' }));
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(storeRoot, { recursive: true, force: true });
  });

  it('lists every Nest route Express serves; the only others are the public OpenAPI docs', () => {
    const routes = listRouteDeclarations(app);
    const declared = routes.map((route) => `${route.method} ${route.path}`);
    const served = expressRoutes(app);
    expect(served).toEqual(expect.arrayContaining(declared));
    // Routes registered on Express directly never pass the guard: each one must be known to be public.
    const outsideNest = served.filter((route) => !declared.includes(route));
    expect(outsideNest.filter((route) => !route.startsWith(`GET /${API_DOCS_PATH}`))).toEqual([]);
    expect(routes).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/healthz', access: { public: true } }),
    );
    expect(routes).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/api/auth/login', access: { public: true } }),
    );
    expect(routes).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/api/tenants', access: { permission: 'tenant.manage' } }),
    );
  });

  it('has no handler without @Public() or @Authenticated', () => {
    const undeclared = undeclaredRoutes(app).map(
      (route) => `${route.method} ${route.path} (${route.controller}.${route.handler})`,
    );
    expect(undeclared).toEqual([]);
  });

  it('would name a forgotten route, and the guard refuses it to everyone (403 ROUTE_NOT_DECLARED)', async () => {
    @Module({ imports: [ApiModule.register(config), ForgottenModule] })
    class ApiWithForgottenRoute {}

    const withForgotten = await createHttpApp({
      module: ApiWithForgottenRoute,
      logger: createRootLogger({ level: 'silent', service: 'api' }),
    });
    try {
      const base = await listen(withForgotten, config.http);
      expect(undeclaredRoutes(withForgotten).map((route) => `${route.method} ${route.path}`)).toEqual([
        'GET /api/forgotten',
      ]);
      const login = await fetchApi(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const asAnonymous: Record<string, string> = {};
      for (const headers of [asAnonymous, { authorization: `Bearer ${accessToken}` }]) {
        // A route outside the document on purpose (it exists only in this test): not checked against it.
        const response = await fetch(`${base}/api/forgotten`, { headers });
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({ error: { code: 'ROUTE_NOT_DECLARED' } });
      }
    } finally {
      await withForgotten.close();
    }
  });
});
