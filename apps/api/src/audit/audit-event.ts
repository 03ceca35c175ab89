import type { Principal } from '../access/principal.js';

/** Kinds of audit events; each names the action, not the route. */
export const AUDIT_EVENT_TYPES = [
  'auth.login',
  // No longer written (failed logins go to login_failures, outside the chain); kept for older events.
  'auth.login-failed',
  'api-key.create',
  'api-key.revoke',
  'tenant.create',
  'tenant.rename',
  'user.create',
  'user.disable',
  'user.enable',
  'user.role-change',
  'user.delete',
  'user.password-reset',
  'user.password-change',
  'upload.initiate',
  'upload.finalize',
  'upload.abort',
  'upload.expire',
  'version.yank',
  'version.unyank',
  'install.create',
  'install.enable',
  'install.disable',
  'install.version-change',
  'install.config-update',
  'install.secret-set',
  'install.secret-delete',
  'install.uninstall',
  'install.secrets-reencrypt',
  'extension.call',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditEventInput {
  type: AuditEventType;
  /** Null for the platform itself (the GC sweeper, the bootstrap). */
  actor: Principal | null;
  /** Tenant the event belongs to; null for platform-wide events. */
  tenantId?: string | null;
  /** What it is about, e.g. `extension:com.acme.tickets@1.2.0`, `upload:<id>`, `api-key:<id>`. */
  subject?: string;
  outcome: 'success' | 'failure';
  /** Details worth keeping (never secrets): the signature verdict, sizes, error codes. */
  data?: Record<string, unknown>;
}
