import type { AuditEvent } from '@extplat/api-client';

type InstallEventType = Extract<AuditEvent['type'], `install.${string}`>;

/** Every install event type the API records, in words; a new type does not compile without its label. */
export const INSTALL_EVENT_LABELS: Readonly<Record<InstallEventType, string>> = {
  'install.create': 'Installed',
  'install.enable': 'Enabled',
  'install.disable': 'Disabled',
  'install.version-change': 'Version changed',
  'install.config-update': 'Configuration changed',
  'install.secret-set': 'Secret set',
  'install.secret-delete': 'Secret deleted',
  'install.uninstall': 'Uninstalled',
  'install.secrets-reencrypt': 'Secrets re-encrypted with a new key',
};

/** The event's label and what its data adds ("Version changed: 1.0.0 → 2.0.0", "Secret set: API_TOKEN"). */
export function describeInstallEvent(event: AuditEvent): string {
  const label = (INSTALL_EVENT_LABELS as Readonly<Record<string, string>>)[event.type] ?? event.type;
  const data = event.data;
  const text = (key: string) => (typeof data[key] === 'string' ? data[key] : undefined);
  const detail =
    text('from') && text('to')
      ? `${text('from')} → ${text('to')}`
      : (text('name') ?? (event.type === 'install.create' ? text('version') : undefined));
  return detail ? `${label}: ${detail}` : label;
}

/** Who did it: the user's email or the key's name, never an id. */
export function actorOf(event: AuditEvent): string {
  if (!event.actor) return 'the platform';
  return event.actor.kind === 'api-key' ? `API key ${event.actor.name}` : event.actor.name;
}
