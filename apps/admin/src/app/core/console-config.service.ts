import { inject, Injectable } from '@angular/core';
import type { ConsoleConfig } from '@extplat/api-client';
import { ApiHttp } from './api-http';

/** Deployment facts the console needs (the Runner's public base for extension UIs), loaded once. */
@Injectable({ providedIn: 'root' })
export class ConsoleConfigService {
  private readonly api = inject(ApiHttp);
  private config: Promise<ConsoleConfig> | undefined;

  load(): Promise<ConsoleConfig> {
    this.config ??= this.api.get('/api/console-config').catch((error: unknown) => {
      this.config = undefined;
      throw error;
    });
    return this.config;
  }
}
