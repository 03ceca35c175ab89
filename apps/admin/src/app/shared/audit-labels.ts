import type { AuditEvent } from '@extplat/api-client';

/**
 * What each audit event means, in words. Keyed by the contract's own enum, so a new event type fails the
 * console's type check until it has a label here.
 */
export const AUDIT_LABELS: Readonly<Record<AuditEvent['type'], string>> = {
  'auth.login': 'Signed in',
  'auth.login-failed': 'Sign-in failed',
  'api-key.create': 'API key created',
  'api-key.revoke': 'API key revoked',
  'tenant.create': 'Tenant created',
  'tenant.rename': 'Tenant renamed',
  'user.create': 'User created',
  'user.disable': 'User disabled',
  'user.enable': 'User enabled',
  'user.role-change': 'Role changed',
  'user.delete': 'User deleted',
  'user.password-reset': 'Password reset',
  'user.password-change': 'Password changed',
  'upload.initiate': 'Upload started',
  'upload.finalize': 'Version published',
  'upload.abort': 'Upload cancelled',
  'upload.expire': 'Upload expired',
  'version.yank': 'Version yanked',
  'version.unyank': 'Version published again',
  'install.create': 'Installed',
  'install.enable': 'Enabled',
  'install.disable': 'Disabled',
  'install.version-change': 'Version changed',
  'install.config-update': 'Configuration changed',
  'install.secret-set': 'Secret set',
  'install.secret-delete': 'Secret deleted',
  'install.uninstall': 'Uninstalled',
  'install.secrets-reencrypt': 'Secrets re-encrypted',
  'extension.call': 'Extension called',
};

export function auditLabel(event: Pick<AuditEvent, 'type' | 'outcome'>): string {
  const label = AUDIT_LABELS[event.type];
  return event.outcome === 'failure' ? `${label} (failed)` : label;
}

/** The few facts of an event's data worth a person's eye: the versions of a switch, a yank's reason. */
export function auditDetail(event: Pick<AuditEvent, 'type' | 'data'>): string {
  const text = (key: string): string | null => {
    const value = event.data[key];
    return typeof value === 'string' && value ? value : null;
  };
  switch (event.type) {
    case 'install.create':
      return text('version') ? `version ${text('version')}` : '';
    case 'install.version-change':
    case 'tenant.rename':
      return text('from') && text('to') ? `from ${text('from')} to ${text('to')}` : '';
    case 'version.yank':
      return text('reason') ? `reason: ${text('reason')}` : '';
    case 'install.secret-set':
    case 'install.secret-delete':
      return text('name') ?? '';
    default:
      return '';
  }
}

/**
 * The subject in words: `extension:com.acme.radar@1.2.0` → "com.acme.radar 1.2.0". A subject that is only an
 * id (`install:6f1c…`) says what kind of thing it is, since a UUID tells a person nothing; callers keep the
 * raw subject in a title for whoever must search the logs for it.
 */
export function auditSubject(subject: string | null | undefined): string {
  if (!subject) return '';
  const colon = subject.indexOf(':');
  if (colon < 0) return subject;
  const kind = subject.slice(0, colon);
  const rest = subject.slice(colon + 1);
  if (kind === 'extension') return rest.replace('@', ' ');
  return /^[0-9a-f-]{36}$/i.test(rest) ? kind : `${kind} ${rest}`;
}
