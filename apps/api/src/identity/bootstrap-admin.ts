import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import { UsersService } from './users.service.js';

/** Creates the platform admin named by BOOTSTRAP_ADMIN_* on the first start (when no platform admin exists). */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.auth.bootstrapAdmin;
    if (!admin) return;
    const outcome = await this.users.ensureBootstrapAdmin(admin.email, admin.password);
    switch (outcome) {
      case 'created':
        this.logger.log(`Created the bootstrap platform admin ${admin.email} (from BOOTSTRAP_ADMIN_EMAIL)`);
        break;
      case 'email-taken':
        this.logger.warn(
          `No platform admin exists, but BOOTSTRAP_ADMIN_EMAIL ${admin.email} belongs to another user; none was created`,
        );
        break;
      case 'admin-exists':
        break;
    }
  }
}
