import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminQuery, quoteIdentifier, runDatabasePrefix } from './database.js';
import { TEST_ENV_VARIABLE, withDatabase, type TestEnvironment } from './environment.js';
import { provideServices, type ProvidedServices } from './services.js';

export interface PrepareOptions {
  /** Applies the schema to an empty database (the API's migrations). */
  migrate: (databaseUrl: string) => Promise<void>;
  s3StartScript: string;
}

interface RunState {
  services: ProvidedServices;
  env: TestEnvironment;
}

// globalSetup and globalTeardown are separate modules loaded into the same jest process.
const STATE_KEY = Symbol.for('extplat.testEnvironment');
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: RunState };

const log = (line: string): void => {
  process.stderr.write(`[test-env] ${line}\n`);
};

/**
 * Jest global setup for the integration project: provides PostgreSQL and S3 once, builds a migrated
 * template database, and publishes the environment to the workers through an environment variable.
 */
export async function prepareTestEnvironment(options: PrepareOptions): Promise<void> {
  const started = Date.now();
  const services = await provideServices({ s3StartScript: options.s3StartScript, log });
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const templateDatabase = `extplat_tpl_${runId}`;
  try {
    await adminQuery(services.postgresAdminUrl, `CREATE DATABASE ${quoteIdentifier(templateDatabase)}`);
    await options.migrate(withDatabase(services.postgresAdminUrl, templateDatabase));
  } catch (error) {
    await services.stop();
    throw error;
  }
  const env: TestEnvironment = {
    path: services.path,
    origin: services.origin,
    runId,
    postgres: { adminUrl: services.postgresAdminUrl, templateDatabase },
    s3: services.s3,
  };
  process.env[TEST_ENV_VARIABLE] = JSON.stringify(env);
  (globalThis as GlobalWithState)[STATE_KEY] = { services, env };
  log(`path: ${services.path}; PostgreSQL: ${services.origin.postgres}; S3: ${services.origin.s3}`);
  log(`run ${runId}: migrated template ${templateDatabase} ready in ${Date.now() - started} ms`);
}

/** Drops every database the run created (per-file leftovers included) and stops started containers. */
export async function teardownTestEnvironment(): Promise<void> {
  const state = (globalThis as GlobalWithState)[STATE_KEY];
  if (!state) return;
  const { services, env } = state;
  try {
    const client = new pg.Client({ connectionString: env.postgres.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)`,
        [env.postgres.templateDatabase, runDatabasePrefix(env.runId)],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  } finally {
    await services.stop();
  }
}
