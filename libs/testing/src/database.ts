import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readTestEnvironment, withDatabase } from './environment.js';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the maintenance database with a short-lived connection. */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Prefix of every database a run creates, so the teardown can find leftovers. */
export function runDatabasePrefix(runId: string): string {
  return `extplat_t_${runId}_`;
}

/**
 * A fresh database cloned from the migrated template: each test file gets its own, so files can run in
 * parallel and never see each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const env = readTestEnvironment();
  const name = `${runDatabasePrefix(env.runId)}${randomBytes(5).toString('hex')}`;
  // Two CREATE DATABASE ... TEMPLATE at the same instant can collide on the template's lock; retry briefly.
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(
        env.postgres.adminUrl,
        `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(env.postgres.templateDatabase)}`,
      );
      break;
    } catch (error) {
      if (attempt >= 10 || !String(error).includes('is being accessed by other users')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  return {
    name,
    url: withDatabase(env.postgres.adminUrl, name),
    drop: () => adminQuery(env.postgres.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  };
}
