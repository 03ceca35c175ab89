import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ExtensionEntity, ExtensionVersionEntity } from '../registry/registry.entities.js';

/** An extension installed in a tenant (table from migration 1764288000000). */
@Entity({ name: 'installs' })
export class InstallEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'extension_id', type: 'uuid' })
  extensionId!: string;

  @ManyToOne(() => ExtensionEntity)
  @JoinColumn({ name: 'extension_id' })
  extension?: Relation<ExtensionEntity>;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId!: string;

  @ManyToOne(() => ExtensionVersionEntity)
  @JoinColumn({ name: 'version_id' })
  version?: Relation<ExtensionVersionEntity>;

  @Column({ type: 'boolean', default: false })
  enabled!: boolean;

  /** Granted capabilities: what the version requests ∩ what the admin granted. */
  @Column({ type: 'jsonb' })
  capabilities!: string[];

  /** Granted egress origins, likewise. */
  @Column({ type: 'jsonb' })
  egress!: string[];

  /** Validated against the version's config schema, defaults applied. */
  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** Bumped by every change the Runner depends on; its warm-instance reuse key. */
  @Column({ name: 'config_version', type: 'integer', default: 1 })
  configVersion!: number;

  /** `user:<id>` or `api-key:<id>`. */
  @Column({ name: 'installed_by', type: 'varchar', length: 200 })
  installedBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** One sealed secret of an install. Only InstallSecretsService reads `ciphertext`, `iv` and `tag`. */
@Entity({ name: 'install_secrets' })
export class InstallSecretEntity {
  @PrimaryColumn({ name: 'install_id', type: 'uuid' })
  installId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ type: 'bytea' })
  iv!: Buffer;

  @Column({ type: 'bytea' })
  tag!: Buffer;

  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
