import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BUNDLE_STORE } from '@extplat/server-core';
import { S3BundleStore, type BundleStore } from '@extplat/storage';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';

/** Applies STORAGE_S3_CORS_ORIGINS to the bucket at start-up, so consoles on those origins can upload parts. */
@Injectable()
export class BucketCors implements OnApplicationBootstrap {
  private readonly logger = new Logger('Storage');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(BUNDLE_STORE) private readonly store: BundleStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.storage.driver !== 's3' || !(this.store instanceof S3BundleStore)) return;
    const origins = this.config.storage.s3.corsOrigins;
    if (origins.length === 0) return;
    await this.store.applyUploadCors(origins);
    this.logger.log({ event: 'storage.cors', origins }, `bucket CORS allows uploads from ${origins.join(', ')}`);
  }
}
