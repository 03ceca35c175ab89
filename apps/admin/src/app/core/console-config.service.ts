import { inject, Injectable } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import type { ConsoleConfig } from './api.types';

/** Deployment facts the console needs (the Runner's public base for extension UIs), loaded once. */
@Injectable({ providedIn: 'root' })
export class ConsoleConfigService {
  private readonly http = inject(HttpClient);
  private config: Promise<ConsoleConfig> | undefined;

  load(): Promise<ConsoleConfig> {
    this.config ??= firstValueFrom(this.http.get<ConsoleConfig>('/api/console-config')).catch((error: unknown) => {
      this.config = undefined;
      throw error;
    });
    return this.config;
  }
}
