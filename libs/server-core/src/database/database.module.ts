import { type DynamicModule, Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { DatabaseConfig } from '../config/index.js';
import type { ReadinessCheck } from '../health/index.js';

export interface SchemaDefinition {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * PostgreSQL options shared by the running app and the migration CLI, so both see the same schema.
 * `synchronize` is always off: the schema changes only through migrations.
 */
export function postgresOptions(config: DatabaseConfig, schema: SchemaDefinition): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: config.migrationsRun,
    synchronize: false,
    poolSize: config.poolMax,
    extra: { connectionTimeoutMillis: 5000, application_name: 'extplat' },
  };
}

@Injectable()
export class DatabaseReadiness implements ReadinessCheck {
  readonly name = 'database';

  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}

@Module({})
export class DatabaseModule {
  static register(config: DatabaseConfig, schema: SchemaDefinition): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [TypeOrmModule.forRoot({ ...postgresOptions(config, schema), retryAttempts: 3, retryDelay: 1000 })],
      providers: [DatabaseReadiness],
      exports: [DatabaseReadiness],
    };
  }
}
