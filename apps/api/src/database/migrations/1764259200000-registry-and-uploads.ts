import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The registry (extensions and their versions) and the upload sessions that feed it. */
export class RegistryAndUploads1764259200000 implements MigrationInterface {
  name = 'RegistryAndUploads1764259200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE extensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(128) NOT NULL,
        publisher varchar(64) NOT NULL,
        display_name varchar(200),
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT extensions_name_key UNIQUE (name)
      )`);
    await queryRunner.query(`
      CREATE TABLE extension_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        extension_id uuid NOT NULL REFERENCES extensions (id),
        version varchar(64) NOT NULL,
        content_hash varchar(71) NOT NULL,
        size bigint NOT NULL,
        unpacked_size bigint NOT NULL,
        runtime varchar(64) NOT NULL,
        entry varchar(255) NOT NULL,
        ui jsonb,
        api_endpoints jsonb NOT NULL,
        capabilities jsonb NOT NULL,
        egress jsonb NOT NULL,
        manifest jsonb NOT NULL,
        publisher varchar(64) NOT NULL,
        signature_status varchar(16) NOT NULL,
        signature jsonb NOT NULL,
        signer varchar(200),
        signer_fingerprint varchar(64),
        status varchar(16) NOT NULL DEFAULT 'published',
        yanked_at timestamptz,
        yanked_reason varchar(500),
        published_by varchar(200) NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT extension_versions_version_key UNIQUE (extension_id, version),
        CONSTRAINT extension_versions_content_hash_key UNIQUE (content_hash),
        CONSTRAINT extension_versions_content_hash_format CHECK (content_hash ~ '^sha256:[0-9a-f]{64}$'),
        CONSTRAINT extension_versions_status CHECK (status IN ('published', 'yanked')),
        CONSTRAINT extension_versions_signature_status CHECK (signature_status IN ('verified', 'unsigned', 'not-checked'))
      )`);
    await queryRunner.query(
      `CREATE INDEX extension_versions_extension_idx ON extension_versions (extension_id, published_at DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE upload_sessions (
        id uuid PRIMARY KEY,
        state varchar(16) NOT NULL,
        strategy varchar(32) NOT NULL,
        filename varchar(255) NOT NULL,
        declared_size bigint NOT NULL,
        declared_sha256 varchar(71),
        part_size bigint NOT NULL,
        part_count integer NOT NULL,
        staging_key varchar(1024) NOT NULL,
        s3_upload_id varchar(1024),
        created_by varchar(200) NOT NULL,
        tenant_id uuid,
        expires_at timestamptz NOT NULL,
        lease_until timestamptz,
        content_hash varchar(71),
        version_id uuid REFERENCES extension_versions (id),
        error_code varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT upload_sessions_state CHECK (state IN ('initiated', 'finalizing', 'completed', 'aborted', 'expired')),
        CONSTRAINT upload_sessions_strategy CHECK (strategy IN ('presigned-multipart', 'proxy'))
      )`);
    await queryRunner.query(
      `CREATE INDEX upload_sessions_expiry_idx ON upload_sessions (expires_at) WHERE state IN ('initiated', 'finalizing')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE upload_sessions`);
    await queryRunner.query(`DROP TABLE extension_versions`);
    await queryRunner.query(`DROP TABLE extensions`);
  }
}
