import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `runner_published_versions`: the one thing the Runner reads from the API's database (ARCHITECTURE §9.6).
 * The Runner has no entities and never migrates; it selects from this view only, so the tables behind it can
 * change as long as a migration keeps these four columns. The Runner's contract test
 * (apps/runner/src/ext-ui/published-versions.int-spec.ts) fails when they change.
 */
export class RunnerPublishedVersions1764410400000 implements MigrationInterface {
  name = 'RunnerPublishedVersions1764410400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE VIEW runner_published_versions AS
        SELECT e.name AS extension_name, v.content_hash, v.status, v.published_at
          FROM extension_versions v
          JOIN extensions e ON e.id = v.extension_id`);
    await queryRunner.query(
      `COMMENT ON VIEW runner_published_versions IS 'Read by the Runner; its columns are a contract (docs/architecture.md)'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP VIEW runner_published_versions');
  }
}
