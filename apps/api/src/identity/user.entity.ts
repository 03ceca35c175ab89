import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../access/principal.js';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  /** Null exactly for platform admins (a CHECK enforces it). */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  /** Always lowercase, so the unique index is case-insensitive. */
  @Column({ name: 'email', type: 'varchar', length: 320 })
  email!: string;

  /** `scrypt$N$r$p$<salt>$<hash>`; never leaves the auth module. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'role', type: 'varchar', length: 32 })
  role!: Role;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** Copied into session tokens; bumped to end every session issued before (see the identity-lifecycle migration). */
  @Column({ name: 'session_generation', type: 'integer' })
  sessionGeneration!: number;
}
