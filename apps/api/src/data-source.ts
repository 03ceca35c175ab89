import { EnvReader, postgresOptions, readDatabase } from '@extplat/server-core';
import { DataSource } from 'typeorm';
import { apiSchema } from './schema.js';

/**
 * The data source of the TypeORM CLI (`npm run migration:run`, `migration:generate`, `migration:revert`).
 * It reads only the DATABASE_* variables, so migrations can run before the rest of the API is configured.
 */
function createCliDataSource(): DataSource {
  const env = new EnvReader(process.env);
  const database = readDatabase(env, { migrationsRunDefault: false });
  env.finish();
  return new DataSource(postgresOptions(database, apiSchema));
}

export default createCliDataSource();
