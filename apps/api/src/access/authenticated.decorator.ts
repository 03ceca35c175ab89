import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Permission } from './principal.js';

export const REQUIRED_PERMISSION = 'extplat:permission';

/**
 * Declares the permission a route needs. The global guard denies every route that has neither this nor
 * `@Public()`, so a forgotten declaration fails closed (and a test lists such routes).
 */
export const Authenticated = (options: { permission: Permission }): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_PERMISSION, options.permission);

/** The authenticated principal, set on the request by the guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!request.principal) throw new Error('CurrentPrincipal used on a route without @Authenticated');
  return request.principal;
});
