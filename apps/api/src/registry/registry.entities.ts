import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import type { ManifestEndpoint, ManifestUi, ManifestV2 } from '@extplat/bundle';
import { bigintAsNumber } from '../database/columns.js';

@Entity({ name: 'extensions' })
export class ExtensionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 64 })
  publisher!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

export type SignatureStatus = 'verified' | 'unsigned' | 'not-checked';
export type VersionStatus = 'published' | 'yanked';

@Entity({ name: 'extension_versions' })
export class ExtensionVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'extension_id', type: 'uuid' })
  extensionId!: string;

  @ManyToOne(() => ExtensionEntity)
  @JoinColumn({ name: 'extension_id' })
  extension?: Relation<ExtensionEntity>;

  @Column({ type: 'varchar', length: 64 })
  version!: string;

  @Column({ name: 'content_hash', type: 'varchar', length: 71 })
  contentHash!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size!: number;

  @Column({ name: 'unpacked_size', type: 'bigint', transformer: bigintAsNumber })
  unpackedSize!: number;

  @Column({ type: 'varchar', length: 64 })
  runtime!: string;

  @Column({ type: 'varchar', length: 255 })
  entry!: string;

  @Column({ type: 'jsonb', nullable: true })
  ui!: ManifestUi | null;

  @Column({ name: 'api_endpoints', type: 'jsonb' })
  apiEndpoints!: ManifestEndpoint[];

  @Column({ type: 'jsonb' })
  capabilities!: string[];

  @Column({ type: 'jsonb' })
  egress!: string[];

  @Column({ type: 'jsonb' })
  manifest!: ManifestV2;

  /**
   * The manifest's config schema as PostgreSQL `json`, which keeps the text it was given, so the config form
   * can follow the author's property order; `manifest` (jsonb) orders object keys by length, then bytes.
   * Null for versions published before it existed and for versions without a config schema.
   */
  @Column({ name: 'config_schema', type: 'json', nullable: true })
  configSchema!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 64 })
  publisher!: string;

  @Column({ name: 'signature_status', type: 'varchar', length: 16 })
  signatureStatus!: SignatureStatus;

  /** The whole verdict, per-check results included. */
  @Column({ type: 'jsonb' })
  signature!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 200, nullable: true })
  signer!: string | null;

  @Column({ name: 'signer_fingerprint', type: 'varchar', length: 64, nullable: true })
  signerFingerprint!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'published' })
  status!: VersionStatus;

  @Column({ name: 'yanked_at', type: 'timestamptz', nullable: true })
  yankedAt!: Date | null;

  @Column({ name: 'yanked_reason', type: 'varchar', length: 500, nullable: true })
  yankedReason!: string | null;

  @Column({ name: 'published_by', type: 'varchar', length: 200 })
  publishedBy!: string;

  @Column({ name: 'published_at', type: 'timestamptz', default: () => 'now()' })
  publishedAt!: Date;
}
