import { inject, Injectable } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import { allPages } from '../core/pages';
import type { ApiKey, CreatedApiKey, Role } from '../core/api.types';

/** API keys (`/api/api-keys`): the whole key comes back once, at creation. */
@Injectable({ providedIn: 'root' })
export class ApiKeysService {
  private readonly http = inject(HttpClient);

  list(): Promise<ApiKey[]> {
    return allPages<ApiKey>(this.http, '/api/api-keys');
  }

  create(request: { name: string; role: Role; tenantId?: string; expiresAt?: string }): Promise<CreatedApiKey> {
    return firstValueFrom(this.http.post<CreatedApiKey>('/api/api-keys', request));
  }

  revoke(id: string): Promise<ApiKey> {
    return firstValueFrom(this.http.delete<ApiKey>(`/api/api-keys/${id}`));
  }
}
