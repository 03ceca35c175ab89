import type { INestApplicationContext, Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from '@extplat/server-core';
import { REQUIRED_PERMISSION } from './authenticated.decorator.js';
import type { Permission } from './principal.js';

/** What a route declared: open to anyone, or a permission. Undefined means it declared nothing (denied). */
export type RouteAccess = { public: true } | { permission: Permission };

export interface RouteDeclaration {
  method: string;
  /** Express-style path as registered, e.g. `/api/api-keys/:id` (the API sets no global prefix). */
  path: string;
  controller: string;
  handler: string;
  access: RouteAccess | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function declaredOn(target: Function): RouteAccess | undefined {
  const permission = Reflect.getMetadata(REQUIRED_PERMISSION, target) as Permission | undefined;
  // Both on one target: the permission wins, so a stray @Public() never opens a protected route.
  if (permission) return { permission };
  return Reflect.getMetadata(IS_PUBLIC, target) === true ? { public: true } : undefined;
}

/**
 * The access a handler declares. The nearest declaration wins: the handler's own, else its controller's.
 * The guard and the route listing both use this, so what the test checks is what the guard enforces.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function routeAccess(handler: Function, controller: Function): RouteAccess | undefined {
  return declaredOn(handler) ?? declaredOn(controller);
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [typeof value === 'string' ? value : '/'];
}

function joinPath(...segments: string[]): string {
  const joined = segments
    .flatMap((segment) => segment.split('/'))
    .filter((part) => part.length > 0)
    .join('/');
  return `/${joined}`;
}

/**
 * Every HTTP route of an initialised Nest application with the access it declares, read from the
 * controllers' metadata (what Nest's router registers). Sorted by path, then method.
 */
export function listRouteDeclarations(app: INestApplicationContext): RouteDeclaration[] {
  const scanner = new MetadataScanner();
  const seen = new Set<unknown>();
  const routes: RouteDeclaration[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prototype = controller.prototype as Record<string, unknown>;
      const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const handlerPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (method === undefined || handlerPath === undefined) continue;
        for (const base of controllerPaths) {
          for (const path of asList(handlerPath)) {
            routes.push({
              method: RequestMethod[method],
              path: joinPath(base, path),
              controller: controller.name,
              handler: name,
              access: routeAccess(handler, controller),
            });
          }
        }
      }
    }
  }
  // Code-point order, so the listing is the same whatever the machine's locale.
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return routes.sort((a, b) => order(a.path, b.path) || order(a.method, b.method));
}

/** The routes that declare neither `@Public()` nor `@Authenticated` (the guard denies them all). */
export function undeclaredRoutes(app: INestApplicationContext): RouteDeclaration[] {
  return listRouteDeclarations(app).filter((route) => route.access === undefined);
}
