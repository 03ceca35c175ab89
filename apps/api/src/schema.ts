import type { SchemaDefinition } from '@extplat/server-core';
import { AuditEventEntity } from './audit/audit-event.entity.js';
import { ApiKeyEntity } from './identity/api-key.entity.js';
import { LoginFailureEntity } from './authentication/login-failure.entity.js';
import { TenantEntity } from './identity/tenant.entity.js';
import { UserEntity } from './identity/user.entity.js';
import { InstallEntity, InstallSecretEntity } from './installs/install.entities.js';
import { ExtensionEntity, ExtensionVersionEntity } from './registry/registry.entities.js';
import { UploadSessionEntity } from './upload/upload-session.entity.js';
import { apiMigrations } from './database/migrations.js';

/**
 * The API owns the schema. Entities and migrations are listed explicitly (no globs), so the same list
 * works from TypeScript sources in tests and from the build output in production. It sits at the top of
 * the source tree, with the app module: it names every feature's entities, and `database/` names none.
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
  migrations: apiMigrations,
};
