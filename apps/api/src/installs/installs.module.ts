import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { InstallSecretsService } from './install-secrets.service.js';
import { InstallsController } from './installs.controller.js';
import { InstallsRepository } from './installs.repository.js';
import { InstallsService } from './installs.service.js';

/**
 * Installs of extensions in tenants, with their grants, config and sealed secrets. Exports InstallsService
 * for the gateway (`resolveForGateway`, `onChange`) and InstallSecretsService for key rotation.
 */
@Module({
  imports: [RegistryModule],
  controllers: [InstallsController],
  providers: [InstallsRepository, InstallsService, InstallSecretsService],
  exports: [InstallsService, InstallSecretsService],
})
export class InstallsModule {}
