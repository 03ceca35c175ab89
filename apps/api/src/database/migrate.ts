import { DataSource } from 'typeorm';
import { postgresOptions } from '@extplat/server-core';
import { apiMigrations } from './migrations.js';

/** Applies every pending migration to the database at `url` (the test harness builds its template this way). */
export async function migrateDatabase(url: string): Promise<string[]> {
  const dataSource = new DataSource(
    postgresOptions({ url, poolMax: 2, migrationsRun: false }, { entities: [], migrations: apiMigrations }),
  );
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
