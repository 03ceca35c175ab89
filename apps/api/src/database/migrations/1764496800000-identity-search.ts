import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prefix search for the console's user and tenant lists (`?q=`). The existing unique indexes use the
 * database's collation, which LIKE cannot use for a prefix unless the collation is C; `text_pattern_ops`
 * indexes can. Emails and slugs are stored lowercase already; tenant names are matched through `lower(name)`.
 */
export class IdentitySearch1764496800000 implements MigrationInterface {
  name = 'IdentitySearch1764496800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX users_email_prefix_idx ON users (email text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX tenants_slug_prefix_idx ON tenants (slug text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX tenants_name_prefix_idx ON tenants (lower(name) text_pattern_ops)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tenants_name_prefix_idx`);
    await queryRunner.query(`DROP INDEX tenants_slug_prefix_idx`);
    await queryRunner.query(`DROP INDEX users_email_prefix_idx`);
  }
}
