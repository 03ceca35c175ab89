import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity: console users and API keys (ARCHITECTURE §6). A platform admin is exactly a principal without a
 * tenant, which the CHECKs enforce so no row can be a tenant-less tenant admin. Emails are stored lowercased,
 * which makes the plain unique index case-insensitive. API keys keep only the SHA-256 of their secret.
 */
export class Identity1764201600000 implements MigrationInterface {
  name = 'Identity1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants (id),
        email varchar(320) NOT NULL,
        password_hash text NOT NULL,
        role varchar(32) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        CONSTRAINT users_role_valid CHECK (role IN ('platform-admin', 'tenant-admin', 'member')),
        CONSTRAINT users_platform_admin_has_no_tenant CHECK ((role = 'platform-admin') = (tenant_id IS NULL)),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await queryRunner.query(`CREATE INDEX users_tenant_id_idx ON users (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants (id),
        role varchar(32) NOT NULL,
        name varchar(100) NOT NULL,
        prefix varchar(32) NOT NULL,
        secret_hash char(64) NOT NULL,
        created_by varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        expires_at timestamptz,
        CONSTRAINT api_keys_role_valid CHECK (role IN ('platform-admin', 'tenant-admin', 'member')),
        CONSTRAINT api_keys_platform_admin_has_no_tenant CHECK ((role = 'platform-admin') = (tenant_id IS NULL)),
        CONSTRAINT api_keys_secret_hash_format CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT api_keys_created_by_format CHECK (created_by ~ '^(user|api-key):[0-9a-f-]{36}$')
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix)`);
    await queryRunner.query(`CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
