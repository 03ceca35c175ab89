import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { BootstrapAdmin } from './bootstrap-admin.js';
import { LoginFailuresPruner } from './login-failures.pruner.js';
import { LoginFailuresRepository } from './login-failures.repository.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * Identity and access: logins, API keys, tenants and users, and the global guard that every route of the
 * API passes through. Other modules need nothing from here but the decorators and `Principal`.
 */
@Module({
  controllers: [AuthController, ApiKeysController, TenantsController, UsersController],
  providers: [
    AuthService,
    ApiKeysService,
    TenantsService,
    UsersService,
    UsersRepository,
    ApiKeysRepository,
    TenantsRepository,
    LoginFailuresRepository,
    LoginFailuresPruner,
    BootstrapAdmin,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AuthModule {}
