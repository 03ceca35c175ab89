import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The config schema of each version as `json`, beside the `manifest` jsonb. jsonb stores object keys ordered
 * by length, then bytes, so the console drew config fields in that order instead of the author's; `json`
 * keeps the text as given. Existing rows stay null and fall back to the jsonb order.
 */
export class VersionConfigSchema1764583200000 implements MigrationInterface {
  name = 'VersionConfigSchema1764583200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE extension_versions ADD COLUMN config_schema json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE extension_versions DROP COLUMN config_schema`);
  }
}
