import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@extplat/testing';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { IdentityLifecycle1764324000000 } from './1764324000000-identity-lifecycle.js';

/** The migration on a database that had disabled users with live API keys before it. */
describe('migration IdentityLifecycle1764324000000', () => {
  let database: TestDatabase;
  let client: pg.Client;
  const migration = new IdentityLifecycle1764324000000();
  // The migration only runs SQL, so a query runner that forwards to one connection is enough.
  const runner = (): QueryRunner => ({ query: (text: string) => client.query(text) }) as unknown as QueryRunner;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('revokes the keys that disabled users (and their keys) created, and only those', async () => {
    await migration.down(runner());
    const tenant = (
      await client.query<{ id: string }>(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id`)
    ).rows[0]?.id;
    const user = async (email: string, disabled: boolean) =>
      (
        await client.query<{ id: string }>(
          `INSERT INTO users (tenant_id, email, password_hash, role, disabled_at)
             VALUES ($1, $2, 'x', 'tenant-admin', ${disabled ? 'now()' : 'NULL'}) RETURNING id`,
          [tenant, email],
        )
      ).rows[0]?.id ?? '';
    const key = async (name: string, createdBy: string) =>
      (
        await client.query<{ id: string }>(
          `INSERT INTO api_keys (tenant_id, role, name, prefix, secret_hash, created_by)
             VALUES ($1, 'tenant-admin', $2, $2, repeat('a', 64), $3) RETURNING id`,
          [tenant, name, createdBy],
        )
      ).rows[0]?.id ?? '';
    const [gone, active] = [await user('gone@acme.test', true), await user('active@acme.test', false)];
    const goneKey = await key('gone-key', `user:${gone}`);
    await key('gone-key-child', `api-key:${goneKey}`);
    const activeKey = await key('active-key', `user:${active}`);
    await key('active-key-child', `api-key:${activeKey}`);

    await migration.up(runner());

    const keys = await client.query<{ name: string; revoked: boolean }>(
      `SELECT name, revoked_at IS NOT NULL AS revoked FROM api_keys ORDER BY name`,
    );
    expect(keys.rows).toEqual([
      { name: 'active-key', revoked: false },
      { name: 'active-key-child', revoked: false },
      { name: 'gone-key', revoked: true },
      { name: 'gone-key-child', revoked: true },
    ]);
    const generations = await client.query<{ session_generation: number }>(`SELECT session_generation FROM users`);
    expect(generations.rows).toEqual([{ session_generation: 0 }, { session_generation: 0 }]);
    expect((await client.query(`SELECT count(*)::int AS n FROM login_failures`)).rows).toEqual([{ n: 0 }]);
  });
});
