import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row of the append-only `audit_events` table; written only by {@link AuditRepository.append}. Constraints,
 * indexes and the append-only triggers live in the migration (AuditEvents1764230400000).
 */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  /** pg returns bigint as a string; the repository converts it where a number is needed. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  seq!: string;

  @Column({ type: 'uuid' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'actor_kind', type: 'text', nullable: true })
  actorKind!: string | null;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_name', type: 'text', nullable: true })
  actorName!: string | null;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'text' })
  outcome!: 'success' | 'failure';

  @Column({ type: 'jsonb', default: () => `'{}'` })
  data!: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
