import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, type INestApplicationContext, Module, Post, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Public } from '@extplat/server-core';
import { Authenticated } from './authenticated.decorator.js';
import { Permission } from './principal.js';
import { listRouteDeclarations, undeclaredRoutes } from './route-declarations.js';

@Authenticated({ permission: Permission.RegistryRead })
@Controller('api/things')
class ThingsController {
  @Get()
  list(): void {}

  @Public()
  @Get('open')
  open(): void {}

  @Authenticated({ permission: Permission.VersionYank })
  @Post(':id/yank')
  yank(): void {}
}

@Controller('/api/loose/')
class LooseController {
  @Get(['a', 'b/'])
  forgotten(): void {}

  @Public()
  @Put()
  declared(): void {}

  /** Not a route: no HTTP method metadata. */
  helper(): void {}
}

@Public()
@Controller()
class ProbeController {
  @Get('healthz')
  live(): void {}

  @Authenticated({ permission: Permission.AuditRead })
  @Delete('healthz')
  guarded(): void {}
}

@Module({ controllers: [ThingsController, LooseController, ProbeController] })
class FixtureModule {}

describe('route declarations', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await NestFactory.create(FixtureModule, { logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('lists every route with its method, full path and declared access (the nearest declaration wins)', () => {
    const routes = listRouteDeclarations(app).map(({ method, path, access }) => ({ method, path, access }));
    expect(routes).toEqual([
      { method: 'PUT', path: '/api/loose', access: { public: true } },
      { method: 'GET', path: '/api/loose/a', access: undefined },
      { method: 'GET', path: '/api/loose/b', access: undefined },
      { method: 'GET', path: '/api/things', access: { permission: 'registry.read' } },
      { method: 'POST', path: '/api/things/:id/yank', access: { permission: 'version.yank' } },
      { method: 'GET', path: '/api/things/open', access: { public: true } },
      { method: 'DELETE', path: '/healthz', access: { permission: 'audit.read' } },
      { method: 'GET', path: '/healthz', access: { public: true } },
    ]);
  });

  it('names the handlers that declare nothing', () => {
    expect(undeclaredRoutes(app).map((route) => `${route.controller}.${route.handler}`)).toEqual([
      'LooseController.forgotten',
      'LooseController.forgotten',
    ]);
  });
});
