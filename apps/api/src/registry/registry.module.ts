import { Module } from '@nestjs/common';
import { RegistryPublisher } from './registry-publisher.service.js';
import { RegistryController } from './registry.controller.js';
import { RegistryRepository } from './registry.repository.js';
import { RegistryService } from './registry.service.js';

/**
 * Extensions and their versions. The registry owns these tables: uploads publish through RegistryPublisher,
 * installs look versions up through RegistryService; the repository stays inside.
 */
@Module({
  controllers: [RegistryController],
  providers: [RegistryRepository, RegistryService, RegistryPublisher],
  exports: [RegistryService, RegistryPublisher],
})
export class RegistryModule {}
