/** Where the integration tests' services come from; decided once per run by the global setup. */
export type ServicesPath = 'testcontainers' | 'local';

export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
}

export interface TestEnvironment {
  path: ServicesPath;
  /** Describes the origin of each service, for the line the harness prints. */
  origin: { postgres: string; s3: string };
  runId: string;
  postgres: {
    /** A connection to a maintenance database, used to create and drop the per-file databases. */
    adminUrl: string;
    /** Migrated template that every per-file database is cloned from. */
    templateDatabase: string;
  };
  s3: S3Connection;
}

/** The global setup hands the environment to the test workers through this variable. */
export const TEST_ENV_VARIABLE = 'EXTPLAT_TEST_ENV';

export function readTestEnvironment(): TestEnvironment {
  const raw = process.env[TEST_ENV_VARIABLE];
  if (!raw) {
    throw new Error(
      `${TEST_ENV_VARIABLE} is not set: integration tests must run through the jest "integration" project, ` +
        'whose global setup provides PostgreSQL and S3 (npm test, or npm run test:int)',
    );
  }
  return JSON.parse(raw) as TestEnvironment;
}

/** The same URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
