import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { VerificationModule } from '../verification/verification.module.js';
import { BucketCors } from './bucket-cors.js';
import { UploadController } from './upload.controller.js';
import { UploadRepository } from './upload.repository.js';
import { UploadService } from './upload.service.js';

@Module({
  imports: [RegistryModule, VerificationModule],
  controllers: [UploadController],
  providers: [UploadRepository, UploadService, BucketCors],
})
export class UploadModule {}
