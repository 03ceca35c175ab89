import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const LOGIN_FAILURE_REASONS = ['unknown-email', 'wrong-password', 'disabled', 'malformed-email'] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

/** A failed login, kept for a limited time outside the audit chain (table from migration 1764324000000). */
@Entity({ name: 'login_failures' })
export class LoginFailureEntity {
  @PrimaryGeneratedColumn('identity', { name: 'id', type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** As presented (lowercased), with NULs and lone surrogates replaced so that any attempt can be stored. */
  @Column({ name: 'email', type: 'varchar', length: 320 })
  email!: string;

  @Column({ name: 'client_address', type: 'varchar', length: 64 })
  clientAddress!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'reason', type: 'varchar', length: 32 })
  reason!: LoginFailureReason;
}
