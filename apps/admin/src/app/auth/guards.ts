import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import type { Role } from '@extplat/api-client';
import { SessionService } from './session.service';

/** Signed-in users only; others go to sign-in and come back here afterwards. */
export const signedInGuard: CanActivateFn = (_route, state) => {
  const session = inject(SessionService);
  if (session.token) return true;
  return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
};

/** Users with one of `roles` only; others see the forbidden page, which names the role needed. */
export function roleGuard(...roles: Role[]): CanActivateFn {
  return (_route, state) => {
    const session = inject(SessionService);
    if (!session.token) return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
    if (session.hasRole(...roles)) return true;
    return inject(Router).createUrlTree(['/forbidden'], { queryParams: { page: state.url, needs: roles.join(',') } });
  };
}
