import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '../identity/identity.module.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { LoginFailuresPruner } from './login-failures.pruner.js';
import { LoginFailuresRepository } from './login-failures.repository.js';

/**
 * Authentication: logins, session tokens, API-key checks, the login throttle, and the global guard that
 * every route of the API passes through. Users and keys themselves belong to the identity module; other
 * modules need nothing from here but the decorators and `Principal` of `access/`.
 */
@Module({
  imports: [IdentityModule],
  controllers: [AuthController],
  providers: [AuthService, LoginFailuresRepository, LoginFailuresPruner, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthenticationModule {}
