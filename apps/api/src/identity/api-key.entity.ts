import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../access/principal.js';

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  /** Null exactly for platform-admin keys (a CHECK enforces it). */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'role', type: 'varchar', length: 32 })
  role!: Role;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name!: string;

  /** Public id inside the key (`extplat_<prefix>_<secret>`), shown in lists. */
  @Column({ name: 'prefix', type: 'varchar', length: 32 })
  prefix!: string;

  /** SHA-256 hex of the secret part; the key itself is never stored. */
  @Column({ name: 'secret_hash', type: 'char', length: 64 })
  secretHash!: string;

  /** `user:<id>` or `api-key:<id>`: who created it. */
  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
