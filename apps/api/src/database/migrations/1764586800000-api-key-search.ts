import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prefix search for the console's API key list (`?q=`), matched through `lower(name)` like tenant names
 * (see IdentitySearch1764496800000 for why `text_pattern_ops`).
 */
export class ApiKeySearch1764586800000 implements MigrationInterface {
  name = 'ApiKeySearch1764586800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX api_keys_name_prefix_idx ON api_keys (lower(name) text_pattern_ops)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX api_keys_name_prefix_idx`);
  }
}
