import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createPreviewApp } from '../preview-app.js';
import { listRouteDeclarations, undeclaredRoutes } from './route-declarations.js';

/**
 * The whole API's module graph in preview mode: controllers are known, nothing is instantiated, so no
 * database or store is needed and this runs with the unit tests. (route-declarations.int-spec.ts checks
 * the same list against what Express really serves, and that the guard refuses undeclared routes.)
 */
describe('every route of the API declares its access (module graph)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createPreviewApp();
  });

  afterAll(() => app?.close());

  it('finds the routes of every feature module', () => {
    const paths = new Set(listRouteDeclarations(app).map((route) => route.path));
    for (const path of [
      '/healthz',
      '/readyz',
      '/api/auth/login',
      '/api/auth/me',
      '/api/api-keys/:id',
      '/api/users',
      '/api/installs/:installId/secrets/:name',
    ]) {
      expect(paths.has(path)).toBe(true);
    }
  });

  it('has no handler without @Public() or @Authenticated', () => {
    const undeclared = undeclaredRoutes(app).map(
      (route) => `${route.method} ${route.path} (${route.controller}.${route.handler})`,
    );
    expect(undeclared).toEqual([]);
  });
});
