import { roleHasPermission, type Permission, type Role } from '@extplat/contracts';

// Roles and their permissions are shared with the console: one table, in the contracts lib.
export { Permission, ROLE_PERMISSIONS, ROLES, type Role } from '@extplat/contracts';

/** Who is calling: a console user (session token) or an API key. The tenant always comes from here. */
export interface Principal {
  kind: 'user' | 'api-key';
  /** The user's id, or the API key's id. */
  id: string;
  /** Null only for platform admins, who act across tenants. */
  tenantId: string | null;
  role: Role;
  /** For audit trails and logs: the user's email or the key's name. */
  name: string;
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return roleHasPermission(principal.role, permission);
}
