import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { BootstrapAdmin } from './bootstrap-admin.js';
import { ApiKeyCredentials, UserCredentials } from './credentials.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * Identity: tenants, users and API keys, and the first platform admin. Authentication reads credentials
 * through the two services it exports; the tables stay behind this module's repositories.
 */
@Module({
  controllers: [ApiKeysController, TenantsController, UsersController],
  providers: [
    ApiKeysService,
    TenantsService,
    UsersService,
    UsersRepository,
    ApiKeysRepository,
    TenantsRepository,
    UserCredentials,
    ApiKeyCredentials,
    BootstrapAdmin,
  ],
  exports: [UserCredentials, ApiKeyCredentials],
})
export class IdentityModule {}
