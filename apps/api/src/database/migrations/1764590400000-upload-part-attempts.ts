import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every proxied part is recorded before its bytes go to the store, by the API process that streams it.
 * Finalize trusts its local copy of a proxy upload (and skips reading it back from the store) only when
 * each part was sent exactly once, by itself, and the store lists the ETag that send got back, which must be
 * the MD5 of the copy (`md5`). Rows go when their session ends.
 */
export class UploadPartAttempts1764590400000 implements MigrationInterface {
  name = 'UploadPartAttempts1764590400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE upload_part_attempts (
        attempt_id uuid PRIMARY KEY,
        upload_id uuid NOT NULL REFERENCES upload_sessions (id) ON DELETE CASCADE,
        part_number integer NOT NULL,
        instance_id uuid NOT NULL,
        etag varchar(200),
        size bigint,
        md5 char(32),
        spooled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX upload_part_attempts_upload_idx ON upload_part_attempts (upload_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE upload_part_attempts`);
  }
}
