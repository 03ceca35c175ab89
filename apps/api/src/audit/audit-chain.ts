import { createHash } from 'node:crypto';

/** `prev_hash` of the first event: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActorFields {
  kind: string | null;
  id: string | null;
  name: string | null;
}

/** Exactly what an event's hash covers; `seq` is not part of it, the link to the previous hash orders the chain. */
export interface ChainedEvent {
  prevHash: string;
  id: string;
  occurredAt: Date;
  type: string;
  actor: AuditActorFields | null;
  tenantId: string | null;
  subject: string | null;
  outcome: 'success' | 'failure';
  data: Record<string, unknown>;
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, as `Array.prototype.sort` does) and no whitespace, so
 * the same value always gives the same text, whatever order the keys were written or stored in (jsonb
 * reorders them). Only plain JSON values are accepted: anything else would not survive the round trip
 * through jsonb, and the stored event would then no longer match its hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no representation for ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON accepts only plain JSON values, got ${Object.prototype.toString.call(value)}`);
}

/**
 * The event details as they will read back from jsonb: what `JSON.stringify` keeps (dates become ISO
 * strings, `undefined` disappears). Hashing this normalised value, and storing the very same value, keeps
 * the hash reproducible from the row.
 */
export function normaliseAuditData(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (data === undefined) return {};
  const normalised: unknown = JSON.parse(JSON.stringify(data));
  if (typeof normalised !== 'object' || normalised === null || Array.isArray(normalised)) {
    throw new TypeError('audit event data must be a JSON object');
  }
  return normalised as Record<string, unknown>;
}

/** SHA-256 (lowercase hex) of the canonical JSON of an event, including the hash of the one before it. */
export function auditEventHash(event: ChainedEvent): string {
  const covered = {
    prevHash: event.prevHash,
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    type: event.type,
    actor: event.actor,
    tenantId: event.tenantId,
    subject: event.subject,
    outcome: event.outcome,
    data: event.data,
  };
  return createHash('sha256').update(canonicalJson(covered), 'utf8').digest('hex');
}
