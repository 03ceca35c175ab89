import type { SchemaDefinition } from '@extplat/server-core';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { ApiKeyEntity } from '../auth/api-key.entity.js';
import { LoginFailureEntity } from '../auth/login-failure.entity.js';
import { TenantEntity } from '../auth/tenant.entity.js';
import { UserEntity } from '../auth/user.entity.js';
import { InstallEntity, InstallSecretEntity } from '../installs/install.entities.js';
import { ExtensionEntity, ExtensionVersionEntity } from '../registry/registry.entities.js';
import { UploadSessionEntity } from '../upload/upload-session.entity.js';
import { Tenants1764115200000 } from './migrations/1764115200000-tenants.js';
import { Identity1764201600000 } from './migrations/1764201600000-identity.js';
import { AuditEvents1764230400000 } from './migrations/1764230400000-audit-events.js';
import { RegistryAndUploads1764259200000 } from './migrations/1764259200000-registry-and-uploads.js';
import { Installs1764288000000 } from './migrations/1764288000000-installs.js';
import { IdentityLifecycle1764324000000 } from './migrations/1764324000000-identity-lifecycle.js';

/**
 * The API owns the schema. Entities and migrations are listed explicitly (no globs), so the same list
 * works from TypeScript sources in tests and from the build output in production. Migrations stay in
 * the order of their timestamps.
 */
export const apiSchema: SchemaDefinition = {
  entities: [
    TenantEntity,
    UserEntity,
    ApiKeyEntity,
    ExtensionEntity,
    ExtensionVersionEntity,
    UploadSessionEntity,
    AuditEventEntity,
    InstallEntity,
    InstallSecretEntity,
    LoginFailureEntity,
  ],
  migrations: [
    Tenants1764115200000,
    Identity1764201600000,
    AuditEvents1764230400000,
    RegistryAndUploads1764259200000,
    Installs1764288000000,
    IdentityLifecycle1764324000000,
  ],
};

/** Names of the migrations in order, as TypeORM records them. */
export const migrationNames = (apiSchema.migrations as { name: string }[]).map((migration) => migration.name);
