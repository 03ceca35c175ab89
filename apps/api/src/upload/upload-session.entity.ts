import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns.js';

export type UploadState = 'initiated' | 'finalizing' | 'completed' | 'aborted' | 'expired';
export type UploadStrategy = 'presigned-multipart' | 'proxy';

@Entity({ name: 'upload_sessions' })
export class UploadSessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: UploadState;

  @Column({ type: 'varchar', length: 32 })
  strategy!: UploadStrategy;

  @Column({ type: 'varchar', length: 255 })
  filename!: string;

  @Column({ name: 'declared_size', type: 'bigint', transformer: bigintAsNumber })
  declaredSize!: number;

  @Column({ name: 'declared_sha256', type: 'varchar', length: 71, nullable: true })
  declaredSha256!: string | null;

  @Column({ name: 'part_size', type: 'bigint', transformer: bigintAsNumber })
  partSize!: number;

  @Column({ name: 'part_count', type: 'integer' })
  partCount!: number;

  @Column({ name: 'staging_key', type: 'varchar', length: 1024 })
  stagingKey!: string;

  @Column({ name: 's3_upload_id', type: 'varchar', length: 1024, nullable: true })
  s3UploadId!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'content_hash', type: 'varchar', length: 71, nullable: true })
  contentHash!: string | null;

  @Column({ name: 'version_id', type: 'uuid', nullable: true })
  versionId!: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
