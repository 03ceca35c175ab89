import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants: the organisations that install extensions. Everything tenant-scoped hangs off this table. */
export class Tenants1764115200000 implements MigrationInterface {
  name = 'Tenants1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug varchar(64) NOT NULL,
        name varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$')
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
