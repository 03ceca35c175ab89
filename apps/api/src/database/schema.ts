import type { SchemaDefinition } from '@extplat/server-core';
import { Tenants1764115200000 } from './migrations/1764115200000-tenants.js';

/**
 * The API owns the schema. Entities and migrations are listed explicitly (no globs), so the same list
 * works from TypeScript sources in tests and from the build output in production.
 */
export const apiSchema: SchemaDefinition = {
  entities: [],
  migrations: [Tenants1764115200000],
};
