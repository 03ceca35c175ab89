import { Inject, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BundleCacheModule } from '../cache/cache.module.js';
import { EXT_UI_PREFIX } from './ext-ui-url.js';
import { ExtUiHandler } from './ext-ui.handler.js';
import { ExtUiService } from './ext-ui.service.js';
import { PublishedVersions } from './published-versions.js';
import { PublishedVersionsRepository } from './published-versions.repository.js';

@Module({
  imports: [BundleCacheModule],
  providers: [
    {
      provide: PublishedVersions,
      inject: [PublishedVersionsRepository],
      useFactory: (repository: PublishedVersionsRepository) => new PublishedVersions(repository),
    },
    ExtUiService,
    ExtUiHandler,
  ],
})
export class ExtUiModule {
  /**
   * Mounts the ext-ui middleware while the application is being built: modules are instantiated inside
   * `NestFactory.create`, before `createHttpApp` adds the global request logger, so static files skip it
   * (and Nest's router). Errors reach the global exception filter through Express's error chain.
   */
  constructor(@Inject(HttpAdapterHost) adapterHost: HttpAdapterHost, @Inject(ExtUiHandler) handler: ExtUiHandler) {
    adapterHost.httpAdapter.use(EXT_UI_PREFIX.slice(0, -1), handler.middleware);
  }
}
