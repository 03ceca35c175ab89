import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The identity lifecycle and failed logins.
 *
 * `users.session_generation` is copied into every session token; bumping it (disable, delete, role change,
 * password change or reset) ends every token issued before, whatever their expiry.
 *
 * `login_failures` keeps failed logins outside the hash-chained audit log: anyone can cause them without an
 * account, so they must not grow an append-only table without bound. Rows are pruned after a configurable
 * retention. No foreign keys: a failure outlives the user it named, and most name no user at all.
 *
 * Keys created by users that are already disabled are revoked here, since from now on disabling a user
 * revokes them (before, such a key went on working).
 */
export class IdentityLifecycle1764324000000 implements MigrationInterface {
  name = 'IdentityLifecycle1764324000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN session_generation integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE TABLE login_failures (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        email varchar(320) NOT NULL,
        client_address varchar(64) NOT NULL,
        user_id uuid,
        tenant_id uuid,
        reason varchar(32) NOT NULL,
        CONSTRAINT login_failures_reason CHECK (
          reason IN ('unknown-email', 'wrong-password', 'disabled', 'malformed-email')
        )
      )`);
    await queryRunner.query(`CREATE INDEX login_failures_occurred_at_idx ON login_failures (occurred_at)`);
    await queryRunner.query(`CREATE INDEX login_failures_tenant_idx ON login_failures (tenant_id, occurred_at)`);
    await queryRunner.query(`
      WITH RECURSIVE created (id) AS (
        SELECT k.id FROM api_keys k JOIN users u ON k.created_by = 'user:' || u.id::text
          WHERE u.disabled_at IS NOT NULL
        UNION
        SELECT k.id FROM api_keys k JOIN created c ON k.created_by = 'api-key:' || c.id::text
      )
      UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL AND id IN (SELECT id FROM created)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE login_failures`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN session_generation`);
  }
}
