import { Module } from '@nestjs/common';
import { BundleCacheModule } from '../cache/cache.module.js';
import { ExecuteModule } from '../execute/execute.module.js';
import { PrewarmController } from './prewarm.controller.js';
import { PrewarmService } from './prewarm.service.js';

/** `POST /v1/prewarm`: the API warms a bundle on install, enable and version switch. */
@Module({
  imports: [BundleCacheModule, ExecuteModule],
  controllers: [PrewarmController],
  providers: [PrewarmService],
})
export class PrewarmModule {}
