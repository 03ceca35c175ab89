import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (ARCHITECTURE §10): append-only and hash-chained. Each row stores the hash of the row before
 * it (`prev_hash`) and its own `hash` over its content and that link, so editing, removing or reordering a
 * past event breaks the chain (`npm run audit:verify`).
 *
 * Append-only is enforced by the database, not just by the code: a trigger raises on every UPDATE, DELETE
 * and TRUNCATE. Only someone allowed to run `ALTER TABLE audit_events DISABLE TRIGGER ...` (the table owner
 * or a superuser) can change history, and the chain then shows it. `tenant_id` has no foreign key on purpose:
 * history outlives the tenant it is about.
 */
export class AuditEvents1764230400000 implements MigrationInterface {
  name = 'AuditEvents1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        type text NOT NULL,
        actor_kind text,
        actor_id text,
        actor_name text,
        tenant_id uuid,
        subject text,
        outcome text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_events_id_key UNIQUE (id),
        CONSTRAINT audit_events_hash_key UNIQUE (hash),
        -- At most one event follows any other: the chain can never fork, whatever a writer's snapshot saw.
        CONSTRAINT audit_events_prev_hash_key UNIQUE (prev_hash),
        CONSTRAINT audit_events_outcome CHECK (outcome IN ('success', 'failure')),
        CONSTRAINT audit_events_actor_complete CHECK (
          (actor_kind IS NULL AND actor_id IS NULL AND actor_name IS NULL)
          OR (actor_kind IS NOT NULL AND actor_id IS NOT NULL AND actor_name IS NOT NULL)
        ),
        CONSTRAINT audit_events_hash_format CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT audit_events_data_object CHECK (jsonb_typeof(data) = 'object')
      )`);
    // The listing reads newest first (seq DESC) within a tenant, a type, a subject prefix or since a time.
    await queryRunner.query(`CREATE INDEX audit_events_tenant_seq_idx ON audit_events (tenant_id, seq)`);
    await queryRunner.query(`CREATE INDEX audit_events_type_seq_idx ON audit_events (type, seq)`);
    await queryRunner.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING HINT = 'Audit events are never changed or removed; record a new event instead.';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    await queryRunner.query(
      `COMMENT ON TABLE audit_events IS 'Append-only, hash-chained audit log: triggers refuse UPDATE, DELETE and TRUNCATE; hash = SHA-256 of the canonical JSON of the event and prev_hash'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
