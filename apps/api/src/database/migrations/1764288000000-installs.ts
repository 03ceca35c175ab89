import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Installs (ARCHITECTURE §7): one row per tenant and extension, pointing at the installed version, with the
 * capabilities and egress origins the tenant's admin granted (always a subset of what that version requests),
 * the config and `config_version`, which every change of version, grants, config, secrets or enabled state
 * bumps so the Runner can reuse a warm instance exactly as long as nothing it depends on changed.
 *
 * Install secrets are sealed with AES-256-GCM (iv and tag stored beside the ciphertext, `key_id` naming the
 * EXT_SECRETS_KEY that sealed them, for rotation). They go with their install (ON DELETE CASCADE).
 */
export class Installs1764288000000 implements MigrationInterface {
  name = 'Installs1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE installs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        extension_id uuid NOT NULL REFERENCES extensions (id),
        version_id uuid NOT NULL REFERENCES extension_versions (id),
        enabled boolean NOT NULL DEFAULT false,
        capabilities jsonb NOT NULL DEFAULT '[]',
        egress jsonb NOT NULL DEFAULT '[]',
        config jsonb NOT NULL DEFAULT '{}',
        config_version integer NOT NULL DEFAULT 1,
        installed_by varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT installs_tenant_extension_key UNIQUE (tenant_id, extension_id),
        CONSTRAINT installs_capabilities_array CHECK (jsonb_typeof(capabilities) = 'array'),
        CONSTRAINT installs_egress_array CHECK (jsonb_typeof(egress) = 'array'),
        CONSTRAINT installs_config_object CHECK (jsonb_typeof(config) = 'object'),
        CONSTRAINT installs_config_version_positive CHECK (config_version >= 1)
      )`);
    // The unique (tenant_id, extension_id) index serves the tenant's listing and the gateway's lookup;
    // these two find the installs of an extension or a version (yank impact, admin views).
    await queryRunner.query(`CREATE INDEX installs_extension_idx ON installs (extension_id)`);
    await queryRunner.query(`CREATE INDEX installs_version_idx ON installs (version_id)`);
    await queryRunner.query(`
      CREATE TABLE install_secrets (
        install_id uuid NOT NULL REFERENCES installs (id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        ciphertext bytea NOT NULL,
        iv bytea NOT NULL,
        tag bytea NOT NULL,
        key_id varchar(32) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT install_secrets_pkey PRIMARY KEY (install_id, name),
        CONSTRAINT install_secrets_name_format CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
        CONSTRAINT install_secrets_iv_length CHECK (octet_length(iv) = 12),
        CONSTRAINT install_secrets_tag_length CHECK (octet_length(tag) = 16)
      )`);
    // Rotation looks for secrets sealed under any key but the newest.
    await queryRunner.query(`CREATE INDEX install_secrets_key_id_idx ON install_secrets (key_id)`);
    await queryRunner.query(
      `COMMENT ON TABLE install_secrets IS 'AES-256-GCM sealed values (AAD binds install id and name); never returned by the API'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE install_secrets`);
    await queryRunner.query(`DROP TABLE installs`);
  }
}
