/**
 * Roles and what each may do. The API enforces these grants on every route (`@Authenticated({ permission })`);
 * the console reads the same table to decide which pages and buttons to offer, so the two cannot disagree.
 */

/** From most to least powerful. */
export const ROLES = ['platform-admin', 'tenant-admin', 'member'] as const;
export type Role = (typeof ROLES)[number];
/** Each role by name, for code that picks one (the console names roles only through these). */
export const RoleName = {
  PlatformAdmin: 'platform-admin',
  TenantAdmin: 'tenant-admin',
  Member: 'member',
} as const satisfies Record<string, Role>;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What a route may require. Each role's grants are listed in {@link ROLE_PERMISSIONS}. */
export const Permission = {
  /** Upload, finalize and abort bundles. */
  BundleUpload: 'bundle.upload',
  /** Read the registry: extensions and versions. */
  RegistryRead: 'registry.read',
  /** Yank and unyank versions. */
  VersionYank: 'version.yank',
  /** Read audit events (tenant admins: their own tenant's). */
  AuditRead: 'audit.read',
  /** Create, list and revoke API keys (tenant admins: for their own tenant). */
  ApiKeyManage: 'api-key.manage',
  /** Create and list tenants. */
  TenantManage: 'tenant.manage',
  /** Create and list users (tenant admins: in their own tenant). */
  UserManage: 'user.manage',
  /** Read one's own session. */
  SessionRead: 'session.read',
  /** Read the tenant's installs (members too: the console opens an installed extension's page from them). */
  InstallRead: 'install.read',
  /** Install, enable, disable, configure, switch versions, set secrets and uninstall (tenant admins: their own tenant). */
  InstallManage: 'install.manage',
  /** Call an enabled extension of one's own tenant through the gateway. */
  ExtensionCall: 'extension.call',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  // Extensions run for a tenant, and platform admins have none: they manage extensions but do not call them.
  'platform-admin': Object.values(Permission).filter((permission) => permission !== Permission.ExtensionCall),
  'tenant-admin': [
    Permission.RegistryRead,
    Permission.AuditRead,
    Permission.ApiKeyManage,
    Permission.UserManage,
    Permission.SessionRead,
    Permission.InstallRead,
    Permission.InstallManage,
    Permission.ExtensionCall,
  ],
  member: [Permission.RegistryRead, Permission.SessionRead, Permission.InstallRead, Permission.ExtensionCall],
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** The roles granted `permission`, most powerful first: what a "not allowed" page names as needed. */
export function rolesWithPermission(permission: Permission): Role[] {
  return ROLES.filter((role) => roleHasPermission(role, permission));
}

/** Platform admins act across tenants and belong to none; every other role belongs to exactly one. */
export function roleBelongsToTenant(role: Role): boolean {
  return role !== 'platform-admin';
}

/** Roles a tenant admin may hand out (to users and API keys): never more than its own. */
export const TENANT_GRANTABLE_ROLES: readonly Role[] = ['tenant-admin', 'member'];

/** The roles a principal of `role` may give a new user or API key. */
export function grantableRoles(role: Role): readonly Role[] {
  switch (role) {
    case 'platform-admin':
      return ROLES;
    case 'tenant-admin':
      return TENANT_GRANTABLE_ROLES;
    case 'member':
      return [];
  }
}
