import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { VerificationModule } from '../verification/verification.module.js';
import { BucketCors } from './bucket-cors.js';
import { DEFAULT_GC_OPTIONS, GC_OPTIONS } from './gc-options.js';
import { GcRepository } from './gc.repository.js';
import { GcScheduler } from './gc.scheduler.js';
import { GcService } from './gc.service.js';
import { UploadController } from './upload.controller.js';
import { UploadRepository } from './upload.repository.js';
import { UploadService } from './upload.service.js';
import { UploadSpool } from './upload-spool.js';

/**
 * Upload sessions and their staging area: the session lifecycle, finalize (which hands a verified bundle to
 * the registry to publish), and the sweeper that expires abandoned sessions and removes orphaned staging
 * objects (bundle store and KeyPolicy come from the global StorageModule).
 */
@Module({
  imports: [RegistryModule, VerificationModule],
  controllers: [UploadController],
  providers: [
    UploadRepository,
    UploadService,
    UploadSpool,
    BucketCors,
    GcRepository,
    GcService,
    GcScheduler,
    { provide: GC_OPTIONS, useValue: DEFAULT_GC_OPTIONS },
  ],
})
export class UploadModule {}
