import { CommonErrors, DomainError } from '@extplat/server-core';
import { AuthErrors } from './auth.errors.js';
import { TENANT_GRANTABLE_ROLES } from '@extplat/contracts';
import type { Principal, Role } from './principal.js';

/**
 * Who a principal may create (a user or an API key) with `role` in `tenantId`. Platform admins: anyone,
 * as long as the role and the tenant agree (platform admins have none, the others need one); tenant admins:
 * tenant-admin or member of their own tenant, which is also the default tenant when none is given.
 */
export function resolveGrant(
  actor: Principal,
  requested: { role: Role; tenantId?: string | undefined },
): { role: Role; tenantId: string | null } {
  if (actor.role === 'platform-admin') {
    if (requested.role === 'platform-admin') {
      if (requested.tenantId !== undefined) {
        throw new DomainError(AuthErrors.INVALID_ROLE_SCOPE, 'A platform admin belongs to no tenant: omit tenantId');
      }
      return { role: requested.role, tenantId: null };
    }
    if (requested.tenantId === undefined) {
      throw new DomainError(AuthErrors.INVALID_ROLE_SCOPE, `A ${requested.role} belongs to a tenant: give tenantId`);
    }
    return { role: requested.role, tenantId: requested.tenantId };
  }
  if (actor.role !== 'tenant-admin') {
    throw new DomainError(CommonErrors.FORBIDDEN, 'Only admins may create users and API keys');
  }
  const ownTenant = tenantOf(actor);
  if (!TENANT_GRANTABLE_ROLES.includes(requested.role)) {
    throw new DomainError(CommonErrors.FORBIDDEN, 'Tenant admins may grant only the tenant-admin and member roles');
  }
  if (requested.tenantId !== undefined && requested.tenantId !== ownTenant) {
    throw new DomainError(CommonErrors.FORBIDDEN, 'Tenant admins may act only in their own tenant');
  }
  return { role: requested.role, tenantId: ownTenant };
}

/**
 * Which tenant a list is limited to: platform admins see every tenant unless they filter; everyone else
 * sees their own tenant, and asking for another one is refused rather than silently ignored.
 */
export function resolveListScope(actor: Principal, requestedTenantId: string | undefined): { tenantId?: string } {
  if (actor.role === 'platform-admin') return requestedTenantId === undefined ? {} : { tenantId: requestedTenantId };
  const ownTenant = tenantOf(actor);
  if (requestedTenantId !== undefined && requestedTenantId !== ownTenant) {
    throw new DomainError(CommonErrors.FORBIDDEN, 'Only your own tenant can be listed');
  }
  return { tenantId: ownTenant };
}

/** Whether a tenant-scoped row is visible to the principal (platform admins see all). */
export function canSeeTenant(actor: Principal, rowTenantId: string | null): boolean {
  return actor.role === 'platform-admin' || (actor.tenantId !== null && actor.tenantId === rowTenantId);
}

function tenantOf(actor: Principal): string {
  // The schema gives every non-platform principal a tenant; refuse rather than widen if that ever breaks.
  if (actor.tenantId === null) throw new DomainError(CommonErrors.FORBIDDEN, 'This principal has no tenant');
  return actor.tenantId;
}
