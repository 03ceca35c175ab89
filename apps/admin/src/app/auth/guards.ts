import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { type Permission, rolesWithPermission } from '@extplat/contracts';
import { SessionService } from './session.service';

/** Signed-in users only; others go to sign-in and come back here afterwards. */
export const signedInGuard: CanActivateFn = (_route, state) => {
  const session = inject(SessionService);
  if (session.token) return true;
  return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
};

/** Users whose role is granted `permission` only; others see the forbidden page, which names the roles needed. */
export function permissionGuard(permission: Permission): CanActivateFn {
  return (_route, state) => {
    const session = inject(SessionService);
    if (!session.token) return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
    if (session.may(permission)) return true;
    const needs = rolesWithPermission(permission).join(',');
    return inject(Router).createUrlTree(['/forbidden'], { queryParams: { page: state.url, needs } });
  };
}
