/** Roles of ARCHITECTURE §6, from most to least powerful. */
export const ROLES = ['platform-admin', 'tenant-admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

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

/** What a route may require. Each role's grants are listed in ROLE_PERMISSIONS. */
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

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}
