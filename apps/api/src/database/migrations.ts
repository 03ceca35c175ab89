import type { MigrationInterface } from 'typeorm';
import { Tenants1764115200000 } from './migrations/1764115200000-tenants.js';
import { Identity1764201600000 } from './migrations/1764201600000-identity.js';
import { AuditEvents1764230400000 } from './migrations/1764230400000-audit-events.js';
import { RegistryAndUploads1764259200000 } from './migrations/1764259200000-registry-and-uploads.js';
import { Installs1764288000000 } from './migrations/1764288000000-installs.js';
import { IdentityLifecycle1764324000000 } from './migrations/1764324000000-identity-lifecycle.js';
import { RunnerPublishedVersions1764410400000 } from './migrations/1764410400000-runner-published-versions.js';
import { IdentitySearch1764496800000 } from './migrations/1764496800000-identity-search.js';
import { VersionConfigSchema1764583200000 } from './migrations/1764583200000-version-config-schema.js';
import { ApiKeySearch1764586800000 } from './migrations/1764586800000-api-key-search.js';
import { UploadPartAttempts1764590400000 } from './migrations/1764590400000-upload-part-attempts.js';

/**
 * The API's migrations, listed explicitly (no globs) in the order of their timestamps, so the same list
 * works from TypeScript sources in tests and from the build output in production. This folder imports no
 * feature: the entities are put together with these migrations in `../schema.ts`.
 */
export const apiMigrations: (new () => MigrationInterface)[] = [
  Tenants1764115200000,
  Identity1764201600000,
  AuditEvents1764230400000,
  RegistryAndUploads1764259200000,
  Installs1764288000000,
  IdentityLifecycle1764324000000,
  RunnerPublishedVersions1764410400000,
  IdentitySearch1764496800000,
  VersionConfigSchema1764583200000,
  ApiKeySearch1764586800000,
  UploadPartAttempts1764590400000,
];

/** Names of the migrations in order, as TypeORM records them. */
export const migrationNames = apiMigrations.map((migration) => migration.name);
