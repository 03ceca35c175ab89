import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { RunnersModule } from '../runners/runners.module.js';
import { InstallPrewarmer } from './install-prewarm.js';
import { InstallSecretsService } from './install-secrets.service.js';
import { InstallsController } from './installs.controller.js';
import { InstallsRepository } from './installs.repository.js';
import { InstallsService } from './installs.service.js';

/**
 * Installs of extensions in tenants, with their grants, config and sealed secrets. Exports InstallsService
 * for the gateway (`resolveForGateway`, `onChange`), InstallSecretsService for key rotation, and
 * InstallPrewarmer, which asks the Runner to warm a bundle when an install change will bring calls.
 */
@Module({
  imports: [RegistryModule, RunnersModule],
  controllers: [InstallsController],
  providers: [InstallsRepository, InstallsService, InstallSecretsService, InstallPrewarmer],
  exports: [InstallsService, InstallSecretsService, InstallPrewarmer],
})
export class InstallsModule {}
