import type { AuditEvent } from '@extplat/api-client';
import { auditDetail, auditLabel } from '../shared/audit-labels';

/** The event's label and what its data adds ("Version changed: from 1.0.0 to 2.0.0", "Secret set: API_TOKEN"). */
export function describeInstallEvent(event: AuditEvent): string {
  const label = auditLabel(event);
  const detail = auditDetail(event);
  return detail ? `${label}: ${detail}` : label;
}

/** Who did it: the user's email or the key's name, never an id. */
export function actorOf(event: AuditEvent): string {
  if (!event.actor) return 'the platform';
  return event.actor.kind === 'api-key' ? `API key ${event.actor.name}` : event.actor.name;
}
