import { Module } from '@nestjs/common';
import { DEFAULT_GC_OPTIONS, GC_OPTIONS } from './gc-options.js';
import { GcRepository } from './gc.repository.js';
import { GcScheduler } from './gc.scheduler.js';
import { GcService } from './gc.service.js';

/** The upload-area sweeper and its periodic run (bundle store and KeyPolicy come from the global StorageModule). */
@Module({
  providers: [GcRepository, GcService, GcScheduler, { provide: GC_OPTIONS, useValue: DEFAULT_GC_OPTIONS }],
  exports: [GcService],
})
export class GcModule {}
